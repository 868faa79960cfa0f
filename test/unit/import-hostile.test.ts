// Checks imports of hostile mbox files: problems are summarised, not written once per bad message.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';

describe('hostile mbox import', () => {
  let dir: string;
  let store: CaseStore;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-import-hostile-'));
    store = await CaseStore.create(path.join(dir, 'case'), 'Hostile');
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports a storm of empty messages as one problem', async () => {
    const file = path.join(dir, 'storm.mbox');
    await fs.writeFile(file, 'From \n'.repeat(5000) + 'From a@b.example Mon Jan  1 00:00:00 2024\nSubject: last\n\nbody\n');

    const summary = await importMessages({ store, paths: [file] });
    const problems = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'import-problem');

    expect(summary.messages).toBe(1);
    expect(summary.problems).toEqual([{ path: file, byteStart: 6, reason: '5000 messages are empty (a "From " line followed directly by another), the first at byte 6' }]);
    expect(problems).toHaveLength(1);
  });

  it('leaves no temporary file for empty messages', async () => {
    const file = path.join(dir, 'storm.mbox');
    await fs.writeFile(file, 'From \n'.repeat(100));

    await importMessages({ store, paths: [file] });

    expect(await fs.readdir(path.join(store.dir, 'evidence', 'incoming'))).toEqual([]);
  });
});
