import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { processCase } from '../../electron/parsing/process-case.js';
import { MAX_MESSAGE_OCTETS } from '../../shared/limits.js';

const MESSAGES = path.resolve('test/fixtures/messages');

let dir: string;
let store: CaseStore;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-import-files-'));
  store = await CaseStore.create(path.join(dir, 'case'), 'import test');
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sha256Of(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function place(relative: string, content: Buffer | string): Promise<string> {
  const file = path.join(dir, relative);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

async function fixture(name: string): Promise<Buffer> {
  return fs.readFile(path.join(MESSAGES, name));
}

describe('importMessages with files and folders', () => {
  it('imports a folder of .eml files recursively', async () => {
    const falcon = await fixture('plain-falcon.eml');
    const html = await fixture('html-only.eml');
    await place('export/a.eml', falcon);
    await place('export/deeper/b.EML', html);
    const notes = await place('export/notes.txt', 'not mail');

    const summary = await importMessages({ store, paths: [path.join(dir, 'export')] });

    expect(summary.sha256s).toEqual([sha256Of(falcon), sha256Of(html)]);
    expect(summary.files).toBe(2);
    expect(summary.skipped).toEqual([notes]);
    expect((await store.readMessage(sha256Of(html))).equals(html)).toBe(true);
  });

  it('imports maildir cur and new but not tmp', async () => {
    const falcon = await fixture('plain-falcon.eml');
    const html = await fixture('html-only.eml');
    const fromLine = Buffer.from('From looks-like-mbox Thu Mar  7 10:00:00 2024\nSubject: kept whole\n\nbody\n');
    await place('Maildir/cur/1709805600.M1P1.host:2,S', falcon);
    await place('Maildir/new/1709805601.M2P1.host', html);
    await place('Maildir/new/1709805602.M3P1.host', fromLine);
    await place('Maildir/tmp/1709805603.M4P1.host', 'Subject: still delivering\n\nx\n');

    const summary = await importMessages({ store, paths: [path.join(dir, 'Maildir')] });
    const entries = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-imported');

    expect(summary.sha256s).toEqual([sha256Of(falcon), sha256Of(html), sha256Of(fromLine)]);
    expect(entries.map((entry) => entry.data.format)).toEqual(['maildir', 'maildir', 'maildir']);
    expect(entries.map((entry) => entry.data.path)).toEqual([
      path.join(dir, 'Maildir/cur/1709805600.M1P1.host:2,S'),
      path.join(dir, 'Maildir/new/1709805601.M2P1.host'),
      path.join(dir, 'Maildir/new/1709805602.M3P1.host'),
    ]);
  });

  it('records duplicates without storing them twice', async () => {
    const falcon = await fixture('plain-falcon.eml');
    const first = await place('a.eml', falcon);
    const second = await place('b.eml', falcon);

    const summary = await importMessages({ store, paths: [first, second] });
    const again = await importMessages({ store, paths: [first] });
    const entries = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-imported');

    expect([summary.newCount, summary.duplicates]).toEqual([1, 1]);
    expect([again.newCount, again.duplicates]).toEqual([0, 1]);
    expect(entries.map((entry) => entry.data.isNew)).toEqual([true, false, false]);
    expect(await store.listMessages()).toEqual([sha256Of(falcon)]);
  });

  it('writes exact custody entries', async () => {
    const falcon = await fixture('plain-falcon.eml');
    const file = await place('a.eml', falcon);
    const missing = path.join(dir, 'missing.eml');

    const summary = await importMessages({ store, paths: [file, missing] });
    const entries = (await store.custodyLog.readAll()).slice(1).map((entry) => ({ type: entry.type, data: entry.data }));

    expect(entries).toEqual([
      { type: 'import-started', data: { importId: summary.importId, paths: [file, missing], format: 'auto', files: 1 } },
      { type: 'import-problem', data: { importId: summary.importId, path: missing, byteStart: null, reason: 'not found' } },
      {
        type: 'message-imported',
        data: {
          importId: summary.importId,
          path: file,
          fileSha256: sha256Of(falcon),
          byteStart: 0,
          byteEnd: falcon.length,
          format: 'eml',
          mboxVariant: null,
          sha256: sha256Of(falcon),
          size: falcon.length,
          isNew: true,
        },
      },
      { type: 'import-finished', data: { importId: summary.importId, files: 1, messages: 1, newCount: 1, duplicates: 0, problems: 1 } },
    ]);
  });

  it('keeps the custody chain intact', async () => {
    const file = await place('a.eml', await fixture('plain-falcon.eml'));

    await importMessages({ store, paths: [file] });

    expect(await store.custodyLog.verifyChain()).toEqual([]);
  });

  it('reports progress per file', async () => {
    const first = await place('a.eml', await fixture('plain-falcon.eml'));
    const second = await place('b.eml', await fixture('html-only.eml'));
    const calls: unknown[] = [];

    await importMessages({ store, paths: [first, second], onProgress: (progress) => calls.push(progress) });

    expect(calls).toEqual([
      { filesDone: 0, filesTotal: 2, messages: 0 },
      { filesDone: 1, filesTotal: 2, messages: 1 },
      { filesDone: 2, filesTotal: 2, messages: 2 },
    ]);
  });

  it('reports a file above the message size limit', async () => {
    const file = path.join(dir, 'huge.eml');
    await fs.writeFile(file, 'Subject: huge\n\n');
    // A sparse file: its size is above the limit without writing the octets.
    await fs.truncate(file, MAX_MESSAGE_OCTETS + 1);

    const summary = await importMessages({ store, paths: [file] });

    expect(summary.problems).toEqual([
      { path: file, byteStart: null, reason: `the file is larger than ${MAX_MESSAGE_OCTETS} octets, the largest message Mailcase stores` },
    ]);
    expect(await store.listMessages()).toEqual([]);
  });

  it('leaves no temporary files behind', async () => {
    const file = await place('a.mbox', 'From a Thu Mar  7 10:00:00 2024\nSubject: a\n\na\n\nFrom b Thu Mar  7 10:00:00 2024\nFrom c Thu Mar  7 10:00:00 2024\nSubject: c\n\nc\n');

    await importMessages({ store, paths: [file] });

    expect(await fs.readdir(path.join(store.dir, 'evidence/incoming'))).toEqual([]);
  });
});

describe('processCase with imported messages', () => {
  it('builds import sources from the custody log', async () => {
    const falcon = await fixture('plain-falcon.eml');
    const eml = await place('a.eml', falcon);
    const mboxContent = `From x Thu Mar  7 10:00:00 2024\n${falcon.toString('latin1')}\n`;
    const mbox = await place('b.mbox', Buffer.from(mboxContent, 'latin1'));

    await importMessages({ store, paths: [eml, mbox] });
    await processCase(store);
    const record = await store.loadRecord(sha256Of(falcon));

    expect(record?.sources).toEqual([
      { kind: 'import', path: eml, fileSha256: sha256Of(falcon), byteStart: 0, byteEnd: falcon.length, format: 'eml' },
      { kind: 'import', path: mbox, fileSha256: sha256Of(Buffer.from(mboxContent, 'latin1')), byteStart: 32, byteEnd: 32 + falcon.length, format: 'mbox' },
    ]);
  });
});
