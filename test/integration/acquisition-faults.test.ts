// Acquires a real Dovecot 2.3 mailbox through a proxy that damages the server's octets: one octet per write,
// responses split at every offset, connections cut or stalled mid-RETR, garbage instead of a status line.
// Every case must end with the right error code, no partial file and only byte-exact messages on disk.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acquireMailbox, type AcquireMailboxOptions } from '../../electron/acquisition/acquire-mailbox.js';
import { CASE_LAYOUT, CaseStore } from '../../electron/evidence/case-store.js';
import type { CustodyEntry } from '../../electron/evidence/custody-log.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MailcaseError } from '../../shared/errors.js';
import type { AcquisitionSummary, MailboxConfig } from '../../shared/types.js';
import { startDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { startFaultProxy, type FaultPlan, type FaultProxy, type FaultProxyStats } from '../helpers/fault-proxy.js';
import { stuffMessage } from '../helpers/pop3-reference.js';

setLogSink(() => undefined);

// Every message is CRLF only and ends with CRLF, so Dovecot sends it unchanged and its SHA-256 is the file's.
const DOT_LINES = Buffer.from('From: a@dots.example\r\nSubject: dots\r\n\r\n.\r\n..\r\n.x\r\n...\r\nend\r\n');
const EIGHT_BIT = Buffer.concat([
  Buffer.from('From: b@bits.example\r\nSubject: 8bit\r\n\r\n'),
  Buffer.from(Array.from({ length: 0x80 }, (_, index) => 0x80 + index)),
  Buffer.from('\r\ncaf\xe9 \xff\xfe\r\n', 'latin1'),
]);
const LONG_LINE = Buffer.from(`From: c@long.example\r\nSubject: long\r\n\r\n${'x'.repeat(10_000)}\r\n`);
/** Its last line is ".", so the wire ends with CRLF ".." CRLF "." CRLF and a split there is easy to get wrong. */
const DOT_LAST = Buffer.from('From: d@last.example\r\nSubject: last line is a dot\r\n\r\nbody\r\n.\r\n');
const PLAIN = [1, 2].map((index) => Buffer.from(`From: e@plain.example\r\nSubject: plain ${index}\r\n\r\nhello ${index}\r\n`));

const MESSAGES = [DOT_LINES, EIGHT_BIT, LONG_LINE, DOT_LAST, ...PLAIN];
const SPLIT_MESSAGES = [DOT_LINES, DOT_LAST];

/** Timeout for the stall cases, short so that the tests end quickly. It measures nothing. */
const STALL_TIMEOUT_MS = 400;

function sha256(octets: Buffer): string {
  return createHash('sha256').update(octets).digest('hex');
}

/** Returns the octets of a RETR response as Dovecot 2.3 sends it: status line, dot-stuffed body, terminator. */
function retrResponse(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`+OK ${message.length} octets\r\n`), stuffMessage(message)]);
}

interface RunOutcome {
  store: CaseStore;
  summary: AcquisitionSummary | null;
  error: unknown;
  stats: FaultProxyStats;
}

let workDir: string;
let runCount = 0;

async function newCase(): Promise<CaseStore> {
  runCount += 1;
  return CaseStore.create(path.join(workDir, `case-${runCount}`));
}

function mailboxAt(server: DovecotServer, port: number): MailboxConfig {
  return { host: '127.0.0.1', port, security: 'none', user: server.user };
}

/** Acquires `server`'s mailbox into `store` through a new proxy with `plan`, and returns the result or the error. */
async function acquireThrough(
  server: DovecotServer,
  plan: FaultPlan,
  store: CaseStore,
  sessionOptions?: AcquireMailboxOptions['sessionOptions'],
): Promise<RunOutcome> {
  const proxy = await startFaultProxy({ targetPort: server.plainPort, plan });
  try {
    return await acquireVia(proxy, server, store, sessionOptions);
  } finally {
    await proxy.close();
  }
}

/** Acquires through an open proxy with its current plan. */
async function acquireVia(
  proxy: FaultProxy,
  server: DovecotServer,
  store: CaseStore,
  sessionOptions?: AcquireMailboxOptions['sessionOptions'],
): Promise<RunOutcome> {
  try {
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server, proxy.port), password: server.password, sessionOptions });
    return { store, summary, error: null, stats: { ...proxy.stats } };
  } catch (error) {
    return { store, summary: null, error, stats: { ...proxy.stats } };
  }
}

