// Builds the search index in a worker thread from the compiled build (dist/, made by `npm run build` before
// the tests), and falls back to the calling thread when the worker cannot start or runs out of heap.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

type CaseStoreModule = typeof import('../../electron/evidence/case-store.js');
type OffThreadModule = typeof import('../../electron/search/index-off-thread.js');
type SearchModule = typeof import('../../electron/search/search-index.js');
type TypesModule = typeof import('../../shared/types.js');
type LoggerModule = typeof import('../../electron/logging/logger.js');

const DIST = new URL('../../dist/', import.meta.url);

let caseStore: CaseStoreModule;
let offThread: OffThreadModule;
let search: SearchModule;
let types: TypesModule;

beforeAll(async () => {
  const entry = fileURLToPath(new URL('electron/search/index-worker.js', DIST));
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" before the integration tests`);
  caseStore = (await import(new URL('electron/evidence/case-store.js', DIST).href)) as CaseStoreModule;
  offThread = (await import(new URL('electron/search/index-off-thread.js', DIST).href)) as OffThreadModule;
  search = (await import(new URL('electron/search/search-index.js', DIST).href)) as SearchModule;
  types = (await import(new URL('shared/types.js', DIST).href)) as TypesModule;
  ((await import(new URL('electron/logging/logger.js', DIST).href)) as LoggerModule).setLogSink(() => undefined);
});

describe('index building off the main thread', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-index-worker-'));
  });

  afterEach(async () => {
    search.forgetLoadedIndexes();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Stores a message and saves a record whose body is `text`. */
  async function addMessage(store: Awaited<ReturnType<CaseStoreModule['CaseStore']['create']>>, text: string): Promise<void> {
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from(`Subject: ${text}\r\n\r\n${text}\r\n`));
    const { sha256, size } = await writer.commit();
    await store.saveRecord({ ...types.createEmptyRecord(sha256, size), subject: text, text });
  }

  it('builds and extends the index in a worker', async () => {
    const store = await caseStore.CaseStore.create(path.join(dir, 'case'), 'Worker');
    await addMessage(store, 'falcon pricing');

    const first = await offThread.maintainIndexOffThread(store, 'rebuild');
    const afterFirst = await search.searchCase(store, 'falcon');
    await addMessage(store, 'falcon schedule');
    const second = await offThread.maintainIndexOffThread(store, 'update');
    const afterSecond = await search.searchCase(store, 'falcon');

    expect([first, second]).toEqual(['worker', 'worker']);
    expect([afterFirst.total, afterSecond.total]).toEqual([1, 2]);
  });

  it('builds on the calling thread when the worker fails', async () => {
    const store = await caseStore.CaseStore.create(path.join(dir, 'case'), 'Fallback');
    await addMessage(store, 'osprey');
    const broken = path.join(dir, 'broken-worker.mjs');
    await fs.writeFile(broken, "throw new Error('broken worker');\n");

    const where = await offThread.maintainIndexOffThread(store, 'rebuild', new URL(`file://${broken}`));
    const result = await search.searchCase(store, 'osprey');

    expect(where).toBe('thread');
    expect(result.total).toBe(1);
  });

  it('lets a search wait for a build in the worker', async () => {
    const store = await caseStore.CaseStore.create(path.join(dir, 'case'), 'Race');
    for (let message = 0; message < 40; message += 1) await addMessage(store, `heron ${message}`);

    const [where, result] = await Promise.all([offThread.maintainIndexOffThread(store, 'rebuild'), search.searchCase(store, 'heron')]);
    const manifests = (await fs.readdir(store.derivedPath('index'))).filter((name) => name === 'manifest.json');

    expect(where).toBe('worker');
    expect(result.total).toBe(40);
    expect(result.notice).toBeUndefined();
    expect(manifests).toEqual(['manifest.json']);
  });

  it('builds on the calling thread when the worker runs out of heap', async () => {
    const store = await caseStore.CaseStore.create(path.join(dir, 'case'), 'Heap');
    await addMessage(store, 'kestrel');

    const where = await offThread.maintainIndexOffThread(store, 'rebuild', offThread.INDEX_WORKER_URL, 1);
    const result = await search.searchCase(store, 'kestrel');

    expect(where).toBe('thread');
    expect(result.total).toBe(1);
  });
});
