// Whole-buffer reference for POP3 multi-line responses, written independently of the streaming decoder so
// tests can check one against the other and against octets captured on the wire.

const CRLF = Buffer.from('\r\n');

/**
 * Splits a complete multi-line body at CRLF, drops the first octet of each line that starts with "." and stops
 * at the line ".". Returns the message (every line with its CRLF) and the octets after the terminator.
 * Throws when the body has no terminator.
 */
export function unstuffWholeResponse(body: Buffer): { message: Buffer; rest: Buffer } {
  const lines: Buffer[] = [];
  let position = 0;

  for (;;) {
    const end = body.indexOf(CRLF, position);
    if (end === -1) throw new Error('unstuffWholeResponse: the body has no "." terminator line');

    const line = body.subarray(position, end);
    position = end + CRLF.length;
    if (line.length === 1 && line[0] === 0x2e) {
      return { message: Buffer.concat(lines), rest: body.subarray(position) };
    }
    lines.push(line[0] === 0x2e ? line.subarray(1) : line, CRLF);
  }
}

/**
 * Returns the octets a conforming server sends for a stored message: bare LF becomes CRLF, a message that does
 * not end with a line break gets CRLF, and lines starting with "." get one more "." (before the terminator).
 * This matches what Dovecot 2.3 sends for a maildir file; the terminator itself is not included.
 */
export function expectedWireMessage(stored: Buffer): Buffer {
  const normalized: number[] = [];
  for (let index = 0; index < stored.length; index += 1) {
    const octet = stored[index] as number;
    if (octet === 0x0a && stored[index - 1] !== 0x0d) normalized.push(0x0d);
    normalized.push(octet);
  }
  if (normalized.length > 0 && normalized[normalized.length - 1] !== 0x0a) normalized.push(0x0d, 0x0a);
  return Buffer.from(normalized);
}

/** Dot-stuffs a message whose lines all end with CRLF and appends the terminator line. */
export function stuffMessage(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  let position = 0;
  while (position < message.length) {
    const end = message.indexOf(CRLF, position);
    const next = end === -1 ? message.length : end + CRLF.length;
    if (message[position] === 0x2e) parts.push(Buffer.from('.'));
    parts.push(message.subarray(position, next));
    position = next;
  }
  parts.push(Buffer.from('.\r\n'));
  return Buffer.concat(parts);
}
