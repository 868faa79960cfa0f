// Checks imports of hostile mbox files, where problems are summarised rather than written once per bad
// message, and cancelled imports, which must leave a valid case.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
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

  it('stops a cancelled import with a valid case', async () => {
    const files = await Promise.all(
      ['one', 'two', 'three'].map(async (name) => {
        const file = path.join(dir, `${name}.eml`);
        await fs.writeFile(file, `Subject: ${name}\r\n\r\nbody\r\n`);
        return file;
      }),
    );
    const controller = new AbortController();

    const summary = await importMessages({
      store,
      paths: files,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.filesDone === 1) controller.abort();
      },
    });
    const types = (await store.custodyLog.readAll()).map((entry) => entry.type);

    expect(summary.cancelled).toBe(true);
    expect(summary.messages).toBe(1);
    expect(types).toEqual(['case-created', 'import-started', 'message-imported', 'import-cancelled']);
    expect((await verifyCase(store)).valid).toBe(true);
  });

  it('stops inside an mbox after the message being read', async () => {
    const file = path.join(dir, 'many.mbox');
    const messages = Array.from({ length: 50 }, (_, index) => `From a@b.example Mon Jan  1 00:00:00 2024\nSubject: ${index}\n\nbody ${index}\n`);
    await fs.writeFile(file, messages.join('\n'));
    // A signal that turns aborted at its eleventh check: once before the file, then after each message.
    let checks = 0;
    const signal = {
      get aborted() {
        checks += 1;
        return checks > 11;
      },
    } as AbortSignal;

    const summary = await importMessages({ store, paths: [file], signal });

    expect(summary.cancelled).toBe(true);
    expect(summary.messages).toBe(11);
    expect(summary.newCount).toBe(11);
    expect((await verifyCase(store)).valid).toBe(true);
  });
});
