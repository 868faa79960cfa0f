import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseMessage } from '../../electron/parsing/parse-message.js';
import { MAX_MESSAGE_OCTETS } from '../../shared/limits.js';

const HOSTILE = path.resolve('test/fixtures/messages/hostile');
const SHA256 = 'b'.repeat(64);

async function parseFixture(name: string) {
  const raw = await readFile(path.join(HOSTILE, name));
  return parseMessage(raw, { sha256: SHA256, size: raw.length, sources: [] });
}

describe('parseMessage with hostile input', () => {
  it('flags a message with too many MIME parts', async () => {
    const record = await parseFixture('too-many-parts.eml');

    expect(record.parseError).toBe('Max allowed child nodes exceeded');
    expect(record.sha256).toBe(SHA256);
    expect(record.size).toBe(47420);
    expect(record.subject).toBe('Too many parts');
    expect(record.parts).toHaveLength(1000);
    expect(record.flags).toEqual([
      {
        kind: 'limit-reached',
        location: '999',
        detail: 'The message has more MIME parts or header octets than the parser reads, so later parts were not read.',
      },
    ]);
    expect(record.partErrors).toEqual([
      { location: '999', reason: 'MIME structure could not be read past this part: Max allowed child nodes exceeded' },
    ]);
  });

  it('flags multiparts nested 1500 deep', async () => {
    const record = await parseFixture('deep-nesting.eml');

    expect(record.parseError).toBe('Max allowed child nodes exceeded');
    expect(record.text).toBe('');
  });

  it('flags HTML nested too deep to convert', async () => {
    const record = await parseFixture('deep-html.eml');

    expect(record.parseError).toBeNull();
    expect(record.partErrors).toEqual([{ location: '1', reason: 'HTML body could not be converted to text: HTML nested deeper than 1000 levels' }]);
    expect(record.subject).toBe('Deep HTML');
    expect(record.text).toBe('');
    expect(record.textPartPath).toBeNull();
  });

  it('returns an empty record for binary garbage', async () => {
    const record = await parseFixture('binary-garbage.eml');

    expect(record.sha256).toBe(SHA256);
    expect(record.size).toBe(4096);
    expect(record.from).toEqual([]);
    expect(record.date).toBeNull();
  });

  it('flags a header block over 1 MB', async () => {
    const filler = `X-Filler: ${'a'.repeat(1000)}\r\n`.repeat(1100);
    const raw = Buffer.from(`Subject: huge\r\n${filler}\r\nbody\r\n`);

    const record = await parseMessage(raw, { sha256: SHA256, size: raw.length, sources: [] });

    expect(record.parseError).toBe('Max header size for a MIME node exceeded');
    expect(record.subject).toBe('');
    expect(record.flags.map((flag) => flag.kind)).toEqual(['limit-reached']);
  });

  it('rejects a message over the size limit unparsed', async () => {
    const raw = Buffer.alloc(MAX_MESSAGE_OCTETS + 1);

    const record = await parseMessage(raw, { sha256: SHA256, size: raw.length, sources: [] });

    expect(record.parseError).toBe(`Message is ${MAX_MESSAGE_OCTETS + 1} octets, more than the ${MAX_MESSAGE_OCTETS} octets the parser accepts`);
  });

  it('returns a record for an empty message', async () => {
    const record = await parseMessage(Buffer.alloc(0), { sha256: SHA256, size: 0, sources: [] });

    expect(record.parseError).toBeNull();
    expect(record.subject).toBe('');
    expect(record.text).toBe('');
  });
});
