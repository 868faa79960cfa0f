import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { MboxSplitter, type MessageSink } from '../../electron/import/mbox-splitter.js';

let dir: string;
let caseDir: string;
let store: CaseStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-import-mbox-'));
  caseDir = path.join(dir, 'case');
  store = await CaseStore.create(caseDir, 'import test');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Originals whose bodies contain every kind of line that mbox quoting touches. */
const ORIGINALS: [string, string, string] = [
  'From: a@example.com\nSubject: one\n\nFrom here on it is tricky.\n>From a quoted line\n>>From a twice quoted line\nend\n',
  'From: b@example.com\nSubject: two\n\nSecond body\n\n',
  'From: c@example.com\nSubject: three\n\nno final line break',
];

/** Writes messages as an mboxrd writer does: one ">" more before every /^>*From / line, a blank line after each. */
function writeMboxrd(messages: string[]): string {
  return messages.map((message) => `From sender@example.com Thu Mar  7 10:00:00 2024\n${message.replace(/^(>*From )/gm, '>$1')}\n`).join('');
}

async function writeFile(name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  return file;
}

async function storedMessages(sha256s: string[]): Promise<string[]> {
  return Promise.all(sha256s.map(async (sha256) => (await store.readMessage(sha256)).toString('latin1')));
}

