// Imports every file of the public test corpus as it is, .eml or mbox as detected. Each stored message must
// equal the file's octets, or its mbox range unquoted once. Each must get a record, and a rebuild must write
// the same records.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import type { CustodyEntry } from '../../electron/evidence/custody-log.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { processCase, rebuildCase } from '../../electron/parsing/process-case.js';
import { forgetLoadedIndexes } from '../../electron/search/search-index.js';
import type { ImportSummary } from '../../shared/import-types.js';

const CORPUS = existsSync(path.resolve('test/fixtures/corpus/public')) ? path.resolve('test/fixtures/corpus/public') : path.resolve('test/fixtures/corpus');

let dir: string;
let store: CaseStore;
let files: string[];
let summary: ImportSummary;
let imported: CustodyEntry[];

beforeAll(async () => {
  forgetLoadedIndexes();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-corpus-'));
  store = await CaseStore.create(path.join(dir, 'case'), 'corpus');
  files = (await fs.readdir(CORPUS))
    .filter((name) => name !== 'SOURCES.md')
    .sort()
    .map((name) => path.join(CORPUS, name));

  summary = await importMessages({ store, paths: files });
  imported = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-imported');
});

afterAll(async () => {
  forgetLoadedIndexes();
  await fs.rm(dir, { recursive: true, force: true });
});

/** Undoes mbox quoting line by line, independently of the splitter: mboxrd strips one ">" of /^>+From /, mboxo of /^>From /. */
function unquote(octets: Buffer, variant: unknown): Buffer {
  if (variant === 'mboxcl2') return octets;
  const pattern = variant === 'mboxo' ? /^>(From )/gm : /^>(>*From )/gm;
  return Buffer.from(octets.toString('latin1').replace(pattern, '$1'), 'latin1');
}

describe('import of the public corpus', () => {
  it('finds at least 200 corpus files', () => {
    expect(files.length).toBeGreaterThanOrEqual(200);
  });

  it('imports every file without a problem', () => {
    expect(summary.problems).toEqual([]);
    expect(summary.files).toBe(files.length);
  });

  it('gets at least one message from every file', () => {
    const sourceFiles = new Set(imported.map((entry) => entry.data.path));

    expect(files.filter((file) => !sourceFiles.has(file))).toEqual([]);
  });

  it('stores each message as the octets of its file range', async () => {
    const mismatches: string[] = [];
    for (const entry of imported) {
      const file = await fs.readFile(entry.data.path as string);
      const range = file.subarray(entry.data.byteStart as number, entry.data.byteEnd as number);
      const expected = entry.data.format === 'mbox' ? unquote(range, entry.data.mboxVariant) : range;
      const stored = await store.readMessage(entry.data.sha256 as string);
      if (!stored.equals(expected)) mismatches.push(`${path.basename(entry.data.path as string)}@${String(entry.data.byteStart)}`);
    }

    expect(mismatches).toEqual([]);
  });

  it('stores .eml files whole', async () => {
    const whole = imported.filter((entry) => entry.data.format === 'eml');
    const mismatches: string[] = [];
    for (const entry of whole) {
      const file = await fs.readFile(entry.data.path as string);
      if (!(await store.readMessage(entry.data.sha256 as string)).equals(file)) mismatches.push(entry.data.path as string);
    }

    expect(whole.length).toBeGreaterThan(150);
    expect(mismatches).toEqual([]);
  });

  it('splits the multi-message mbox files', () => {
    const countOf = (name: string): number => imported.filter((entry) => path.basename(entry.data.path as string) === name).length;

    expect(countOf('apache-james-mime4j__mbox.rlug')).toBe(5);
    expect(countOf('apache-spamassassin__nice.mbox')).toBe(3);
    expect(countOf('jstedfast-MimeKit__simple.mbox.txt')).toBe(3);
    expect(countOf('mozilla-releases-comm-central__mbox_mboxrd')).toBe(2);
  });

  it('unquotes the mboxrd sample once', async () => {
    const entry = imported.find((candidate) => path.basename(candidate.data.path as string) === 'mozilla-releases-comm-central__mbox_mboxrd');
    const stored = (await store.readMessage(entry?.data.sha256 as string)).toString('latin1');

    expect(stored).toContain('\nFrom (should be escaped).\n');
  });

  it('parses every message and rebuilds the same records', async () => {
    await processCase(store);
    const hashes = await store.listMessages();
    const before = new Map<string, Buffer>();
    for (const sha256 of hashes) before.set(sha256, await fs.readFile(store.recordPath(sha256)));

    await rebuildCase(store);
    const changed: string[] = [];
    for (const sha256 of hashes) {
      if (!(await fs.readFile(store.recordPath(sha256))).equals(before.get(sha256) as Buffer)) changed.push(sha256);
    }

    expect(before.size).toBe(hashes.length);
    expect(changed).toEqual([]);
  });
});
