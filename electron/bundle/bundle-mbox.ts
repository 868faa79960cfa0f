// Writes the bundled messages as one mboxrd file, a convenience copy for mail tools. The .eml files stay the
// evidence: the mbox quotes "From " lines and adds separator lines, so its messages are not the raw octets.
import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';

import type { CaseStore } from '../evidence/case-store.js';
import { PAYLOAD_PATHS } from './bag-format.js';
import type { BundledMessage, PayloadFile } from './bundle-payload.js';

const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Writes every stored message of `messages` (embedded ones are inside their parents) to `file` in mboxrd
 * format and returns it as a payload file streamed from disk. mboxrd (RFC 4155 and the mboxrd convention)
 * adds one ">" to every line that matches /^>*From /, so a reader removes exactly one and gets the line back.
 * A message that does not end in a line break gets one, and an empty line separates messages. The
 * separator line carries the message's Date in UTC, or 1970-01-01 when it has none, so the file is
 * the same for the same selection.
 */
export async function writeMbox(store: CaseStore, messages: readonly BundledMessage[], file: string): Promise<PayloadFile> {
  const output = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  const hash256 = createHash('sha256');
  const hash512 = createHash('sha512');
  let size = 0;

  const write = async (chunk: Buffer): Promise<void> => {
    hash256.update(chunk);
    hash512.update(chunk);
    size += chunk.length;
    if (!output.write(chunk)) await once(output, 'drain');
  };

  try {
    for (const message of messages) {
      if (message.parentSha256 !== null) continue;
      const raw = await store.readMessage(message.sha256);
      await write(Buffer.from(`From MAILER-DAEMON ${asctime(message.record?.date ?? null)}\n`, 'latin1'));
      await write(quoteFromLines(raw));
      if (raw.length === 0 || raw[raw.length - 1] !== 0x0a) await write(Buffer.from('\n'));
      await write(Buffer.from('\n'));
    }
    output.end();
    await once(output, 'close');
  } catch (error) {
    output.destroy();
    await fs.rm(file, { force: true });
    throw error;
  }

  return { path: PAYLOAD_PATHS.mbox, sha256: hash256.digest('hex'), sha512: hash512.digest('hex'), size, sourcePath: file };
}

/** Adds ">" before every line that starts with zero or more ">" and then "From ", leaving other octets alone. */
export function quoteFromLines(raw: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let lineStart = 0;
  while (lineStart < raw.length) {
    const newline = raw.indexOf(0x0a, lineStart);
    const lineEnd = newline === -1 ? raw.length : newline + 1;
    if (isFromLine(raw, lineStart, lineEnd)) pieces.push(Buffer.from('>'));
    pieces.push(raw.subarray(lineStart, lineEnd));
    lineStart = lineEnd;
  }
  return Buffer.concat(pieces);
}

function isFromLine(raw: Buffer, start: number, end: number): boolean {
  let index = start;
  while (index < end && raw[index] === 0x3e) index += 1;
  return raw.subarray(index, Math.min(index + 5, end)).toString('latin1') === 'From ';
}

/** Formats a date as C asctime() in UTC, the form RFC 4155 separator lines use. */
function asctime(isoDate: string | null): string {
  const parsed = isoDate === null ? NaN : Date.parse(isoDate);
  const date = new Date(Number.isNaN(parsed) ? 0 : parsed);
  const pad = (value: number): string => String(value).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${DAY_NAMES[date.getUTCDay()] ?? 'Thu'} ${MONTH_NAMES[date.getUTCMonth()] ?? 'Jan'} ${day} ${time} ${date.getUTCFullYear()}`;
}
