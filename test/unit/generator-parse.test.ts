// Feeds the generated mailbox through Mailcase's own parser: every message parses, the attachment flags it sets
// are exactly the planted attachment kinds, and planted text in attachments reaches the extracted text.
import { createHash } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import { createMailboxGenerator, type GroundTruth } from '../../electron/demo/generate-mailbox.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import type { MessageRecord } from '../../shared/types.js';

const SEED = 1;
const COUNT = 600;

/** Planted kinds that the parser reports as content flags. */
const FLAG_KINDS = new Set(['encrypted-zip', 'encrypted-pdf', 'image', 'type-mismatch', 'executable']);

const records: MessageRecord[] = [];
let truth: GroundTruth;

beforeAll(async () => {
  const generator = createMailboxGenerator({ seed: SEED, count: COUNT });
  for await (const message of generator.messages()) {
    const sha256 = createHash('sha256').update(message.raw).digest('hex');
    records.push(await parseMessage(message.raw, { sha256, size: message.raw.length, sources: [] }));
  }
  truth = await generator.groundTruth();
}, 300_000);

describe('generated mailbox through parseMessage', () => {
  it('parses every message without a parse error', () => {
    expect(records.filter((record) => record.parseError !== null).map((record) => record.subject)).toEqual([]);
  });

  it('flags exactly the planted attachment kinds', () => {
    const mismatches: string[] = [];
    records.forEach((record, index) => {
      const flagged = record.flags.filter((flag) => FLAG_KINDS.has(flag.kind)).map((flag) => flag.kind).sort();
      const planted = truth.planted.filter((item) => item.messageIndex === index && FLAG_KINDS.has(item.kind)).map((item) => item.kind).sort();
      if (flagged.join() !== planted.join()) {
        mismatches.push(`${index}: flagged ${flagged.join()} planted ${planted.join()}`);
      }
    });
    expect(mismatches).toEqual([]);
  });

  it('extracts planted text from attachments', () => {
    const inAttachments = truth.planted.filter((item) => item.location.startsWith('attachment:') && (item.kind === 'codeword' || item.kind === 'iban'));
    expect(inAttachments.length).toBe(5);
    for (const item of inAttachments) {
      const filename = item.location.slice('attachment:'.length);
      const attachment = records[item.messageIndex]?.attachments.find((a) => a.filename === filename);
      expect(attachment?.text.includes(item.value)).toBe(true);
    }
  });

  it('keeps ordinary attachments free of flags', () => {
    const flagged = records.flatMap((record, index) =>
      record.attachments
        .filter((a) => a.flags.length > 0 && !truth.planted.some((p) => p.messageIndex === index && p.location === `attachment:${a.filename ?? ''}`))
        .map((a) => `${index}:${a.filename ?? ''}`),
    );
    expect(flagged).toEqual([]);
  });
});
