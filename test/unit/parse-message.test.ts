import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseMessage } from '../../electron/parsing/parse-message.js';
import type { MessageRecord, MessageSource } from '../../shared/types.js';

const MESSAGES = path.resolve('test/fixtures/messages');
const CORPUS = path.resolve('test/fixtures/corpus');

const SOURCE: MessageSource = { kind: 'pop3', host: '127.0.0.1', port: 1110, user: 'suspect', uidl: 'uidl-1', messageNumber: 1 };

async function parseFile(file: string): Promise<{ raw: Buffer; record: MessageRecord }> {
  const raw = await readFile(file);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const record = await parseMessage(raw, { sha256, size: raw.length, sources: [SOURCE] });
  return { raw, record };
}

describe('parseMessage', () => {
  it('reads headers of a plain message', async () => {
    const { raw, record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));

    expect(record.sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(record.size).toBe(576);
    expect(record.sources).toEqual([SOURCE]);
    expect(record.parseError).toBeNull();
    expect(record.messageId).toBe('<falcon-1@corp.example>');
    expect(record.subject).toBe('Falcon pricing for Q3');
    expect(record.date).toBe('2024-03-05T13:30:00.000Z');
    expect(record.rawDate).toBe('Tue, 05 Mar 2024 14:30:00 +0100');
  });

  it('keeps display names apart from addresses', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));

    expect(record.from).toEqual([{ name: 'Alice Example', address: 'alice@corp.example' }]);
    expect(record.to).toEqual([
      { name: 'Bob Buyer', address: 'bob@sales.rival.example' },
      { name: '', address: 'carol@corp.example' },
    ]);
    expect(record.cc).toEqual([{ name: 'Jürgen Müller', address: 'juergen@partner.example' }]);
    expect(record.bcc).toEqual([]);
    expect(record.replyTo).toEqual([{ name: '', address: 'alice.private@mail.example' }]);
  });

  it('keeps body line breaks', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));

    expect(record.text).toBe(
      'Hi Bob,\n\nhere are the numbers for Project\nFalcon that we discussed. The pricing sheet follows next week.\n\nRegards,\nAlice\n',
    );
    expect(record.attachments).toEqual([]);
  });

  it('converts an HTML-only body to text', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'html-only.eml'));

    expect(record.text).toBe('DIGEST\n\nThe bluebird shipment left the harbour.\n\nSecond paragraph.');
    expect(record.parseError).toBeNull();
  });

  it('sets null dates without Date header', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'html-only.eml'));

    expect(record.date).toBeNull();
    expect(record.rawDate).toBeNull();
  });

  it('keeps rawDate when the Date header is invalid', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'invalid-date.eml'));

    expect(record.date).toBeNull();
    expect(record.rawDate).toBe('Someday around noon');
    expect(record.parseError).toBeNull();
  });

  it('hashes decoded attachment content', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'attachments.eml'));

    expect(record.text).toBe('See the attached files.');
    expect(record.attachments).toEqual([
      {
        filename: 'q3-report.txt',
        contentType: 'text/plain',
        size: 30,
        sha256: createHash('sha256').update('Quarterly report\nRevenue: 100\n').digest('hex'),
      },
      {
        filename: 'prévision falcon.bin',
        contentType: 'application/octet-stream',
        size: 256,
        sha256: createHash('sha256').update(Buffer.from(Array.from({ length: 256 }, (_, index) => index))).digest('hex'),
      },
    ]);
  });

  it('flattens address groups into their members', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'group-addresses.eml'));

    expect(record.to).toEqual([
      { name: '', address: 'dave@corp.example' },
      { name: 'Erin E.', address: 'erin@rival.example' },
      { name: '', address: 'frank@notrival.example' },
    ]);
    expect(record.cc).toEqual([]);
  });

  it('leaves the raw buffer unchanged', async () => {
    const raw = await readFile(path.join(MESSAGES, 'attachments.eml'));
    const before = Buffer.from(raw);

    await parseMessage(raw, { sha256: 'a'.repeat(64), size: raw.length, sources: [] });

    expect(raw.equals(before)).toBe(true);
  });
});

describe('parseMessage on the public corpus', () => {
  it('decodes GB18030 names and subject', async () => {
    const { record } = await parseFile(path.join(CORPUS, 'MailCore-mailcore2__1021-chinese.eml'));

    expect(record.subject).toBe('哈哈');
    expect(record.from).toEqual([{ name: '向左', address: 'wujyou@qq.com' }]);
    expect(record.to).toEqual([{ name: '189佑', address: 'wujingyou@189.cn' }]);
    expect(record.date).toBe('2014-12-23T20:09:33.000Z');
  });

  it('hashes an executable attachment', async () => {
    const { record } = await parseFile(path.join(CORPUS, 'rspamd-rspamd__exe_attm.eml'));

    expect(record.subject).toBe('test Sat, 26 Jan 2019 12:04:58 +0100');
    expect(record.from).toEqual([{ name: '', address: 'root@srv.example.com' }]);
    expect(record.attachments).toEqual([
      {
        filename: 'hello_world.exe',
        contentType: 'application/octet-stream',
        size: 57,
        sha256: 'aa582e221a914c5ec7e3ed5f614b397602c0e8d30ebbbdb8048ce6838ade2a3a',
      },
    ]);
  });

  it('keeps rawDate of an unparseable corpus date', async () => {
    const { record } = await parseFile(path.join(CORPUS, 'mikel-mail__bad_date_header2.eml'));

    expect(record.date).toBeNull();
    expect(record.rawDate).toBe('Wed, 15 Dec 2010    59:10 -0500');
    expect(record.subject).toBe('40% OFF holiday patterns and fabric!');
  });

  it('returns a record for a malformed multipart', async () => {
    const { raw, record } = await parseFile(path.join(CORPUS, 'stalwartlabs-mail-parser__malformed_000.eml'));

    expect(record.size).toBe(raw.length);
    expect(record.sources).toEqual([SOURCE]);
    expect(record.subject).toBe('');
    expect(record.attachments).toEqual([]);
  });
});
