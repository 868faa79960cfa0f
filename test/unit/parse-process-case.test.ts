import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { collectSources, processCase } from '../../electron/parsing/process-case.js';
import { INDEX_FILE_NAME, forgetLoadedIndexes, searchCase } from '../../electron/search/search-index.js';

const MESSAGES = path.resolve('test/fixtures/messages');

let dir: string;
let store: CaseStore;

async function acquire(file: string, uidl: string, messageNumber: number): Promise<string> {
  const raw = await fs.readFile(file);
  const writer = await store.createEvidenceWriter();
  await writer.write(raw);
  const committed = await writer.commit();
  await store.custodyLog.append('message-acquired', {
    runId: 'run-1',
    host: '127.0.0.1',
    port: 1110,
    user: 'suspect',
    uidl,
    messageNumber,
    listSize: raw.length,
    receivedSize: raw.length,
    sha256: committed.sha256,
    isNew: committed.isNew,
    startedAt: '2024-03-08T10:00:00.000Z',
    finishedAt: '2024-03-08T10:00:01.000Z',
  });
  return committed.sha256;
}

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-process-'));
  store = await CaseStore.create(dir, 'process test');
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('processCase', () => {
  it('parses every stored message', async () => {
    await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);
    await acquire(path.join(MESSAGES, 'attachments.eml'), 'u2', 2);
    await acquire(path.join(MESSAGES, 'hostile/too-many-parts.eml'), 'u3', 3);

    const result = await processCase(store);

    expect(result).toEqual({ parsed: 3, parseErrors: 1 });
    expect((await store.loadRecords()).length).toBe(3);
  });

  it('attaches POP3 sources from the custody log', async () => {
    const sha256 = await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);

    await processCase(store);
    const record = await store.loadRecord(sha256);

    expect(record?.sources).toEqual([{ kind: 'pop3', host: '127.0.0.1', port: 1110, user: 'suspect', uidl: 'u1', messageNumber: 1 }]);
  });

  it('builds the search index', async () => {
    const sha256 = await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);

    await processCase(store);
    const indexStat = await fs.stat(store.derivedPath('index', INDEX_FILE_NAME));
    const result = await searchCase(store, '"falcon pricing"');

    expect(indexStat.isFile()).toBe(true);
    expect(result.hits.map((hit) => hit.sha256)).toEqual([sha256]);
  });

  it('skips messages parsed before', async () => {
    await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);
    await processCase(store);

    const again = await processCase(store);

    expect(again).toEqual({ parsed: 0, parseErrors: 0 });
  });

  it('adds a later source to an existing record', async () => {
    const sha256 = await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);
    await processCase(store);

    await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u9', 9);
    await processCase(store);
    const record = await store.loadRecord(sha256);

    expect(record?.sources.map((source) => (source.kind === 'pop3' ? source.uidl : source.path))).toEqual(['u1', 'u9']);
  });

  it('reports progress for each message', async () => {
    await acquire(path.join(MESSAGES, 'plain-falcon.eml'), 'u1', 1);
    await acquire(path.join(MESSAGES, 'html-only.eml'), 'u2', 2);
    const calls: [number, number][] = [];

    await processCase(store, { onProgress: (done, total) => calls.push([done, total]) });

    expect(calls).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
  });
});

describe('collectSources', () => {
  it('skips entries with missing fields and repeats', () => {
    const base = { seq: 1, time: '', appVersion: '0.1.0', prevHash: '', hash: '' };
    const data = { host: 'h', port: 110, user: 'u', uidl: 'x', messageNumber: 1, sha256: 'a'.repeat(64) };

    const sources = collectSources([
      { ...base, type: 'message-acquired', data },
      { ...base, type: 'message-acquired', data },
      { ...base, type: 'message-acquired', data: { ...data, port: '110' } },
      { ...base, type: 'acquisition-started', data },
    ]);

    expect([...sources.entries()]).toEqual([['a'.repeat(64), [{ kind: 'pop3', host: 'h', port: 110, user: 'u', uidl: 'x', messageNumber: 1 }]]]);
  });
});
