import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { runCli } from '../../electron/cli/main.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { forgetLoadedIndexes } from '../../electron/search/search-index.js';

const MESSAGES = path.resolve('test/fixtures/messages');

let dir: string;
let output: string;

beforeEach(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-import-cli-'));
  output = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(async () => {
  vi.restoreAllMocks();
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('mailcase import and rebuild', () => {
  it('imports files into a new case and parses them', async () => {
    const caseDir = path.join(dir, 'case');
    const mbox = path.join(dir, 'mail.mbox');
    await fs.writeFile(mbox, 'From a Thu Mar  7 10:00:00 2024\nSubject: one\n\n>From here\n\nFrom b Thu Mar  7 10:00:00 2024\nSubject: two\n\ntwo\n');

    const code = await runCli(['import', '--case', caseDir, '--json', mbox, path.join(MESSAGES, 'plain-falcon.eml')]);
    const reply = JSON.parse(output) as { files: number; messages: number; newCount: number; parsed: number; problems: unknown[] };

    expect(code).toBe(0);
    expect([reply.files, reply.messages, reply.newCount, reply.parsed]).toEqual([2, 3, 3, 3]);
    expect(reply.problems).toEqual([]);
  });

  it('forces the mbox variant with --format', async () => {
    const caseDir = path.join(dir, 'case');
    const mbox = path.join(dir, 'mail.mbox');
    await fs.writeFile(mbox, 'From a Thu Mar  7 10:00:00 2024\nSubject: o\n\n>>From two\n');

    await runCli(['import', '--case', caseDir, '--format', 'mboxo', '--json', mbox]);
    const reply = JSON.parse(output) as { sha256s: string[] };
    const store = await CaseStore.open(caseDir);

    expect((await store.readMessage(reply.sha256s[0] as string)).toString()).toBe('Subject: o\n\n>>From two');
  });

  it('rejects an unknown --format', async () => {
    await expect(runCli(['import', '--case', path.join(dir, 'case'), '--format', 'pst', path.join(MESSAGES, 'plain-falcon.eml')])).rejects.toThrow(
      'Invalid --format pst',
    );
  });

  it('rejects an import without paths', async () => {
    await expect(runCli(['import', '--case', path.join(dir, 'case')])).rejects.toThrow('Missing PATH');
  });

  it('rebuilds the derived records', async () => {
    const caseDir = path.join(dir, 'case');
    await runCli(['import', '--case', caseDir, '--json', path.join(MESSAGES, 'plain-falcon.eml')]);
    output = '';

    const code = await runCli(['rebuild', '--case', caseDir, '--json']);

    expect(code).toBe(0);
    // The import checked the new mail against the default pack, so the rebuild runs it again.
    expect(JSON.parse(output)).toEqual({ parsed: 1, parseErrors: 0, rulesRerun: true });
  });
});
