// Recognises text bytes and decodes them to strings with the right charset: byte order mark first, then the
// declared charset, then UTF-8 when the bytes are valid UTF-8, else Windows-1252.
import { TextDecoder } from 'node:util';

/** Octets sampled when deciding whether bytes are text. */
const TEXT_SAMPLE_OCTETS = 8 * 1024;

/** Charset labels that claim UTF-8 or its subset; bytes that are not valid UTF-8 then fall back to Windows-1252. */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii', 'ansi_x3.4-1968']);

function bomCharset(data: Buffer): { charset: string; length: number } | null {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (data[0] === 0xff && data[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (data[0] === 0xfe && data[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return null;
}

/** Returns the charset parameter of a Content-Type value, lower case, or null. */
export function charsetFromContentType(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase() ?? null;
}

function isValidUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

function tryDecoder(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

/** Tells whether a code is a C0 control character that text rarely contains (tab, LF, FF, CR and ESC are allowed). */
function isDisallowedControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d && code !== 0x1b;
}

/** Tells whether the bytes start with a UTF-8 or UTF-16 byte order mark. */
export function hasByteOrderMark(data: Buffer): boolean {
  return bomCharset(data) !== null;
}

/**
 * Tells whether bytes look like text. Either a byte order mark is followed by text, or a sample has no NUL bytes
 * and at most 5% control characters other than tab, line feed, form feed, carriage return and escape.
 */
export function looksLikeText(data: Buffer): boolean {
  if (data.length === 0) return false;
  const bom = bomCharset(data);
  if (bom) {
    const sample = new TextDecoder(bom.charset).decode(data.subarray(bom.length, TEXT_SAMPLE_OCTETS));
    let controls = 0;
    for (let i = 0; i < sample.length; i += 1) if (isDisallowedControl(sample.charCodeAt(i))) controls += 1;
    return controls <= sample.length * 0.05;
  }

  const sample = data.subarray(0, TEXT_SAMPLE_OCTETS);
  let controls = 0;
  for (const byte of sample) {
    if (byte === 0) return false;
    if (isDisallowedControl(byte)) controls += 1;
  }
  return controls <= sample.length * 0.05;
}

/** Finds a charset named by an HTML meta element in the first 1024 octets, as browsers do, or null. */
export function sniffHtmlCharset(data: Buffer): string | null {
  const head = data.subarray(0, 1024).toString('latin1');
  const match = /<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.-]+)/i.exec(head);
  return match?.[1]?.toLowerCase() ?? null;
}

/**
 * Decodes text bytes and names the charset used. A byte order mark wins. A declared charset that TextDecoder
 * supports comes next, except that a UTF-8 or ASCII label on bytes that are not UTF-8 falls back to Windows-1252,
 * the usual mislabelling in mail. Without either, valid UTF-8 is UTF-8 and anything else Windows-1252.
 */
export function decodeText(data: Buffer, declaredCharset: string | null): { text: string; charset: string } {
  const bom = bomCharset(data);
  if (bom) return { text: new TextDecoder(bom.charset).decode(data.subarray(bom.length)), charset: bom.charset };

  const declared = declaredCharset?.toLowerCase() ?? null;
  if (declared !== null && !UTF8_LABELS.has(declared)) {
    const decoder = tryDecoder(declared);
    if (decoder) return { text: decoder.decode(data), charset: declared };
  }

  if (isValidUtf8(data)) return { text: data.toString('utf8'), charset: 'utf-8' };
  return { text: new TextDecoder('windows-1252').decode(data), charset: 'windows-1252' };
}
