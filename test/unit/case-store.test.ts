import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CaseStore } from '../../electron/evidence/case-store.js';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function storeMessage(store: CaseStore, chunks: Buffer[]) {
  const writer = await store.createEvidenceWriter();
  for (const chunk of chunks) await writer.write(chunk);
  return writer.commit();
}

describe('CaseStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-case-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('stores raw octets unchanged under their SHA-256', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'), 'Test case');
    const octets = Buffer.from([0x46, 0x72, 0x6f, 0x6d, 0x3a, 0x00, 0xff, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);

    const committed = await storeMessage(store, [octets.subarray(0, 5), octets.subarray(5)]);

    expect(committed.sha256).toBe(sha256(octets));
    expect(committed.size).toBe(12);
    expect(committed.isNew).toBe(true);
    expect(await store.readMessage(committed.sha256)).toEqual(octets);
    expect(committed.path).toBe(path.join(store.dir, 'evidence', 'messages', committed.sha256.slice(0, 2), `${committed.sha256}.eml`));
  });

  it('refuses a case folder under /proc', async () => {
    await expect(CaseStore.create('/proc/mailcase-case')).rejects.toMatchObject({ code: 'CASE_INVALID' });
  });

  it('writes evidence files read-only', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    const committed = await storeMessage(store, [Buffer.from('Subject: x\r\n\r\nbody\r\n')]);

    const mode = (await fs.stat(committed.path)).mode & 0o777;

    expect(mode).toBe(0o444);
  });

  it('keeps the first copy when the same message arrives twice', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    const message = Buffer.from('Subject: twice\r\n\r\nsame\r\n');

    await storeMessage(store, [message]);
    const second = await storeMessage(store, [message]);

    expect(second.isNew).toBe(false);
    expect(await store.listMessages()).toEqual([sha256(message)]);
    expect(await fs.readdir(path.join(store.dir, 'evidence', 'incoming'))).toEqual([]);
  });

  it('removes the temporary file when a write is aborted', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from('partial'));

    await writer.abort();

    expect(await fs.readdir(path.join(store.dir, 'evidence', 'incoming'))).toEqual([]);
    expect(await store.listMessages()).toEqual([]);
  });

  it('rejects a message name that is not a SHA-256', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));

    expect(() => store.messagePath('../../etc/passwd')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('reopens a case and logs its creation once', async () => {
    const created = await CaseStore.create(path.join(dir, 'case'), 'Acme leak');
    const reopened = await CaseStore.open(path.join(dir, 'case'));
    const entries = await reopened.custodyLog.readAll();

    expect(reopened.info).toEqual(created.info);
    expect(entries.map((entry) => entry.type)).toEqual(['case-created']);
  });

  it('refuses to open a folder without a case', async () => {
    await expect(CaseStore.open(path.join(dir, 'nothing'))).rejects.toMatchObject({ code: 'CASE_NOT_FOUND' });
  });

  it('refuses a case written with another schema version', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    const infoPath = path.join(store.dir, 'case.json');
    const info = JSON.parse(await fs.readFile(infoPath, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(infoPath, JSON.stringify({ ...info, schemaVersion: 99 }));

    await expect(CaseStore.open(store.dir)).rejects.toMatchObject({ code: 'CASE_VERSION_UNSUPPORTED' });
  });

  it('refuses to create a case over evidence whose case.json is missing', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    await fs.rm(path.join(store.dir, 'case.json'));

    await expect(CaseStore.openOrCreate(store.dir)).rejects.toMatchObject({ code: 'CASE_INVALID', details: { found: 'evidence' } });
  });

  it('refuses to create a case where a file stands', async () => {
    const file = path.join(dir, 'not-a-folder');
    await fs.writeFile(file, 'x');

    await expect(CaseStore.openOrCreate(file)).rejects.toMatchObject({ code: 'CASE_INVALID', message: `${file} is not a folder` });
  });

  it('names the missing fields of a damaged case.json', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    await fs.writeFile(path.join(store.dir, 'case.json'), JSON.stringify({ schemaVersion: 1, appVersion: '0.1.0', createdAt: 'x' }));

    await expect(CaseStore.open(store.dir)).rejects.toMatchObject({ code: 'CASE_INVALID', details: { reason: 'these fields are missing or invalid: caseId, name' } });
  });

  it('rejects a case.json that holds null', async () => {
    const store = await CaseStore.create(path.join(dir, 'case'));
    await fs.writeFile(path.join(store.dir, 'case.json'), 'null');

    await expect(CaseStore.open(store.dir)).rejects.toMatchObject({ code: 'CASE_INVALID', details: { reason: 'these fields are missing or invalid: (root)' } });
  });
});
