// Acquires a real Dovecot 2.3 mailbox over plain POP3, STARTTLS and POP3S and checks every stored octet against
// the octets the server sent, captured by a separate raw client and a recording proxy.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { testConnection } from '../../electron/acquisition/test-connection.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MailcaseError } from '../../shared/errors.js';
import type { MailboxConfig, MailboxSecurity } from '../../shared/types.js';
import { startDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { expectedWireMessage, unstuffWholeResponse } from '../helpers/pop3-reference.js';

// Size-mismatch warnings are expected for fixtures without a final line break; keep the output readable.
setLogSink(() => undefined);

const CORPUS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'corpus');

interface Fixture {
  name: string;
  stored: Buffer;
  /** Octets a client should receive: Dovecot turns bare LF into CRLF and adds a final CRLF when missing. */
  expected: Buffer;
}

const HAND_MADE: Fixture[] = [
  handMade('dot-lines', Buffer.from('Subject: dots\r\n\r\n.\r\n..\r\n.x\r\n...\r\nend\r\n')),
  handMade('eight-bit', Buffer.concat([Buffer.from('Subject: 8bit\r\n\r\n'), Buffer.from(range(0x80, 0x100)), Buffer.from('\r\ncaf\xe9\r\n', 'latin1')])),
  handMade('long-line', Buffer.from(`Subject: long\r\n\r\n${'x'.repeat(10_000)}\r\n`)),
];

function handMade(name: string, stored: Buffer): Fixture {
  return { name, stored, expected: stored };
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, index) => start + index);
}

function sha256(octets: Buffer): string {
  return createHash('sha256').update(octets).digest('hex');
}

async function loadCorpus(): Promise<Fixture[]> {
  const names = (await fs.readdir(CORPUS_DIR)).filter((name) => name !== 'SOURCES.md').sort();
  const fixtures: Fixture[] = [];
  for (const name of names) {
    const stored = await fs.readFile(path.join(CORPUS_DIR, name));
    fixtures.push({ name, stored, expected: expectedWireMessage(stored) });
  }
  return fixtures;
}

/**
 * Logs in with a raw POP3S client, pipelines RETR for every message and returns each message as decoded by
 * the whole-buffer reference. This path shares no code with the client under test.
 */
async function captureAllMessages(server: DovecotServer, count: number): Promise<Buffer[]> {
  const commands = [`USER ${server.user}`, `PASS ${server.password}`, ...range(1, count + 1).map((n) => `RETR ${n}`), 'QUIT'];
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tls.connect({ host: server.host, port: server.pop3sPort, ca: server.certPem, servername: 'localhost' });
    socket.on('secureConnect', () => socket.write(commands.map((command) => command + '\r\n').join('')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });

  let rest = received;
  const nextLine = (): string => {
    const end = rest.indexOf('\r\n');
    const line = rest.subarray(0, end).toString('latin1');
    rest = rest.subarray(end + 2);
    return line;
  };
  nextLine(); // greeting
  expect(nextLine()).toMatch(/^\+OK/);
  expect(nextLine()).toMatch(/^\+OK/);

  const messages: Buffer[] = [];
  for (let index = 0; index < count; index += 1) {
    expect(nextLine()).toMatch(/^\+OK/);
    const decoded = unstuffWholeResponse(rest);
    messages.push(decoded.message);
    rest = decoded.rest;
  }
  return messages;
}

