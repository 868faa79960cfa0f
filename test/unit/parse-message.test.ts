import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { analyzeAttachment } from '../../electron/parsing/attachments/analyze-attachment.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import { MAX_EMBEDDED_DEPTH } from '../../shared/limits.js';
import type { MessageRecord, MessageSource } from '../../shared/types.js';
import { buildTnef } from './parse-tnef-builder.js';

const MESSAGES = path.resolve('test/fixtures/messages');

const SOURCE: MessageSource = { kind: 'pop3', host: '127.0.0.1', port: 1110, user: 'suspect', uidl: 'uidl-1', messageNumber: 1 };

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function parseBuffer(raw: Buffer): Promise<MessageRecord> {
  return parseMessage(raw, { sha256: sha256(raw), size: raw.length, sources: [SOURCE] });
}

async function parseFile(file: string): Promise<{ raw: Buffer; record: MessageRecord }> {
  const raw = await readFile(file);
  return { raw, record: await parseBuffer(raw) };
}

/** Builds a message from lines joined with CRLF. */
function crlf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

describe('parseMessage', () => {
  it('reads headers of a plain message', async () => {
    const { raw, record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));

    expect(record.schemaVersion).toBe(2);
    expect(record.sha256).toBe(sha256(raw));
    expect(record.size).toBe(576);
    expect(record.sources).toEqual([SOURCE]);
    expect(record.parseError).toBeNull();
    expect(record.messageId).toBe('<falcon-1@corp.example>');
    expect(record.subject).toBe('Falcon pricing for Q3');
    expect(record.date).toBe('2024-03-05T13:30:00.000Z');
    expect(record.rawDate).toBe('Tue, 05 Mar 2024 14:30:00 +0100');
    expect(record.returnPath).toEqual([{ name: '', address: 'alice@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
    expect(record.parent).toBeNull();
    expect(record.embedded).toEqual([]);
  });

  it('keeps display names apart from addresses', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));

    expect(record.from).toEqual([{ name: 'Alice Example', address: 'alice@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
    expect(record.to).toEqual([
      { name: 'Bob Buyer', address: 'bob@sales.rival.example', domainAscii: 'sales.rival.example', domainUnicode: 'sales.rival.example' },
      { name: '', address: 'carol@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' },
    ]);
    expect(record.cc).toEqual([{ name: 'Jürgen Müller', address: 'juergen@partner.example', domainAscii: 'partner.example', domainUnicode: 'partner.example' }]);
    expect(record.bcc).toEqual([]);
    expect(record.replyTo).toEqual([{ name: '', address: 'alice.private@mail.example', domainAscii: 'mail.example', domainUnicode: 'mail.example' }]);
  });

  it('records the decoding chain of a single part', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'plain-falcon.eml'));
    const text = 'Hi Bob,\n\nhere are the numbers for Project\nFalcon that we discussed. The pricing sheet follows next week.\n\nRegards,\nAlice\n';

    expect(record.text).toBe(text);
    expect(record.textPartPath).toBe('1');
    expect(record.parts).toEqual([
      {
        path: '1',
        contentType: 'text/plain',
        transferEncoding: '8bit',
        declaredCharset: 'utf-8',
        charsetUsed: 'utf-8',
        filename: null,
        disposition: null,
        // The stored body has CRLF line breaks, which the text turns into LF.
        size: Buffer.byteLength(text.replace(/\n/g, '\r\n')),
        role: 'body-text',
      },
    ]);
    expect(record.attachments).toEqual([]);
    expect(record.flags).toEqual([]);
  });

  it('converts an HTML-only body to text', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'html-only.eml'));

    expect(record.text).toBe('DIGEST\n\nThe bluebird shipment left the harbour.\n\nSecond paragraph.');
    expect(record.textPartPath).toBe('1');
    expect(record.parts.map((part) => part.role)).toEqual(['body-html']);
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

  it('numbers parts and hashes attachments', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'attachments.eml'));
    const report = Buffer.from('Quarterly report\nRevenue: 100\n');
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));

    expect(record.text).toBe('See the attached files.');
    expect(record.textPartPath).toBe('1');
    expect(record.parts).toEqual([
      { path: '', contentType: 'multipart/mixed', transferEncoding: null, declaredCharset: null, charsetUsed: null, filename: null, disposition: null, size: 0, role: 'container' },
      { path: '1', contentType: 'text/plain', transferEncoding: null, declaredCharset: 'us-ascii', charsetUsed: 'us-ascii', filename: null, disposition: null, size: 23, role: 'body-text' },
      { path: '2', contentType: 'text/plain', transferEncoding: 'base64', declaredCharset: null, charsetUsed: null, filename: 'q3-report.txt', disposition: 'attachment', size: 30, role: 'attachment' },
      {
        path: '3',
        contentType: 'application/octet-stream',
        transferEncoding: 'base64',
        declaredCharset: null,
        charsetUsed: null,
        filename: 'prévision falcon.bin',
        disposition: 'attachment',
        size: 256,
        role: 'attachment',
      },
    ]);
    expect(record.attachments.map(({ partPath, filename, contentType, size, sha256: hash }) => ({ partPath, filename, contentType, size, hash }))).toEqual([
      { partPath: '2', filename: 'q3-report.txt', contentType: 'text/plain', size: 30, hash: sha256(report) },
      { partPath: '3', filename: 'prévision falcon.bin', contentType: 'application/octet-stream', size: 256, hash: sha256(bytes) },
    ]);
  });

  it('merges the attachment analysis unchanged', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'attachments.eml'));
    const report = Buffer.from('Quarterly report\nRevenue: 100\n');
    const analysis = await analyzeAttachment(report, { partPath: '2', filename: 'q3-report.txt', contentType: 'text/plain' });
    const attachment = record.attachments[0];

    expect(attachment?.truth).toEqual(analysis.truth);
    expect(attachment?.text).toBe(analysis.text);
    expect(attachment?.textError).toBe(analysis.textError);
    expect(attachment?.members).toEqual(analysis.members);
    expect(attachment?.flags).toEqual(analysis.flags);
  });

  it('flattens address groups into their members', async () => {
    const { record } = await parseFile(path.join(MESSAGES, 'group-addresses.eml'));

    expect(record.to.map((entry) => [entry.name, entry.address])).toEqual([
      ['', 'dave@corp.example'],
      ['Erin E.', 'erin@rival.example'],
      ['', 'frank@notrival.example'],
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

describe('parseMessage headers', () => {
  const raw = crlf(
    'Return-Path: <bounce@lists.example>',
    'Delivered-To: suspect@corp.example',
    'Received: from mx2.corp.example by mx1.corp.example; Tue, 05 Mar 2024 13:30:02 +0000',
    'Received: from sender.example',
    ' (sender.example [192.0.2.7]) by mx2.corp.example; Tue, 05 Mar 2024 13:30:01 +0000',
    'From: =?UTF-8?Q?J=C3=B6rg_K=C3=BChn?= <joerg@b\u00fccher.example>',
    'Sender: Assistant <assistant@xn--mnchen-3ya.example>',
    'To: "Dana D." <dana@corp.example>',
    'Bcc: hidden@corp.example',
    'In-Reply-To: <prev@corp.example>',
    'References: <first@corp.example>',
    ' <prev@corp.example>',
    'Message-ID: <idn-1@corp.example>',
    'Date: Tue, 05 Mar 2024 14:30:00 +0100',
    'Subject: =?ISO-8859-1?Q?Pr=E9vision?= Q3',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Body.',
    '',
  );

  it('gives IDN domains in both forms', async () => {
    const record = await parseBuffer(raw);

    expect(record.from).toEqual([{ name: 'Jörg Kühn', address: 'joerg@bücher.example', domainAscii: 'xn--bcher-kva.example', domainUnicode: 'bücher.example' }]);
    expect(record.sender).toEqual([{ name: 'Assistant', address: 'assistant@münchen.example', domainAscii: 'xn--mnchen-3ya.example', domainUnicode: 'münchen.example' }]);
  });

  it('reads envelope and routing headers', async () => {
    const record = await parseBuffer(raw);

    expect(record.returnPath).toEqual([{ name: '', address: 'bounce@lists.example', domainAscii: 'lists.example', domainUnicode: 'lists.example' }]);
    expect(record.deliveredTo).toEqual([{ name: '', address: 'suspect@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
    expect(record.bcc).toEqual([{ name: '', address: 'hidden@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
    expect(record.to).toEqual([{ name: 'Dana D.', address: 'dana@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
  });

  it('keeps the Received chain in order', async () => {
    const record = await parseBuffer(raw);

    expect(record.received).toEqual([
      'from mx2.corp.example by mx1.corp.example; Tue, 05 Mar 2024 13:30:02 +0000',
      'from sender.example (sender.example [192.0.2.7]) by mx2.corp.example; Tue, 05 Mar 2024 13:30:01 +0000',
    ]);
  });

  it('reads threading headers', async () => {
    const record = await parseBuffer(raw);

    expect(record.messageId).toBe('<idn-1@corp.example>');
    expect(record.inReplyTo).toBe('<prev@corp.example>');
    expect(record.references).toEqual(['<first@corp.example>', '<prev@corp.example>']);
    expect(record.subject).toBe('Prévision Q3');
  });

  it('decodes raw 8-bit headers with the body charset', async () => {
    const message = Buffer.concat([
      Buffer.from('From: "'),
      Buffer.from([0xc8, 0xe2, 0xe0, 0xed]), // "Иван" in windows-1251
      Buffer.from('" <ivan@corp.example>\r\nSubject: '),
      Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), // "Привет"
      Buffer.from('\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\nbody\r\n'),
    ]);

    const record = await parseBuffer(message);

    expect(record.subject).toBe('Привет');
    expect(record.from).toEqual([{ name: 'Иван', address: 'ivan@corp.example', domainAscii: 'corp.example', domainUnicode: 'corp.example' }]);
  });
});

describe('parseMessage charsets', () => {
  it('decodes invalid UTF-8 labelled us-ascii as windows-1252', async () => {
    const message = Buffer.concat([
      Buffer.from('Subject: label\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'),
      Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x93, 0x6f, 0x6b, 0x94, 0x0d, 0x0a]),
    ]);

    const record = await parseBuffer(message);

    expect(record.text).toBe('Café “ok”\n');
    expect(record.parts[0]?.declaredCharset).toBe('us-ascii');
    expect(record.parts[0]?.charsetUsed).toBe('windows-1252');
  });

  it('decodes UTF-8 mislabelled as iso-8859-1', async () => {
    const message = Buffer.concat([
      Buffer.from('Subject: label\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('Grüße aus Köln\r\n', 'utf8'),
    ]);

    const record = await parseBuffer(message);

    expect(record.text).toBe('Grüße aus Köln\n');
    expect(record.parts[0]?.charsetUsed).toBe('utf-8');
  });

  it('decodes KOI8-R quoted-printable text', async () => {
    const message = crlf('Subject: koi', 'Content-Type: text/plain; charset=koi8-r', 'Content-Transfer-Encoding: quoted-printable', '', '=F0=D2=C9=D7=C5=D4', '');

    const record = await parseBuffer(message);

    expect(record.text).toBe('Привет\n');
    expect(record.parts[0]?.charsetUsed).toBe('koi8-r');
  });

  it('joins format=flowed lines', async () => {
    const message = crlf('Subject: flowed', 'Content-Type: text/plain; charset=us-ascii; format=flowed', '', 'one long ', 'line', '');

    const record = await parseBuffer(message);

    expect(record.text).toBe('one long line');
  });
});

describe('parseMessage embedded messages', () => {
  const inner = [
    'From: Carol <carol@partner.example>',
    'Subject: Inner report',
    'Content-Type: multipart/mixed; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The inner body names the bluebird.',
    '--inner',
    'Content-Type: text/csv; name="numbers.csv"',
    'Content-Disposition: attachment; filename="numbers.csv"',
    '',
    'a,b',
    '--inner--',
  ].join('\r\n');
  const outer = crlf(
    'From: alice@corp.example',
    'Subject: Fwd: Inner report',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'See the forwarded message.',
    '--outer',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="report.eml"',
    '',
    inner,
    '--outer--',
    '',
  );

  it('opens an attached message into an embedded record', async () => {
    const record = await parseBuffer(outer);
    const embedded = record.embedded[0];

    expect(record.embedded).toHaveLength(1);
    expect(embedded?.parent).toEqual({ sha256: sha256(outer), partPath: '2' });
    expect(embedded?.sha256).toBe(sha256(inner));
    expect(embedded?.size).toBe(Buffer.byteLength(inner));
    expect(embedded?.sources).toEqual([]);
    expect(embedded?.subject).toBe('Inner report');
    expect(embedded?.from.map((entry) => entry.address)).toEqual(['carol@partner.example']);
    expect(embedded?.text).toBe('The inner body names the bluebird.');
    expect(embedded?.attachments.map((item) => [item.partPath, item.filename, item.size])).toEqual([['2', 'numbers.csv', 3]]);
  });

  it('keeps embedded content out of the parent', async () => {
    const record = await parseBuffer(outer);

    expect(record.text).toBe('See the forwarded message.');
    expect(record.attachments).toEqual([]);
    expect(record.parts.map((part) => [part.path, part.contentType, part.filename, part.role])).toEqual([
      ['', 'multipart/mixed', null, 'container'],
      ['1', 'text/plain', null, 'body-text'],
      ['2', 'message/rfc822', 'report.eml', 'message'],
    ]);
  });

  it('opens digest members without Content-Type', async () => {
    const digest = crlf(
      'Subject: Digest',
      'Content-Type: multipart/digest; boundary="d"',
      '',
      '--d',
      '',
      'Subject: first member',
      '',
      'first body',
      '--d',
      '',
      'Subject: second member',
      '',
      'second body',
      '--d--',
      '',
    );

    const record = await parseBuffer(digest);

    expect(record.parts.map((part) => [part.path, part.contentType, part.role])).toEqual([
      ['', 'multipart/digest', 'container'],
      ['1', 'message/rfc822', 'message'],
      ['2', 'message/rfc822', 'message'],
    ]);
    expect(record.embedded.map((item) => [item.parent?.partPath, item.subject, item.text])).toEqual([
      ['1', 'first member', 'first body'],
      ['2', 'second member', 'second body'],
    ]);
    expect(record.text).toBe('');
  });

  it('stops opening at the depth limit', async () => {
    let message = 'Subject: level 10\r\n\r\ninnermost\r\n';
    for (let level = 9; level >= 0; level -= 1) {
      message = `Subject: level ${level}\r\nContent-Type: message/rfc822\r\n\r\n${message}`;
    }

    const record = await parseBuffer(Buffer.from(message));
    let deepest = record;
    let depth = 0;
    while (deepest.embedded[0] !== undefined) {
      deepest = deepest.embedded[0];
      depth += 1;
    }

    expect(depth).toBe(MAX_EMBEDDED_DEPTH);
    expect(deepest.subject).toBe(`level ${MAX_EMBEDDED_DEPTH}`);
    expect(deepest.flags).toEqual([
      { kind: 'limit-reached', location: '1', detail: `The embedded message is nested deeper than ${MAX_EMBEDDED_DEPTH} levels and was not opened.` },
    ]);
  });

  it('opens a TNEF attachment', async () => {
    const document = Buffer.from('%PDF-1.4 fake document');
    const tnef = buildTnef({ subject: 'Quarterly plan', body: 'Meet at the harbour.', attachments: [{ title: 'PLAN.PDF', data: document }] });
    const message = crlf(
      'Subject: Outlook',
      'Content-Type: multipart/mixed; boundary="t"',
      '',
      '--t',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'See attachment.',
      '--t',
      'Content-Type: application/ms-tnef; name="winmail.dat"',
      'Content-Disposition: attachment; filename="winmail.dat"',
      'Content-Transfer-Encoding: base64',
      '',
      tnef.toString('base64'),
      '--t--',
      '',
    );

    const record = await parseBuffer(message);
    const embedded = record.embedded[0];

    expect(record.attachments.map((item) => [item.partPath, item.filename, item.sha256])).toEqual([['2', 'winmail.dat', sha256(tnef)]]);
    expect(embedded?.parent).toEqual({ sha256: sha256(message), partPath: '2' });
    expect(embedded?.sha256).toBe(sha256(tnef));
    expect(embedded?.subject).toBe('Quarterly plan');
    expect(embedded?.text).toBe('Meet at the harbour.');
    expect(embedded?.attachments.map((item) => [item.partPath, item.filename, item.size, item.sha256])).toEqual([['1', 'PLAN.PDF', document.length, sha256(document)]]);
  });

  it('records a broken TNEF attachment as a part error', async () => {
    const message = crlf(
      'Subject: Outlook',
      'Content-Type: application/ms-tnef; name="winmail.dat"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('not tnef at all').toString('base64'),
      '',
    );

    const record = await parseBuffer(message);

    expect(record.parseError).toBeNull();
    expect(record.partErrors).toEqual([{ location: '1', reason: 'TNEF data does not start with the TNEF signature 0x223E9F78' }]);
    expect(record.flags.map((flag) => [flag.kind, flag.location])).toEqual([['extraction-failed', '1']]);
    expect(record.embedded[0]?.parseError).toBe('TNEF data does not start with the TNEF signature 0x223E9F78');
  });
});

describe('parseMessage encryption flags', () => {
  it('flags S/MIME enveloped data', async () => {
    const message = crlf(
      'Subject: secret',
      'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
      'Content-Disposition: attachment; filename="smime.p7m"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from([0x30, 0x80, 0x06, 0x09]).toString('base64'),
      '',
    );

    const record = await parseBuffer(message);
    const flag = {
      kind: 'smime-encrypted',
      location: '1',
      detail: 'The part is S/MIME encrypted (application/pkcs7-mime enveloped data), so its content cannot be read.',
    };

    expect(record.attachments[0]?.flags).toContainEqual(flag);
    expect(record.flags).toContainEqual(flag);
  });

  it('flags an OpenPGP multipart', async () => {
    const message = crlf(
      'Subject: pgp',
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="p"',
      '',
      '--p',
      'Content-Type: application/pgp-encrypted',
      '',
      'Version: 1',
      '--p',
      'Content-Type: application/octet-stream',
      '',
      '-----BEGIN PGP MESSAGE-----',
      'hQEMA5',
      '-----END PGP MESSAGE-----',
      '--p--',
      '',
    );

    const record = await parseBuffer(message);

    expect(record.flags.filter((flag) => flag.kind === 'pgp-encrypted').map((flag) => flag.location)).toEqual(['', '2']);
  });

  it('flags an inline PGP body', async () => {
    const message = crlf('Subject: pgp', 'Content-Type: text/plain', '', '-----BEGIN PGP MESSAGE-----', 'hQEMA5', '-----END PGP MESSAGE-----', '');

    const record = await parseBuffer(message);

    expect(record.flags).toEqual([
      { kind: 'pgp-encrypted', location: '1', detail: 'The part contains an ASCII-armoured OpenPGP message, so its content cannot be read.' },
    ]);
  });
});

describe('parseMessage filenames', () => {
  it('decodes RFC 2231 and RFC 2047 filenames', async () => {
    const message = crlf(
      'Subject: names',
      'Content-Type: multipart/mixed; boundary="n"',
      '',
      '--n',
      "Content-Type: application/octet-stream",
      "Content-Disposition: attachment; filename*=iso-8859-1''r%E9sum%E9.txt",
      '',
      'one',
      '--n',
      'Content-Type: application/octet-stream; name="=?UTF-8?B?0L7RgtGH0ZHRgi5wZGY=?="',
      '',
      'two',
      '--n--',
      '',
    );

    const record = await parseBuffer(message);

    expect(record.attachments.map((item) => item.filename)).toEqual(['résumé.txt', 'отчёт.pdf']);
    expect(record.parts.map((part) => part.filename)).toEqual([null, 'résumé.txt', 'отчёт.pdf']);
  });
});
