import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';

const temporaryDirs: string[] = [];

afterEach(async () => {
  for (const dir of temporaryDirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function newStore(): Promise<CaseStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-verify-'));
  temporaryDirs.push(dir);
  return CaseStore.create(path.join(dir, 'case'));
}

/** Stores octets as evidence and logs them as acquired when `logIt` is true. */
async function storeMessage(store: CaseStore, text: string, logIt = true): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(Buffer.from(text));
  const { sha256 } = await writer.commit();
  if (logIt) await store.custodyLog.append('message-acquired', { sha256, uidl: 'u1' });
  return sha256;
}

function relativePath(sha256: string): string {
  return `evidence/messages/${sha256.slice(0, 2)}/${sha256}.eml`;
}

describe('verifyCase', () => {
  it('accepts an intact case', async () => {
    const store = await newStore();
    await storeMessage(store, 'Subject: a\r\n\r\nA\r\n');
    await storeMessage(store, 'Subject: b\r\n\r\nB\r\n');

    expect(await verifyCase(store)).toEqual({ valid: true, messagesChecked: 2, problems: [] });
  });

  it('accepts an imported message', async () => {
    const store = await newStore();
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('Subject: imported\r\n\r\nI\r\n'));
    const { sha256 } = await writer.commit();
    await store.custodyLog.append('message-imported', { sha256, path: '/evidence/export.mbox', byteStart: 0, byteEnd: 26 });

    expect(await verifyCase(store)).toEqual({ valid: true, messagesChecked: 1, problems: [] });
  });

  it('names only the cut line and the message it recorded', async () => {
    const store = await newStore();
    await storeMessage(store, 'Subject: a\r\n\r\nA\r\n');
    const last = await storeMessage(store, 'Subject: b\r\n\r\nB\r\n');
    const logPath = path.join(store.dir, 'custody', 'custody-log.jsonl');
    const content = await fs.readFile(logPath);
    await fs.writeFile(logPath, content.subarray(0, content.length - 20));

    const result = await verifyCase(store);

    expect(result.valid).toBe(false);
    expect(new Set(result.problems.map((problem) => problem.file))).toEqual(new Set(['custody/custody-log.jsonl', relativePath(last)]));
  });

  it('names a file whose content was altered', async () => {
    const store = await newStore();
    const sha256 = await storeMessage(store, 'Subject: a\r\n\r\nA\r\n');
    const file = store.messagePath(sha256);
    await fs.chmod(file, 0o644);
    await fs.writeFile(file, 'Subject: a\r\n\r\nB\r\n');
    const actual = createHash('sha256').update('Subject: a\r\n\r\nB\r\n').digest('hex');

    const result = await verifyCase(store);
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([
      { file: relativePath(sha256), reason: `content SHA-256 is ${actual}, but the file name says ${sha256}` },
    ]);
  });

  it('names a stored file missing from the custody log', async () => {
    const store = await newStore();
    const sha256 = await storeMessage(store, 'unlogged\r\n', false);

    const result = await verifyCase(store);
    expect(result.problems).toEqual([
      { file: relativePath(sha256), reason: 'stored message has no message-acquired or message-imported entry in the custody log' },
    ]);
  });

  it('names a logged message that is missing', async () => {
    const store = await newStore();
    const sha256 = await storeMessage(store, 'will vanish\r\n');
    await fs.rm(store.messagePath(sha256));

    const result = await verifyCase(store);
    expect(result.problems).toEqual([{ file: relativePath(sha256), reason: 'message recorded in the custody log is missing' }]);
  });

  it('reports an edited custody log entry', async () => {
    const store = await newStore();
    await storeMessage(store, 'Subject: a\r\n\r\nA\r\n');
    const text = await fs.readFile(store.custodyLog.filePath, 'utf8');
    await fs.writeFile(store.custodyLog.filePath, text.replace('"uidl":"u1"', '"uidl":"u2"'));

    const result = await verifyCase(store);
    expect(result.valid).toBe(false);
    expect(result.problems).toEqual([{ file: 'custody/custody-log.jsonl', reason: 'line 2: entry hash does not match its content' }]);
  });

  it('names an unexpected file in the evidence folder', async () => {
    const store = await newStore();
    const bucket = path.join(store.dir, 'evidence/messages/zz');
    await fs.mkdir(bucket, { recursive: true });
    await fs.writeFile(path.join(bucket, 'notes.txt'), 'x');

    const result = await verifyCase(store);
    expect(result.problems).toEqual([
      { file: 'evidence/messages/zz/notes.txt', reason: 'unexpected file in the evidence folder (not <sha256>.eml in its bucket)' },
    ]);
  });

  it('names a file directly in evidence/messages', async () => {
    const store = await newStore();
    await fs.writeFile(path.join(store.dir, 'evidence/messages/aa.eml'), 'x');

    const result = await verifyCase(store);
    expect(result.problems).toEqual([
      { file: 'evidence/messages/aa.eml', reason: 'unexpected file in the evidence folder (not <sha256>.eml in its bucket)' },
    ]);
  });

  it('names a transcript whose hash differs from the log', async () => {
    const store = await newStore();
    const runId = '11111111-2222-4333-8444-555555555555';
    const file = store.transcriptFile(runId);
    await fs.mkdir(path.join(store.dir, 'custody/transcripts'), { recursive: true });
    await fs.writeFile(path.join(store.dir, file), 'edited transcript\n');
    const logged = createHash('sha256').update('original transcript\n').digest('hex');
    const actual = createHash('sha256').update('edited transcript\n').digest('hex');
    await store.custodyLog.append('acquisition-finished', { runId, transcript: { file, sha256: logged } });

    const result = await verifyCase(store);
    expect(result.problems).toEqual([{ file, reason: `content SHA-256 is ${actual}, but the custody log says ${logged}` }]);
  });

  it('names a transcript that is missing', async () => {
    const store = await newStore();
    const file = store.transcriptFile('11111111-2222-4333-8444-555555555555');
    await store.custodyLog.append('acquisition-failed', { transcript: { file, sha256: '0'.repeat(64) } });

    const result = await verifyCase(store);
    expect(result.problems).toEqual([{ file, reason: 'transcript recorded in the custody log is missing' }]);
  });

  it('rejects a transcript path outside custody/transcripts', async () => {
    const store = await newStore();
    await store.custodyLog.append('acquisition-finished', { transcript: { file: '../outside.log', sha256: '0'.repeat(64) } });

    const result = await verifyCase(store);
    expect(result.problems).toEqual([{ file: 'custody/custody-log.jsonl', reason: 'names a transcript outside custody/transcripts: "../outside.log"' }]);
  });

  it('names an unlisted file under custody', async () => {
    const store = await newStore();
    await fs.writeFile(path.join(store.dir, 'custody/notes.txt'), 'x');

    const result = await verifyCase(store);
    expect(result.problems).toEqual([{ file: 'custody/notes.txt', reason: 'file is not listed in the custody log' }]);
  });

  it('ignores temporary files in evidence/incoming', async () => {
    const store = await newStore();
    await fs.writeFile(path.join(store.dir, 'evidence/incoming/incoming-1.tmp'), 'partial');

    expect(await verifyCase(store)).toEqual({ valid: true, messagesChecked: 0, problems: [] });
  });
});