/** Starts a loopback TCP proxy that forwards to `targetPort` and records what the client sends. */
async function startRecordingProxy(targetPort: number): Promise<{ port: number; clientOctets: () => Buffer; close: () => Promise<void> }> {
  const recorded: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => recorded.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address() as net.AddressInfo;
  return {
    port: address.port,
    clientOctets: () => Buffer.concat(recorded),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe('acquireMailbox against Dovecot', () => {
  let server: DovecotServer;
  let fixtures: Fixture[];
  let captured: Buffer[];
  let workDir: string;

  beforeAll(async () => {
    fixtures = [...(await loadCorpus()), ...HAND_MADE];
    server = await startDovecot({ messages: fixtures.map((fixture) => fixture.stored) });
    captured = await captureAllMessages(server, fixtures.length);
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-acquisition-'));
  });

  afterAll(async () => {
    await server?.stop();
    if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  });

  function mailboxFor(security: MailboxSecurity, pinned = true): MailboxConfig {
    const port = security === 'tls' ? server.pop3sPort : server.plainPort;
    return {
      host: server.host,
      port,
      security,
      user: server.user,
      trustFingerprint: security !== 'none' && pinned ? server.certFingerprint : undefined,
    };
  }

  async function newCase(name: string): Promise<CaseStore> {
    return CaseStore.create(path.join(workDir, name));
  }

  it('captures the Dovecot transform of every fixture', () => {
    const differing = fixtures.filter((fixture, index) => !captured[index]?.equals(fixture.expected)).map((fixture) => fixture.name);
    expect(differing).toEqual([]);
  });

  for (const security of ['none', 'starttls', 'tls'] as const) {
    it(`stores every message byte-exactly over ${security}`, async () => {
      const store = await newCase(`exact-${security}`);
      const summary = await acquireMailbox({ store, mailbox: mailboxFor(security), password: server.password });

      expect(summary.serverMessageCount).toBe(fixtures.length);
      expect(summary.newMessages).toEqual(captured.map(sha256));
      expect(summary.tlsFingerprint).toBe(security === 'none' ? null : server.certFingerprint);

      const notExact: string[] = [];
      for (const [index, fixture] of fixtures.entries()) {
        const stored = await store.readMessage(summary.newMessages[index] as string);
        if (!stored.equals(fixture.expected)) notExact.push(fixture.name);
      }
      expect(notExact).toEqual([]);
    });
  }

  it('returns hand-made messages unchanged', async () => {
    const store = await newCase('hand-made');
    const summary = await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: server.password });
    const offset = fixtures.length - HAND_MADE.length;
    for (const [index, fixture] of HAND_MADE.entries()) {
      const stored = await store.readMessage(summary.newMessages[offset + index] as string);
      expect(stored.equals(fixture.stored), fixture.name).toBe(true);
    }
  });

  it('warns about files whose size differs from LIST', async () => {
    const store = await newCase('size-warnings');
    const summary = await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: server.password });

    // Dovecot's LIST size leaves out the CRLF it adds to a file that does not end with a line break.
    const expected = fixtures
      .map((fixture, index) => ({ fixture, messageNumber: index + 1 }))
      .filter(({ fixture }) => fixture.stored.length > 0 && fixture.stored[fixture.stored.length - 1] !== 0x0a)
      .map(({ messageNumber }) => messageNumber);
    expect(summary.warnings.map((warning) => warning.messageNumber)).toEqual(expected);
  });

  it('never sends DELE over plain POP3', async () => {
    const proxy = await startRecordingProxy(server.plainPort);
    try {
      const store = await newCase('recorded');
      await acquireMailbox({ store, mailbox: { ...mailboxFor('none'), port: proxy.port }, password: server.password });

      const verbs = proxy
        .clientOctets()
        .toString('latin1')
        .split('\r\n')
        .filter((line) => line !== '')
        .map((line) => line.split(' ')[0]);
      expect(verbs.filter((verb) => verb === 'DELE')).toEqual([]);
      // Dovecot lists SASL PLAIN in CAPA, so the automatic login method sends AUTH PLAIN.
      expect([...new Set(verbs)]).toEqual(['CAPA', 'AUTH', 'UIDL', 'LIST', 'RETR', 'QUIT']);
    } finally {
      await proxy.close();
    }
  });

  it('logs no deletion on the server', async () => {
    const logText = await server.readLog();
    const deleted = [...logText.matchAll(/del=(\d+)\/(\d+)/g)].map((match) => match[1]);
    expect(deleted.length).toBeGreaterThan(0);
    expect(deleted.filter((count) => count !== '0')).toEqual([]);
  });

  it('rejects a wrong password with POP3_AUTH_FAILED', async () => {
    const store = await newCase('wrong-password');
    const error = await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: 'wrong password' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MailcaseError);
    expect((error as MailcaseError).code).toBe('POP3_AUTH_FAILED');

    const types = (await store.custodyLog.readAll()).map((entry) => entry.type);
    expect(types).toEqual(['case-created', 'acquisition-started', 'acquisition-failed']);
  });

  for (const security of ['starttls', 'tls'] as const) {
    it(`rejects the unpinned test certificate over ${security}`, async () => {
      const error = await testConnection(mailboxFor(security, false), server.password).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MailcaseError);
      expect((error as MailcaseError).code).toBe('TLS_CERT_UNTRUSTED');
      expect((error as MailcaseError).details.fingerprint).toBe(server.certFingerprint);
      expect((error as MailcaseError).details.subject).toBe('CN=localhost');
    });
  }

  it('rejects a certificate that does not match the pin', async () => {
    const mailbox = { ...mailboxFor('tls'), trustFingerprint: 'AB'.repeat(32) };
    const error = await testConnection(mailbox, server.password).catch((caught: unknown) => caught);
    expect((error as MailcaseError).code).toBe('TLS_CERT_UNTRUSTED');
    expect((error as MailcaseError).details.reason).toBe('fingerprint-mismatch');
  });

  it('accepts the pin without colons in lower case', async () => {
    const mailbox = { ...mailboxFor('tls'), trustFingerprint: server.certFingerprint.replace(/:/g, '').toLowerCase() };
    const result = await testConnection(mailbox, server.password);
    expect(result.tlsFingerprint).toBe(server.certFingerprint);
  });

  it('reports the mailbox in testConnection', async () => {
    const result = await testConnection(mailboxFor('starttls'), server.password);
    expect(result.messageCount).toBe(fixtures.length);
    expect(result.capabilities).toContain('UIDL');
    expect(result.capabilities).not.toContain('STLS');
    expect(result.greeting).toBe('Dovecot (Debian) ready.');
  });

  it('fetches nothing new on a second run', async () => {
    const store = await newCase('second-run');
    await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: server.password });
    const second = await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: server.password });

    expect(second.newMessages).toEqual([]);
    expect(second.alreadyHeld).toBe(fixtures.length);
  });

  it('verifies the case, then detects one altered byte', async () => {
    const store = await newCase('verify');
    const summary = await acquireMailbox({ store, mailbox: mailboxFor('tls'), password: server.password });
    const before = await verifyCase(store);
    expect(before.problems).toEqual([]);
    expect(before.valid).toBe(true);
    expect(before.messagesChecked).toBe(new Set(summary.newMessages).size);

    const target = summary.newMessages[0] as string;
    const file = store.messagePath(target);
    await fs.chmod(file, 0o644);
    const octets = await fs.readFile(file);
    octets[0] = (octets[0] as number) ^ 0x01;
    await fs.writeFile(file, octets);

    const after = await verifyCase(store);
    expect(after.valid).toBe(false);
    expect(after.problems).toEqual([
      {
        file: `evidence/messages/${target.slice(0, 2)}/${target}.eml`,
        reason: `content SHA-256 is ${sha256(octets)}, but the file name says ${target}`,
      },
    ]);
  });
});
