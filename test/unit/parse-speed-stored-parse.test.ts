// Checks the record write path that parse workers use: the same octets as CaseStore.saveRecord, no temporary
// files left behind, and clear outcomes for a message that cannot be read or a record that cannot be written.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { canonicalJson } from '../../shared/canonical-json.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import { ParseWorkerPool } from '../../electron/parsing/parse-worker-pool.js';
import { processCase } from '../../electron/parsing/process-case.js';
import { parseStoredMessage, writeRecordFileSync } from '../../electron/parsing/stored-parse.js';
import { forgetLoadedIndexes } from '../../electron/search/search-index.js';
import { RECORD_SCHEMA_VERSION } from '../../shared/types.js';

const MESSAGES = path.resolve('test/fixtures/messages');
const FIXTURES = ['plain-falcon.eml', 'attachments.eml', 'html-only.eml', 'group-addresses.eml', 'invalid-date.eml'];

let dir: string;
let store: CaseStore;

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-stored-parse-'));
  store = await CaseStore.create(path.join(dir, 'case'), 'stored parse test');
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Stores a fixture as evidence and returns its SHA-256. */
async function storeFixture(name: string): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(await fs.readFile(path.join(MESSAGES, name)));
  return (await writer.commit()).sha256;
}

/** Lists every file below a folder, relative to it, hidden files included. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
}

function pathsOf(sha256: string): { messagePath: string; recordPath: string } {
  return { messagePath: store.messagePath(sha256), recordPath: store.recordPath(sha256) };
}

describe('parseStoredMessage', () => {
  it('writes the octets saveRecord writes', async () => {
    for (const name of FIXTURES) {
      const sha256 = await storeFixture(name);
      const raw = await store.readMessage(sha256);
      const record = await parseMessage(raw, { sha256, size: raw.length, sources: [] });
      await store.saveRecord(record);
      const saved = await fs.readFile(store.recordPath(sha256));
      await fs.rm(store.recordPath(sha256));

      const outcome = await parseStoredMessage(pathsOf(sha256), { sha256, sources: [] });

      expect(outcome, name).toEqual({ status: 'saved', parseError: null });
      expect((await fs.readFile(store.recordPath(sha256))).equals(saved), name).toBe(true);
    }
  });

  it('takes the record size from the octets read', async () => {
    const sha256 = await storeFixture('attachments.eml');
    const size = (await fs.stat(store.messagePath(sha256))).size;

    await parseStoredMessage(pathsOf(sha256), { sha256, sources: [] });
    const record = await store.loadRecord(sha256);

    expect(record?.size).toBe(size);
  });

  it('reports a message file that cannot be read', async () => {
    const sha256 = 'a'.repeat(64);

    const outcome = await parseStoredMessage(pathsOf(sha256), { sha256, sources: [] });

    expect(outcome.status).toBe('unreadable');
    expect(await listFiles(path.join(store.dir, 'derived'))).toEqual([]);
  });

  it('returns the record when its file cannot be written', async () => {
    const sha256 = await storeFixture('plain-falcon.eml');
    const bucket = path.dirname(store.recordPath(sha256));
    // A file where the bucket folder belongs makes every write below it fail.
    await fs.writeFile(bucket, 'not a folder');

    const outcome = await parseStoredMessage(pathsOf(sha256), { sha256, sources: [] });

    expect(outcome.status).toBe('parsed');
    expect(outcome.status === 'parsed' ? outcome.record.sha256 : null).toBe(sha256);
  });
});

describe('writeRecordFileSync', () => {
  it('creates the bucket folder and leaves no temporary file', async () => {
    const sha256 = await storeFixture('plain-falcon.eml');
    const raw = await store.readMessage(sha256);
    const record = await parseMessage(raw, { sha256, size: raw.length, sources: [] });

    writeRecordFileSync(store.recordPath(sha256), record);

    expect(await listFiles(path.join(store.dir, 'derived/records'))).toEqual([`${sha256.slice(0, 2)}/${sha256}.json`]);
    expect(await fs.readFile(store.recordPath(sha256), 'utf8')).toBe(canonicalJson(record) + '\n');
  });

  it('replaces an earlier record file', async () => {
    const sha256 = await storeFixture('plain-falcon.eml');
    const raw = await store.readMessage(sha256);
    const record = await parseMessage(raw, { sha256, size: raw.length, sources: [] });
    await fs.mkdir(path.dirname(store.recordPath(sha256)), { recursive: true });
    await fs.writeFile(store.recordPath(sha256), '{"old":true}\n');

    writeRecordFileSync(store.recordPath(sha256), record);

    expect(await fs.readFile(store.recordPath(sha256), 'utf8')).toBe(canonicalJson(record) + '\n');
  });
});

describe('CaseStore.saveRecord', () => {
  it('leaves only the record file', async () => {
    const sha256 = await storeFixture('html-only.eml');
    const raw = await store.readMessage(sha256);
    const record = await parseMessage(raw, { sha256, size: raw.length, sources: [] });

    await store.saveRecord(record);
    await store.saveRecord(record);

    expect(await listFiles(path.join(store.dir, 'derived/records'))).toEqual([`${sha256.slice(0, 2)}/${sha256}.json`]);
  });

  it('reads a record cut short as missing', async () => {
    const sha256 = await storeFixture('html-only.eml');
    const raw = await store.readMessage(sha256);
    await store.saveRecord(await parseMessage(raw, { sha256, size: raw.length, sources: [] }));
    const text = await fs.readFile(store.recordPath(sha256), 'utf8');
    await fs.writeFile(store.recordPath(sha256), text.slice(0, text.length - 10));

    expect(await store.loadRecord(sha256)).toBeNull();
  });
});

describe('ParseWorkerPool.parseStored on the calling thread', () => {
  it('returns the record for the caller to save', async () => {
    const sha256 = await storeFixture('attachments.eml');
    const raw = await store.readMessage(sha256);
    const pool = new ParseWorkerPool({ workerUrl: null });
    try {
      const result = await pool.parseStored(pathsOf(sha256), { sha256, sources: [] });

      expect(result.parseError).toBeNull();
      expect(canonicalJson(result.record)).toBe(canonicalJson(await parseMessage(raw, { sha256, size: raw.length, sources: [] })));
      expect(await store.loadRecord(sha256)).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('rejects a message that is not stored', async () => {
    const pool = new ParseWorkerPool({ workerUrl: null });
    try {
      const sha256 = 'b'.repeat(64);

      const result = pool.parseStored(pathsOf(sha256), { sha256, sources: [] });

      await expect(result).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    } finally {
      await pool.close();
    }
  });
});

describe('processCase record files', () => {
  it('parses a message whose record is stale or cut short', async () => {
    await importMessages({ store, paths: FIXTURES.map((name) => path.join(MESSAGES, name)) });
    await processCase(store, { parseWorkerUrl: null });
    const [stale, cut] = await store.listMessages();
    const staleRecord = await store.loadRecord(stale as string);
    await store.saveRecord({ ...(staleRecord as NonNullable<typeof staleRecord>), schemaVersion: RECORD_SCHEMA_VERSION - 1 });
    await fs.writeFile(store.recordPath(cut as string), '{"sha256":');

    const result = await processCase(store, { parseWorkerUrl: null });

    expect(result.parsed).toBe(2);
    expect((await store.loadRecord(stale as string))?.schemaVersion).toBe(RECORD_SCHEMA_VERSION);
    expect((await store.loadRecord(cut as string))?.schemaVersion).toBe(RECORD_SCHEMA_VERSION);
  });

  it('ignores temporary files in the records folder', async () => {
    await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    const [sha256] = await store.listMessages();
    const bucket = path.dirname(store.recordPath(sha256 as string));
    await fs.mkdir(bucket, { recursive: true });
    await fs.writeFile(path.join(bucket, `.${sha256}.json.left-by-a-crash.tmp`), '{');

    const result = await processCase(store, { parseWorkerUrl: null });

    expect(result.parsed).toBe(1);
  });
});