async function importedEntries() {
  return (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-imported').map((entry) => entry.data);
}

/** Splits a buffer fed in chunks of the given size and returns each message's octets and range. */
async function split(content: Buffer, variant: 'mboxo' | 'mboxrd', chunkSize: number) {
  const messages: { start: number; end: number; text: string }[] = [];
  let current: Buffer[] = [];
  let start = 0;
  const sink: MessageSink = {
    begin: async (byteStart) => {
      start = byteStart;
      current = [];
    },
    write: async (chunk) => {
      current.push(Buffer.from(chunk));
    },
    end: async (byteEnd) => {
      messages.push({ start, end: byteEnd, text: Buffer.concat(current).toString('latin1') });
    },
  };
  const splitter = new MboxSplitter(variant, sink);
  for (let offset = 0; offset < content.length; offset += chunkSize) await splitter.push(content.subarray(offset, offset + chunkSize));
  await splitter.end();
  return messages;
}

describe('MboxSplitter', () => {
  it('gives the same messages whatever the chunk size', async () => {
    const content = Buffer.from(writeMboxrd(ORIGINALS), 'latin1');

    const whole = await split(content, 'mboxrd', content.length);
    const bytewise = await split(content, 'mboxrd', 1);
    const sevens = await split(content, 'mboxrd', 7);

    expect(whole.map((message) => message.text)).toEqual(ORIGINALS);
    expect(bytewise).toEqual(whole);
    expect(sevens).toEqual(whole);
  });

  it('keeps a line longer than the read window', async () => {
    const long = 'x'.repeat(200 * 1024);
    const original = `Subject: long\n\n${long}\n>From after the long line\n`;
    const content = Buffer.from(writeMboxrd([original]), 'latin1');

    const messages = await split(content, 'mboxrd', 4096);

    expect(messages.map((message) => message.text)).toEqual([original]);
  });

  it('gives the separator the line ending before it with CRLF', async () => {
    const content = Buffer.from('From a Thu Mar  7 10:00:00 2024\r\nSubject: 1\r\n\r\nbody 1\r\n\r\nFrom b Thu Mar  7 10:00:00 2024\r\nSubject: 2\r\n\r\nbody 2\r\n', 'latin1');

    const messages = await split(content, 'mboxrd', 5);

    expect(messages).toEqual([
      { start: 33, end: 55, text: 'Subject: 1\r\n\r\nbody 1\r\n' },
      { start: 90, end: 110, text: 'Subject: 2\r\n\r\nbody 2' },
    ]);
  });

  it('rejects a file that does not start with a separator', async () => {
    const content = Buffer.from('Subject: no separator\n\nbody\n', 'latin1');

    await expect(split(content, 'mboxrd', 64)).rejects.toThrow('Not a valid mbox file: it does not start with a "From " separator line');
  });
});

describe('importMessages with mbox files', () => {
  it('restores mboxrd messages byte for byte', async () => {
    const file = await writeFile('mail.mbox', writeMboxrd(ORIGINALS));

    const summary = await importMessages({ store, paths: [file] });
    const stored = await storedMessages(summary.sha256s);

    expect(summary.messages).toBe(3);
    expect(summary.problems).toEqual([]);
    expect(stored).toEqual(ORIGINALS);
  });

  it('records the byte range and variant of each mbox message', async () => {
    const content = writeMboxrd(ORIGINALS);
    const file = await writeFile('mail.mbox', content);

    await importMessages({ store, paths: [file] });
    const entries = await importedEntries();
    const separator = 'From sender@example.com Thu Mar  7 10:00:00 2024\n'.length;
    const firstEnd = separator + ORIGINALS[0].length + 3; // the three quoted "From " lines each gained one ">"

    expect(entries.map((entry) => [entry.byteStart, entry.byteEnd])).toEqual([
      [separator, firstEnd],
      [firstEnd + 1 + separator, firstEnd + 1 + separator + ORIGINALS[1].length],
      [content.length - 1 - ORIGINALS[2].length, content.length - 1],
    ]);
    expect(entries.map((entry) => entry.mboxVariant)).toEqual(['mboxrd', 'mboxrd', 'mboxrd']);
    expect(entries.map((entry) => entry.format)).toEqual(['mbox', 'mbox', 'mbox']);
  });

  it('unquotes only one level with mboxo', async () => {
    const file = await writeFile(
      'mail.mbox',
      'From x Thu Mar  7 10:00:00 2024\nSubject: o\n\n>From one\n>>From two\n>Fromage\n\n',
    );

    const summary = await importMessages({ store, paths: [file], format: 'mboxo' });
    const [entry] = await importedEntries();

    expect(await storedMessages(summary.sha256s)).toEqual(['Subject: o\n\nFrom one\n>>From two\n>Fromage\n']);
    expect(entry?.mboxVariant).toBe('mboxo');
  });

  it('takes exactly Content-Length octets', async () => {
    const bodies = ['From the start of a line, unquoted.\n>From too.\n', 'Second\n'];
    const originals = bodies.map((body, index) => `Subject: cl ${index}\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
    const file = await writeFile('mail.mbox', originals.map((message) => `From cl@example.com Thu Mar  7 10:00:00 2024\n${message}\n`).join(''));

    const summary = await importMessages({ store, paths: [file] });
    const entries = await importedEntries();

    expect(await storedMessages(summary.sha256s)).toEqual(originals);
    expect(entries.map((entry) => entry.mboxVariant)).toEqual(['mboxcl2', 'mboxcl2']);
  });

  it('falls back to mboxrd when a Content-Length is wrong', async () => {
    const file = await writeFile(
      'mail.mbox',
      'From a Thu Mar  7 10:00:00 2024\nContent-Length: 3\n\nfive!\n\nFrom b Thu Mar  7 10:00:00 2024\nSubject: b\n\nb\n',
    );

    const summary = await importMessages({ store, paths: [file] });
    const entries = await importedEntries();

    expect(await storedMessages(summary.sha256s)).toEqual(['Content-Length: 3\n\nfive!\n', 'Subject: b\n\nb']);
    expect(entries.map((entry) => entry.mboxVariant)).toEqual(['mboxrd', 'mboxrd']);
  });

  it('rejects a forced mboxcl2 whose lengths do not fit', async () => {
    const file = await writeFile('mail.mbox', 'From a Thu Mar  7 10:00:00 2024\nSubject: a\n\nbody\n');

    const summary = await importMessages({ store, paths: [file], format: 'mboxcl2' });

    expect(summary.problems).toEqual([
      { path: file, byteStart: null, reason: 'Not a valid mbox file: its Content-Length headers do not match the message boundaries' },
    ]);
  });

  it('reports an .mbox file without a separator and goes on', async () => {
    const bad = await writeFile('bad.mbox', 'Subject: not an mbox\n\nbody\n');
    const good = await writeFile('good.mbox', writeMboxrd([ORIGINALS[1]]));

    const summary = await importMessages({ store, paths: [bad, good] });

    expect(summary.problems).toEqual([{ path: bad, byteStart: null, reason: 'Not a valid mbox file: it does not start with a "From " separator line' }]);
    expect(await storedMessages(summary.sha256s)).toEqual([ORIGINALS[1]]);
  });

  it('reports an empty mbox message by its offset', async () => {
    const file = await writeFile('gap.mbox', 'From a Thu Mar  7 10:00:00 2024\nFrom b Thu Mar  7 10:00:00 2024\nSubject: b\n\nb\n');

    const summary = await importMessages({ store, paths: [file] });

    expect(summary.problems).toEqual([{ path: file, byteStart: 32, reason: 'the message is empty' }]);
    expect(await storedMessages(summary.sha256s)).toEqual(['Subject: b\n\nb']);
  });

  it('reports an empty file', async () => {
    const file = await writeFile('empty.eml', '');

    const summary = await importMessages({ store, paths: [file] });

    expect(summary.problems).toEqual([{ path: file, byteStart: null, reason: 'the file is empty' }]);
  });

  it('reports a missing path', async () => {
    const missing = path.join(dir, 'missing.mbox');

    const summary = await importMessages({ store, paths: [missing] });

    expect(summary.problems).toEqual([{ path: missing, byteStart: null, reason: 'not found' }]);
  });

  it('splits messages that span many read chunks', async () => {
    const line = 'A line of body text that fills the message to more than one read chunk.\n';
    const originals = ['a', 'b', 'c'].map((name) => `Subject: big ${name}\n\n${line.repeat(20_000)}From inside the body\n`);
    const file = await writeFile('big.mbox', writeMboxrd(originals));

    const summary = await importMessages({ store, paths: [file] });

    expect(summary.messages).toBe(3);
    expect(await storedMessages(summary.sha256s)).toEqual(originals);
  });

  it('hashes the whole mbox file for every message', async () => {
    const content = writeMboxrd(ORIGINALS);
    const file = await writeFile('mail.mbox', content);
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256').update(content, 'latin1').digest('hex');

    await importMessages({ store, paths: [file] });
    const entries = await importedEntries();

    expect(entries.map((entry) => entry.fileSha256)).toEqual([expected, expected, expected]);
  });
});
