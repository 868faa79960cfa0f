import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CustodyLog, GENESIS_HASH, TORN_LINE_ENTRY, hashCustodyEntry } from '../../electron/evidence/custody-log.js';

describe('CustodyLog', () => {
  let dir: string;
  let log: CustodyLog;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-custody-'));
    log = new CustodyLog(path.join(dir, 'custody-log.jsonl'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('links each entry to the hash of the previous one', async () => {
    const first = await log.append('case-created', { name: 'a' });
    const second = await log.append('rules-run', { hitCount: 2 });

    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(second.seq).toBe(2);
  });

  it('stores a hash that covers every other field', async () => {
    const entry = await log.append('case-created', { name: 'a' });
    const { hash, ...body } = entry;

    expect(hashCustodyEntry(body)).toBe(hash);
  });

  it('continues the chain after reopening the file', async () => {
    const first = await log.append('case-created', { name: 'a' });
    const reopened = new CustodyLog(log.filePath);
    const second = await reopened.append('rules-run', {});

    expect(second.prevHash).toBe(first.hash);
    expect(await reopened.verifyChain()).toEqual([]);
  });

  it('keeps order when appends are not awaited one by one', async () => {
    await Promise.all([log.append('a', {}), log.append('b', {}), log.append('c', {})]);
    const entries = await log.readAll();

    expect(entries.map((entry) => entry.type)).toEqual(['a', 'b', 'c']);
    expect(await log.verifyChain()).toEqual([]);
  });

  it('reports an edited entry', async () => {
    await log.append('case-created', { name: 'a' });
    await log.append('rules-run', { hitCount: 2 });
    const text = await fs.readFile(log.filePath, 'utf8');
    await fs.writeFile(log.filePath, text.replace('"hitCount":2', '"hitCount":3'));

    expect(await new CustodyLog(log.filePath).verifyChain()).toEqual([{ line: 2, reason: 'entry hash does not match its content' }]);
  });

  it('reports a removed entry', async () => {
    await log.append('a', {});
    await log.append('b', {});
    await log.append('c', {});
    const lines = (await fs.readFile(log.filePath, 'utf8')).split('\n');
    await fs.writeFile(log.filePath, [lines[0], lines[2], ''].join('\n'));

    expect(await new CustodyLog(log.filePath).verifyChain()).toEqual([
      { line: 2, reason: 'previous-hash link is broken' },
      { line: 2, reason: 'sequence number 3 is out of order' },
    ]);
  });

  it('keeps the chain intact when two writers append at once', async () => {
    const first = new CustodyLog(log.filePath);
    const second = new CustodyLog(log.filePath);

    await Promise.all(
      Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? first : second).append('step', { index })),
    );
    const entries = await log.readAll();

    expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(await log.verifyChain()).toEqual([]);
    expect(await fs.readdir(dir)).toEqual(['custody-log.jsonl']);
  });

  it('records a torn final line and continues the chain', async () => {
    const first = await log.append('case-created', { name: 'a' });
    const torn = Buffer.from('{"seq":2,"time":"2026-12-04T21:00:00.000Z","ty');
    await fs.appendFile(log.filePath, torn);

    const next = await new CustodyLog(log.filePath).append('rules-run', {});
    const entries = await log.readAll();

    expect(entries.map((entry) => entry.type)).toEqual(['case-created', TORN_LINE_ENTRY, 'rules-run']);
    expect(entries[1]?.prevHash).toBe(first.hash);
    expect(entries[1]?.data).toEqual({ line: 2, octets: torn.length, sha256: createHash('sha256').update(torn).digest('hex') });
    expect(next.seq).toBe(3);
    expect(await log.verifyChain()).toEqual([]);
  });

  it('explains an unrecorded torn final line', async () => {
    await log.append('case-created', { name: 'a' });
    await fs.appendFile(log.filePath, '{"seq":2');

    await expect(log.readAll()).rejects.toMatchObject({ code: 'CUSTODY_LOG_INVALID', details: { line: 2 } });
  });

  it('removes a lock left by a process that no longer runs', async () => {
    await fs.writeFile(log.lockPath, `999999999 ${os.hostname()}\n`);

    const entry = await log.append('case-created', {});

    expect(entry.seq).toBe(1);
    expect(await fs.readdir(dir)).toEqual(['custody-log.jsonl']);
  });
});
