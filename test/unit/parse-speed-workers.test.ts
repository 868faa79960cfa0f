// Runs stored messages through real parse worker threads, which read the evidence and write the record files
// themselves, and checks the files match a parse on the calling thread octet for octet.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { ParseWorkerPool } from '../../electron/parsing/parse-worker-pool.js';
import { processCase } from '../../electron/parsing/process-case.js';
import { forgetLoadedIndexes } from '../../electron/search/search-index.js';
import { buildParseWorker } from '../helpers/parse-worker-build.js';

const MESSAGES = path.resolve('test/fixtures/messages');


/** A worker that speaks the parse-worker protocol and exits on every stored message, as a crash would. */
const EXITING_WORKER = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => process.exit(5));
parentPort.postMessage({ type: 'ready' });
`;

let buildDir: string;
let workerUrl: URL;
let scratch: string;

beforeAll(async () => {
  ({ workerUrl, buildDir } = await buildParseWorker('mailcase-parse-speed-test'));

  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-parse-speed-'));
  await fs.writeFile(path.join(scratch, 'exiting-worker.mjs'), EXITING_WORKER);
}, 180_000);

afterAll(async () => {
  forgetLoadedIndexes();
  await fs.rm(buildDir, { recursive: true, force: true });
  await fs.rm(scratch, { recursive: true, force: true });
});

/** Reads every record file of a case, keyed by its path below derived/records, hidden files included. */
async function readRecordFiles(store: CaseStore): Promise<Map<string, Buffer>> {
  const root = path.join(store.dir, 'derived/records');
  const files = new Map<string, Buffer>();
  for (const entry of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(root, file), await fs.readFile(file));
  }
  return files;
}

async function importedCase(name: string): Promise<CaseStore> {
  const store = await CaseStore.create(path.join(scratch, name), name);
  await importMessages({ store, paths: [MESSAGES] });
  return store;
}

describe('processCase with compiled parse workers', () => {
  it('writes the record files a parse on this thread writes', async () => {
    const inWorkers = await importedCase('in-workers');
    const inThread = await importedCase('in-thread');

    const result = await processCase(inWorkers, { parseWorkerUrl: workerUrl });
    await processCase(inThread, { parseWorkerUrl: null });
    const workerFiles = await readRecordFiles(inWorkers);
    const threadFiles = await readRecordFiles(inThread);

    expect(result.parsed).toBe(9);
    expect([...workerFiles.keys()].sort()).toEqual([...threadFiles.keys()].sort());
    for (const [file, octets] of workerFiles) expect(octets.equals(threadFiles.get(file) ?? Buffer.alloc(0)), file).toBe(true);
  }, 60_000);
});

describe('ParseWorkerPool.parseStored in worker threads', () => {
  it('leaves the record file to the worker', async () => {
    const store = await importedCase('stored');
    const [sha256] = await store.listMessages();
    const pool = new ParseWorkerPool({ workerUrl, size: 1 });
    try {
      const paths = { messagePath: store.messagePath(sha256 as string), recordPath: store.recordPath(sha256 as string) };

      const result = await pool.parseStored(paths, { sha256: sha256 as string, sources: [] });

      expect(pool.usesWorkers).toBe(true);
      expect(result.record).toBeNull();
      expect((await store.loadRecord(sha256 as string))?.sha256).toBe(sha256);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('rejects a message that is not stored', async () => {
    const store = await importedCase('missing');
    const sha256 = 'c'.repeat(64);
    const pool = new ParseWorkerPool({ workerUrl, size: 1 });
    try {
      const paths = { messagePath: store.messagePath(sha256), recordPath: store.recordPath(sha256) };

      const result = pool.parseStored(paths, { sha256, sources: [] });

      await expect(result).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    } finally {
      await pool.close();
    }
  }, 30_000);

  it('hands back a failed record with the stored size', async () => {
    const store = await importedCase('crash');
    const [sha256] = await store.listMessages();
    const size = (await fs.stat(store.messagePath(sha256 as string))).size;
    const pool = new ParseWorkerPool({ workerUrl: pathToFileURL(path.join(scratch, 'exiting-worker.mjs')), size: 1 });
    try {
      const paths = { messagePath: store.messagePath(sha256 as string), recordPath: store.recordPath(sha256 as string) };

      const result = await pool.parseStored(paths, { sha256: sha256 as string, sources: [] });

      expect(result.parseError).toBe('Parsing failed because the parse worker stopped with exit code 5');
      expect(result.record?.size).toBe(size);
      expect(result.record?.parseError).toBe('Parsing failed because the parse worker stopped with exit code 5');
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe('ParseWorkerPool out of memory', () => {
  it('retries an out-of-memory message in a large worker', async () => {
    // About 40 MB of body text, far beyond an ordinary worker's heap limit of 48 MB once decoded into strings.
    const line = 'Falcon pricing notes for the quarterly review, line by line. '.repeat(2);
    const body = Array.from({ length: 330_000 }, () => line).join('\r\n');
    const raw = Buffer.from(`From: anna@corp.example\r\nSubject: Large\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`);
    const pool = new ParseWorkerPool({ workerUrl, size: 1, heapMb: { ordinary: 48, large: 2048 } });

    const record = await pool.parse(raw, { sha256: 'a'.repeat(64), size: raw.length, sources: [] });
    await pool.close();

    expect(record.parseError).toBeNull();
    expect(record.subject).toBe('Large');
    // mailparser turns CRLF into line feeds and ends the text with one. The texts are compared as a whole, because a
    // 40 MB diff would be unreadable.
    expect(record.text === `${body.replace(/\r\n/g, '\n')}\n`).toBe(true);
  }, 120_000);
});
