// Checks that hostile text cannot blow up the search index: an overlong "word" is left out of the index
// while the ordinary words around it stay searchable.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { forgetLoadedIndexes, rebuildIndex, searchCase } from '../../electron/search/search-index.js';
import { MAX_TERM_CHARS, normaliseWord } from '../../electron/search/text-pipeline.js';
import { createEmptyRecord } from '../../shared/types.js';

describe('index limits', () => {
  let dir: string;
  let store: CaseStore;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-index-limits-'));
    store = await CaseStore.create(path.join(dir, 'case'), 'Limits');
  });

  afterEach(async () => {
    forgetLoadedIndexes();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('indexes the words around a two-megabyte word', async () => {
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('Subject: long line\r\n\r\nx\r\n'));
    const { sha256, size } = await writer.commit();
    await store.saveRecord({ ...createEmptyRecord(sha256, size), subject: 'long line', text: `falcon ${'A'.repeat(2_000_000)} pricing` });

    await rebuildIndex(store);
    const result = await searchCase(store, 'falcon AND pricing');

    expect(result.total).toBe(1);
  });

  it('drops a term one character over the limit', () => {
    expect([normaliseWord('b'.repeat(MAX_TERM_CHARS)) !== null, normaliseWord('b'.repeat(MAX_TERM_CHARS + 1))]).toEqual([true, null]);
  });
});