function errorCode(error: unknown): string {
  return error instanceof MailcaseError ? error.code : `not a MailcaseError: ${String(error)}`;
}

/** Returns the SHA-256 names of the stored message files, sorted. */
async function storedHashes(store: CaseStore): Promise<string[]> {
  const root = path.join(store.dir, CASE_LAYOUT.messages);
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name.replace(/\.eml$/, ''))
    .sort();
}

/** Returns the SHA-256 of each stored file's content, sorted. It equals `storedHashes` when nothing is damaged. */
async function contentHashes(store: CaseStore): Promise<string[]> {
  const hashes: string[] = [];
  for (const name of await storedHashes(store)) hashes.push(sha256(await fs.readFile(store.messagePath(name))));
  return hashes.sort();
}

async function incomingFiles(store: CaseStore): Promise<string[]> {
  return fs.readdir(path.join(store.dir, CASE_LAYOUT.incoming));
}

async function entriesOfType(store: CaseStore, type: string): Promise<CustodyEntry[]> {
  return (await store.custodyLog.readAll()).filter((entry) => entry.type === type);
}

describe('acquireMailbox through a fault proxy', () => {
  let server: DovecotServer;
  let splitServer: DovecotServer;

  beforeAll(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-faults-'));
    server = await startDovecot({ messages: MESSAGES });
    splitServer = await startDovecot({ messages: SPLIT_MESSAGES });
  });

  afterAll(async () => {
    await server?.stop();
    await splitServer?.stop();
    if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  });

  it('stores byte-exact octets delivered one at a time', async () => {
    const outcome = await acquireThrough(server, { delivery: 'byte-at-a-time' }, await newCase());

    expect(outcome.error).toBeNull();
    expect(outcome.summary?.newMessages).toEqual(MESSAGES.map(sha256));
    expect(await contentHashes(outcome.store)).toEqual(MESSAGES.map(sha256).sort());
    expect(outcome.stats.writes).toBe(outcome.stats.octetsDelivered);
    expect((await verifyCase(outcome.store)).valid).toBe(true);
  });

  it('stores byte-exact octets behind added latency', async () => {
    const outcome = await acquireThrough(server, { latencyMs: 20 }, await newCase());

    expect(outcome.error).toBeNull();
    expect(outcome.summary?.newMessages).toEqual(MESSAGES.map(sha256));
    expect(await contentHashes(outcome.store)).toEqual(MESSAGES.map(sha256).sort());
  });

  it('decodes responses split at every offset', async () => {
    const longest = Math.max(...SPLIT_MESSAGES.map((message) => retrResponse(message).length));
    const expected: { offset: number; newMessages: string[] | string }[] = [];
    const actual: { offset: number; newMessages: string[] | string }[] = [];
    let splits = 0;

    // Every offset inside the RETR responses, so that each octet of "\r\n.\r\n", "\r\n..\r\n" and "\r\n..x" is
    // once the first octet of the second part.
    for (let offset = 1; offset < longest; offset += 1) {
      const outcome = await acquireThrough(splitServer, { delivery: { splitAt: offset } }, await newCase());
      expected.push({ offset, newMessages: SPLIT_MESSAGES.map(sha256) });
      actual.push({ offset, newMessages: outcome.summary?.newMessages ?? errorCode(outcome.error) });
      splits += outcome.stats.splits;
    }

    expect(actual).toEqual(expected);
    expect(splits).toBeGreaterThanOrEqual(2 * (longest - 1));
  });

  it.each([
    { name: 'mid-body of RETR 3', plan: { retr: 3, afterOctets: 40 }, completed: 2 },
    { name: 'after the whole RETR 2', plan: { retr: 2 }, completed: 2 },
    { name: 'mid-status of RETR 1', plan: { retr: 1, afterOctets: 5 }, completed: 0 },
    { name: 'inside the terminator of RETR 4', plan: { retr: 4, afterOctets: retrResponse(DOT_LAST).length - 2 }, completed: 3 },
  ])('keeps completed messages after a cut $name', async ({ plan, completed }) => {
    const outcome = await acquireThrough(server, { fault: { kind: 'cut', ...plan } }, await newCase());
    const acquired = await entriesOfType(outcome.store, 'message-acquired');
    const failed = await entriesOfType(outcome.store, 'acquisition-failed');

    expect(outcome.stats.cuts).toBe(1);
    expect(errorCode(outcome.error)).toBe('POP3_PROTOCOL');
    expect(await contentHashes(outcome.store)).toEqual(MESSAGES.slice(0, completed).map(sha256).sort());
    expect(acquired.map((entry) => entry.data.sha256)).toEqual(MESSAGES.slice(0, completed).map(sha256));
    expect(failed.map((entry) => entry.data.code)).toEqual(['POP3_PROTOCOL']);
    expect(await incomingFiles(outcome.store)).toEqual([]);
    expect(await verifyCase(outcome.store)).toEqual({ valid: true, messagesChecked: completed, problems: [] });
  });

  it('completes the mailbox once after a cut', async () => {
    // One proxy for both runs: the custody log identifies the mailbox by host, port and user.
    const store = await newCase();
    const proxy = await startFaultProxy({ targetPort: server.plainPort, plan: { fault: { kind: 'cut', retr: 3, afterOctets: 40 } } });
    const cut = await acquireVia(proxy, server, store);
    proxy.setPlan({});
    const resumed = await acquireVia(proxy, server, store);
    await proxy.close();
    const acquired = await entriesOfType(store, 'message-acquired');
    const uidls = acquired.map((entry) => entry.data.uidl);

    expect(errorCode(cut.error)).toBe('POP3_PROTOCOL');
    expect(resumed.error).toBeNull();
    expect(resumed.summary?.newMessages).toEqual(MESSAGES.slice(2).map(sha256));
    expect(resumed.summary?.alreadyHeld).toBe(2);
    expect(await contentHashes(store)).toEqual(MESSAGES.map(sha256).sort());
    expect(acquired.map((entry) => entry.data.sha256)).toEqual(MESSAGES.map(sha256));
    expect(new Set(uidls).size).toBe(MESSAGES.length);
    expect(acquired.filter((entry) => entry.data.recovered === true)).toEqual([]);
    expect(await incomingFiles(store)).toEqual([]);
    expect(await verifyCase(store)).toEqual({ valid: true, messagesChecked: MESSAGES.length, problems: [] });
  });

  it('times out a stalled transfer', async () => {
    const outcome = await acquireThrough(server, { fault: { kind: 'stall', retr: 2, afterOctets: 60 } }, await newCase(), {
      timeouts: { transferIdleMs: STALL_TIMEOUT_MS },
    });
    const failed = await entriesOfType(outcome.store, 'acquisition-failed');

    expect(outcome.stats.stalls).toBe(1);
    expect(errorCode(outcome.error)).toBe('POP3_TIMEOUT');
    expect(failed.map((entry) => entry.data.code)).toEqual(['POP3_TIMEOUT']);
    expect(await contentHashes(outcome.store)).toEqual([sha256(DOT_LINES)]);
    expect(await incomingFiles(outcome.store)).toEqual([]);
    expect(await verifyCase(outcome.store)).toEqual({ valid: true, messagesChecked: 1, problems: [] });
  });

  it('times out a stall before the greeting', async () => {
    const outcome = await acquireThrough(server, { fault: { kind: 'stall', afterOctets: 0 } }, await newCase(), {
      timeouts: { commandMs: STALL_TIMEOUT_MS },
    });

    expect(errorCode(outcome.error)).toBe('POP3_TIMEOUT');
    expect(await contentHashes(outcome.store)).toEqual([]);
    expect(await incomingFiles(outcome.store)).toEqual([]);
    expect((await verifyCase(outcome.store)).valid).toBe(true);
  });

  it.each([
    { command: 'GREETING', occurrence: 1, completed: 0 },
    { command: 'UIDL', occurrence: 1, completed: 0 },
    { command: 'RETR', occurrence: 2, completed: 1 },
  ])('rejects a garbage line instead of the $command reply', async ({ command, occurrence, completed }) => {
    const plan: FaultPlan = { fault: { kind: 'garbage', command, occurrence, line: 'garbage \xff in place of +OK' } };
    const outcome = await acquireThrough(server, plan, await newCase());

    expect(outcome.stats.garbageLines).toBe(1);
    expect(errorCode(outcome.error)).toBe('POP3_PROTOCOL');
    expect(await contentHashes(outcome.store)).toEqual(MESSAGES.slice(0, completed).map(sha256).sort());
    expect(await incomingFiles(outcome.store)).toEqual([]);
    expect((await verifyCase(outcome.store)).valid).toBe(true);
  });
});
