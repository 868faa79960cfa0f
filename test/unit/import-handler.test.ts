import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { dispatch } from '../../electron/api/dispatch.js';
import { createHandlers } from '../../electron/api/handlers.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { forgetLoadedIndexes } from '../../electron/search/search-index.js';
import type { CaseImportReply } from '../../shared/import-types.js';

const FALCON = path.resolve('test/fixtures/messages/plain-falcon.eml');

let dir: string;
let caseDir: string;

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-import-handler-'));
  caseDir = path.join(dir, 'case');
  await CaseStore.create(caseDir, 'handler test');
});

afterEach(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('case:import channel', () => {
  it('imports and parses the named files', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config') });

    const reply = await dispatch(handlers, 'case:import', { dir: caseDir, paths: [FALCON] });
    const value = (reply as { ok: true; value: CaseImportReply }).value;
    const listed = await dispatch(handlers, 'messages:list', { dir: caseDir });

    expect(reply.ok).toBe(true);
    expect([value.files, value.messages, value.newCount, value.parsed]).toEqual([1, 1, 1, 1]);
    expect((listed as { ok: true; value: unknown[] }).value.length).toBe(1);
  });

  it('rejects a relative path', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config') });

    const reply = await dispatch(handlers, 'case:import', { dir: caseDir, paths: ['mail.mbox'] });

    expect(reply.ok).toBe(false);
    expect((reply as { ok: false; error: { code: string } }).error.code).toBe('INVALID_INPUT');
  });

  it('rejects an empty path list', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config') });

    const reply = await dispatch(handlers, 'case:import', { dir: caseDir, paths: [] });

    expect((reply as { ok: false; error: { code: string } }).error.code).toBe('INVALID_INPUT');
  });
});
