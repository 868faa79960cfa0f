// Acquires the generated demo mailbox from the demo POP3 server with the real acquisition code, over implicit
// TLS and STLS pinned to the server's fingerprint, and checks every stored octet against the generator.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { startDemoServer, type DemoServer } from '../../electron/demo/demo-server.js';
import { createMailboxGenerator } from '../../electron/demo/generate-mailbox.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
import { setLogSink } from '../../electron/logging/logger.js';
import type { MailboxConfig } from '../../shared/types.js';

setLogSink(() => undefined);

const SEED = 42;
const INITIAL = 40;
const ARRIVALS = 3;
const TOTAL = INITIAL + 2 * ARRIVALS;

function sha256(octets: Buffer): string {
  return createHash('sha256').update(octets).digest('hex');
}

/** Returns the SHA-256 of each generated message with index from `start` up to `end` (exclusive). */
async function generatedHashes(start: number, end: number): Promise<string[]> {
  const generator = createMailboxGenerator({ seed: SEED, count: end, attachments: true });
  const hashes: string[] = [];
  for (let index = start; index < end; index += 1) hashes.push(sha256((await generator.message(index)).raw));
  return hashes;
}

describe('demo server acquisition', () => {
  let server: DemoServer;
  let workDir: string;

  beforeAll(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-demo-'));
    server = await startDemoServer({
      source: createMailboxGenerator({ seed: SEED, count: TOTAL, attachments: true }),
      totalMessages: TOTAL,
      initialMessages: INITIAL,
      arrivalsPerLogin: ARRIVALS,
    });
  });

  afterAll(async () => {
    await server.close();
    await fs.rm(workDir, { recursive: true, force: true });
  });

  const tlsMailbox = (): MailboxConfig => ({ host: server.host, port: server.port, security: 'tls', user: server.user, trustFingerprint: server.fingerprint });

  it('stores every message byte for byte, then only the arrivals', async () => {
    const store = await CaseStore.create(path.join(workDir, 'tls'));

    const first = await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });
    expect(first.newMessages).toEqual(await generatedHashes(0, INITIAL));
    expect(first.tlsFingerprint).toBe(server.fingerprint);

    const second = await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });
    expect(second.newMessages).toEqual(await generatedHashes(INITIAL, INITIAL + ARRIVALS));
    expect(second.alreadyHeld).toBe(INITIAL);

    const third = await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });
    expect(third.newMessages).toEqual(await generatedHashes(INITIAL + ARRIVALS, TOTAL));

    const fourth = await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });
    expect(fourth.newMessages).toEqual([]);
    expect(fourth.serverMessageCount).toBe(TOTAL);
  });

  it('stores files whose octets hash to the generated messages', async () => {
    const store = await CaseStore.create(path.join(workDir, 'files'));
    await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });

    const truth = await createMailboxGenerator({ seed: SEED, count: server.visibleCount, attachments: true }).groundTruth();
    const expected = new Set(truth.messages.map((message) => message.sha256));
    for (const hash of expected) {
      const octets = await fs.readFile(store.messagePath(hash));
      expect(sha256(octets)).toBe(hash);
    }
    expect(new Set(await store.listMessages()).size).toBe(expected.size);
    expect((await verifyCase(store)).valid).toBe(true);
  });

  it('acquires the same octets over STLS', async () => {
    const store = await CaseStore.create(path.join(workDir, 'stls'));
    const mailbox: MailboxConfig = { host: server.host, port: server.stlsPort, security: 'starttls', user: server.user, trustFingerprint: server.fingerprint };
    const summary = await acquireMailbox({ store, mailbox, password: server.password });
    expect(summary.newMessages).toEqual(await generatedHashes(0, summary.serverMessageCount));
  });

  it('rejects a wrong password', async () => {
    const store = await CaseStore.create(path.join(workDir, 'wrong-password'));
    await expect(acquireMailbox({ store, mailbox: tlsMailbox(), password: 'not-the-password' })).rejects.toMatchObject({ code: 'POP3_AUTH_FAILED' });
  });

  it('rejects another certificate fingerprint', async () => {
    const store = await CaseStore.create(path.join(workDir, 'wrong-fingerprint'));
    const mailbox = { ...tlsMailbox(), trustFingerprint: 'AB'.repeat(32) };
    await expect(acquireMailbox({ store, mailbox, password: server.password })).rejects.toMatchObject({ code: 'TLS_CERT_UNTRUSTED' });
  });

  it('writes the password to no case file', async () => {
    const store = await CaseStore.create(path.join(workDir, 'password-check'));
    await acquireMailbox({ store, mailbox: tlsMailbox(), password: server.password });
    const offending: string[] = [];
    for (const file of await listFiles(store.dir)) {
      if ((await fs.readFile(file)).includes(server.password)) offending.push(path.relative(store.dir, file));
    }
    expect(offending).toEqual([]);
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}
