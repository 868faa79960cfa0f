import { describe, expect, it } from 'vitest';

import { decompressRtf } from '../../electron/parsing/tnef-rtf.js';
import { readTnef } from '../../electron/parsing/tnef.js';
import { buildTnef } from './parse-tnef-builder.js';

describe('readTnef', () => {
  const stream = buildTnef({
    subject: 'Quarterly plan',
    body: 'Meet at the harbour.\r\nBring the numbers.',
    attachments: [
      { title: 'PLAN~1.PDF', longName: 'Plan for the bluebird shipment.pdf', data: Buffer.from('%PDF-1.4 plan') },
      { title: 'NOTES.TXT', data: Buffer.from('notes') },
    ],
  });

  it('reads subject, class and body', () => {
    const content = readTnef(stream);

    expect(content.messageClass).toBe('IPM.Microsoft Mail.Note');
    expect(content.subject).toBe('Quarterly plan');
    expect(content.body).toBe('Meet at the harbour.\r\nBring the numbers.');
    expect(content.bodyHtml).toBeNull();
    expect(content.problems).toEqual([]);
  });

  it('prefers the long attachment filename', () => {
    const content = readTnef(stream);

    expect(content.attachments.map((item) => [item.filename, item.contentType, item.data.toString()])).toEqual([
      ['Plan for the bluebird shipment.pdf', null, '%PDF-1.4 plan'],
      ['NOTES.TXT', null, 'notes'],
    ]);
  });

  it('keeps what precedes a truncated attribute', () => {
    const content = readTnef(stream.subarray(0, stream.length - 4));
    // The last attribute is the 5-octet attAttachData of NOTES.TXT: 9 octets of header, the data and a checksum.
    const lastOffset = stream.length - (9 + 5 + 2);

    expect(content.subject).toBe('Quarterly plan');
    expect(content.attachments.map((item) => item.filename)).toEqual(['Plan for the bluebird shipment.pdf']);
    expect(content.problems).toEqual([`TNEF attribute 0x6800f at offset ${lastOffset} runs past the end of the data`]);
  });

  it('rejects data without the signature', () => {
    expect(() => readTnef(Buffer.from('winmail'))).toThrow('TNEF data does not start with the TNEF signature 0x223E9F78');
  });
});

describe('decompressRtf', () => {
  function rtfHeader(rawSize: number, type: number, payloadLength: number): Buffer {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(12 + payloadLength, 0);
    header.writeUInt32LE(rawSize, 4);
    header.writeUInt32LE(type, 8);
    return header;
  }

  it('copies from the initial dictionary', () => {
    // Control byte 0b11: a reference to dictionary offset 0, length 6, then the end marker at write position 213.
    const payload = Buffer.from([0x03, 0x00, 0x04, 0x0d, 0x50]);
    const data = Buffer.concat([rtfHeader(6, 0x75465a4c, payload.length), payload]);

    expect(decompressRtf(data)?.toString('latin1')).toBe('{\\rtf1');
  });

  it('reads literals and repeats', () => {
    // Control byte 0b100: literals "a" and "b", then a 4-octet reference to offset 207 that repeats "ab".
    const payload = Buffer.from([0x04, 0x61, 0x62, 0x0c, 0xf2]);
    const data = Buffer.concat([rtfHeader(6, 0x75465a4c, payload.length), payload]);

    expect(decompressRtf(data)?.toString('latin1')).toBe('ababab');
  });

  it('returns uncompressed RTF as stored', () => {
    const payload = Buffer.from('{\\rtf1 plain}');
    const data = Buffer.concat([rtfHeader(payload.length, 0x414c454d, payload.length), payload]);

    expect(decompressRtf(data)?.toString('latin1')).toBe('{\\rtf1 plain}');
  });

  it('rejects an unknown compression type', () => {
    expect(decompressRtf(Buffer.concat([rtfHeader(4, 0x12345678, 4), Buffer.from('data')]))).toBeNull();
  });
});
