// The Content-Length mbox variant (mboxcl2): each message's Content-Length header gives its body's exact
// octet count, and body lines are not quoted. This module checks whether a file follows that layout and
// returns the byte range of every message, reading only the separator lines and the headers.
import type { FileHandle } from 'node:fs/promises';

import { MAX_HEADER_OCTETS } from '../../shared/limits.js';
import { startsWithFrom } from './mbox-splitter.js';

/** Octets read at a time while looking for a separator line's end or a header block's end. */
const READ_WINDOW_OCTETS = 64 * 1024;

/** One message of an mbox: start inclusive, end exclusive, both octet offsets in the file. */
export interface MessageRange {
  byteStart: number;
  byteEnd: number;
}

/**
 * Returns the range of every message when the whole file follows the Content-Length layout, or null when
 * it does not. The layout holds when every message has a Content-Length header and the body it counts ends
 * at the end of the file or at a line ending followed by the next "From " separator. That line ending
 * belongs to the separator (RFC 4155 section 2), so it is not part of the message.
 */
export async function planContentLengthMessages(handle: FileHandle, size: number): Promise<MessageRange[] | null> {
  const ranges: MessageRange[] = [];
  let position = 0;

  while (position < size) {
    const separator = await readSeparatorLine(handle, position, size);
    if (separator === null) return null;

    const headerEnd = await findHeaderEnd(handle, separator, size);
    if (headerEnd === null) return null;
    const header = await readRange(handle, separator, headerEnd);
    const contentLength = readContentLength(header.toString('latin1'));
    if (contentLength === null) return null;

    const bodyEnd = headerEnd + contentLength;
    if (bodyEnd > size) return null;
    ranges.push({ byteStart: separator, byteEnd: bodyEnd });
    if (bodyEnd === size) break;

    const after = await readRange(handle, bodyEnd, Math.min(size, bodyEnd + 7));
    const eolLength = lineEndingLength(after);
    if (eolLength === 0) return null;
    position = bodyEnd + eolLength;
    if (position < size && !startsWithFrom(after, eolLength)) return null;
  }
  return ranges.length > 0 ? ranges : null;
}

/** Reads the separator line at `position` and returns the offset just after it, or null when none is there. */
async function readSeparatorLine(handle: FileHandle, position: number, size: number): Promise<number | null> {
  const window = await readRange(handle, position, Math.min(size, position + READ_WINDOW_OCTETS));
  if (!startsWithFrom(window, 0)) return null;
  const newline = window.indexOf(0x0a);
  return newline === -1 ? null : position + newline + 1;
}

/**
 * Returns the offset just after the empty line that ends the header block starting at `start`, or null when
 * no empty line comes within MAX_HEADER_OCTETS.
 */
async function findHeaderEnd(handle: FileHandle, start: number, size: number): Promise<number | null> {
  const limit = Math.min(size, start + MAX_HEADER_OCTETS);
  let text = '';
  let position = start;
  while (position < limit) {
    const end = Math.min(limit, position + READ_WINDOW_OCTETS);
    text += (await readRange(handle, position, end)).toString('latin1');
    position = end;

    // A leading line break stands for the line ending before the block, so an empty first line also matches.
    const match = /\n\r?\n/.exec('\n' + text);
    if (match) return start + match.index + match[0].length - 1;
  }
  return null;
}

/** Returns the first Content-Length header's value, or null when it is missing or not a plain number. */
export function readContentLength(header: string): number | null {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const match = /^content-length:[ \t]*(\d{1,15})[ \t]*\r?$/im.exec(unfolded);
  if (!match) return null;
  return Number(match[1]);
}

/** Returns the length of the line ending at the start of `octets`: 2 for CRLF, 1 for LF, 0 for none. */
function lineEndingLength(octets: Buffer): number {
  if (octets[0] === 0x0d && octets[1] === 0x0a) return 2;
  if (octets[0] === 0x0a) return 1;
  return 0;
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.alloc(Math.max(0, end - start));
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
