import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { processCase, rebuildCase } from '../../electron/parsing/process-case.js';
import { forgetLoadedIndexes, searchCase } from '../../electron/search/search-index.js';

const MESSAGES = path.resolve('test/fixtures/messages');

let dir: string;
let store: CaseStore;

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-rebuild-'));
  store = await CaseStore.create(path.join(dir, 'case'), 'rebuild test');
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Reads every file below a folder into a map of relative path to content. */
async function snapshot(root: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.set(path.relative(root, full), await fs.readFile(full));
    }
  };
  await walk(root);
  return files;
}

describe('rebuildCase', () => {
  it('writes byte-identical record files', async () => {
    await importMessages({ store, paths: [MESSAGES] });
    await processCase(store);
    const before = await snapshot(store.derivedPath('records'));

    await rebuildCase(store);
    const after = await snapshot(store.derivedPath('records'));

    expect(before.size).toBe(9);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [file, content] of before) {
      expect(after.get(file)?.equals(content), file).toBe(true);
    }
  }, 120_000);

  it('rebuilds records that were deleted or damaged', async () => {
    const summary = await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    await processCase(store);
    const [sha256] = summary.sha256s;
    const recordPath = store.recordPath(sha256 as string);
    const original = await fs.readFile(recordPath);
    await fs.writeFile(recordPath, '{"damaged": true}');

    const result = await rebuildCase(store);

    expect(result.parsed).toBe(1);
    expect((await fs.readFile(recordPath)).equals(original)).toBe(true);
  });

  it('removes files that do not belong in derived/', async () => {
    await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    await processCase(store);
    const stray = store.derivedPath('records', 'stray.json');
    await fs.writeFile(stray, '{}');

    await rebuildCase(store);

    await expect(fs.stat(stray)).rejects.toThrow('ENOENT');
  });

  it('rebuilds the search index', async () => {
    const summary = await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    await processCase(store);

    await rebuildCase(store);
    forgetLoadedIndexes();
    const result = await searchCase(store, '"falcon pricing"');

    expect(result.hits.map((hit) => hit.sha256)).toEqual(summary.sha256s);
  });

  it('runs the saved rules again', async () => {
    await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    await processCase(store);
    await fs.mkdir(path.join(store.dir, 'rules'), { recursive: true });
    const rules = { version: 1, rules: [{ id: 'falcon', name: 'Falcon', type: 'keyword-list', keywords: ['falcon'] }] };
    await fs.writeFile(path.join(store.dir, 'rules', 'active-rules.json'), JSON.stringify(rules));

    const result = await rebuildCase(store);
    const latest = JSON.parse(await fs.readFile(store.derivedPath('rules', 'latest.json'), 'utf8')) as { rules: { id: string; hits: number }[] };

    expect(result.rulesRerun).toBe(true);
    expect(latest.rules.map((rule) => [rule.id, rule.hits])).toEqual([['falcon', 1]]);
  });

  it('logs the rebuild in the custody log', async () => {
    await importMessages({ store, paths: [path.join(MESSAGES, 'plain-falcon.eml')] });
    await processCase(store);

    await rebuildCase(store);
    const last = (await store.custodyLog.readAll()).at(-1);

    expect(last?.type).toBe('derived-rebuilt');
    expect(last?.data).toEqual({ parsed: 1, parseErrors: 0, rulesRerun: false });
  });
});
