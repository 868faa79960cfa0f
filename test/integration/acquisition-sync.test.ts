// Acquires real Dovecot 2.3 mailboxes with every login method and security mode. Follows a mailbox across
// runs as messages are added, removed and restored, and checks the protocol transcript. Measures the memory of
// a child process that acquires a 50 MB message. The CLI and memory tests run the compiled code: `npm run build`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import net from 'node:net';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
import { setLogSink } from '../../electron/logging/logger.js';
import type { AcquisitionSummary, MailboxConfig, MailboxSecurity } from '../../shared/types.js';
import { startDovecot, type DovecotServer } from '../helpers/dovecot.js';

setLogSink(() => undefined);

const execFileAsync = promisify(execFile);
const PASSWORD = 'Sync-secret-5b2e77';
const BODY_MARKER = 'body-marker-9d41c0';

function message(index: number): Buffer {
  return Buffer.from(`Subject: message ${index}\r\nMessage-ID: <m${index}@sync.example>\r\n\r\n${BODY_MARKER} number ${index}\r\n`);
}

function sha256(octets: Buffer | string): string {
  return createHash('sha256').update(octets).digest('hex');
}

let workDir: string;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-sync-'));
});

afterAll(async () => {
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
});

function mailboxFor(server: DovecotServer, security: MailboxSecurity, auth: MailboxConfig['auth'] = 'auto'): MailboxConfig {
  return {
    host: server.host,
    port: security === 'tls' ? server.pop3sPort : server.plainPort,
    security,
    user: server.user,
    auth,
    trustFingerprint: security === 'none' ? undefined : server.certFingerprint,
  };
}

async function readTranscript(store: CaseStore, summary: AcquisitionSummary): Promise<string> {
  return fs.readFile(path.join(store.dir, summary.transcript?.file ?? 'missing'), 'latin1');
}

/** Returns the client lines of a transcript without their time stamps. */
function clientLines(transcript: string): string[] {
  return transcript
    .split('\n')
    .filter((line) => / C /.test(line))
    .map((line) => line.slice(line.indexOf(' C ') + 3));
}

const METHODS = [
  { mechanisms: ['plain'], auth: 'auto', login: ['AUTH PLAIN [redacted]'] },
  { mechanisms: ['login'], auth: 'auto', login: ['AUTH LOGIN', '[redacted]', '[redacted]'] },
  { mechanisms: ['apop'], auth: 'apop', login: ['APOP suspect [redacted]'] },
] as const;

describe('login methods against Dovecot', () => {
  for (const method of METHODS) {
    describe(`with auth_mechanisms = ${method.mechanisms.join(' ')}`, () => {
      let server: DovecotServer;

      beforeAll(async () => {
        server = await startDovecot({ messages: [message(1), message(2)], password: PASSWORD, mechanisms: [...method.mechanisms] });
      });

      afterAll(async () => {
        await server?.stop();
      });

      for (const security of ['none', 'starttls', 'tls'] as const) {
        it(`logs in and acquires over ${security}`, async () => {
          const store = await CaseStore.create(path.join(workDir, `login-${method.mechanisms[0]}-${security}`));
          const summary = await acquireMailbox({ store, mailbox: mailboxFor(server, security, method.auth), password: PASSWORD });

          expect(summary.newMessages).toEqual([sha256(message(1)), sha256(message(2))]);
          const sent = clientLines(await readTranscript(store, summary));
          const firstLogin = sent.findIndex((line) => /^(AUTH|USER|APOP)/.test(line));
          expect(sent.slice(firstLogin, firstLogin + method.login.length)).toEqual([...method.login]);
        });
      }
    });
  }
});

/**
 * Starts a loopback proxy to Dovecot's plain port that removes the SASL line from CAPA replies until the
 * client sends its first USER, so that 'auto' falls back to USER and PASS. Later octets pass unchanged.
 */
async function startSaslHidingProxy(targetPort: number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    let filtering = true;
    let pending = '';
    client.on('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').startsWith('USER ')) filtering = false;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!filtering) {
        client.write(chunk);
        return;
      }
      pending += chunk.toString('latin1');
      const end = pending.lastIndexOf('\r\n') + 2;
      const complete = pending.slice(0, end);
      pending = pending.slice(end);
      client.write(Buffer.from(complete.split('\r\n').filter((line) => !line.startsWith('SASL')).join('\r\n'), 'latin1'));
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

describe('USER and PASS against Dovecot', () => {
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot({ messages: [message(1)], password: PASSWORD });
  });

  afterAll(async () => {
    await server?.stop();
  });

  // Dovecot always lists its mechanisms on the CAPA SASL line, so a proxy hides that line. This works only
  // without TLS, because the proxy must read the replies.
  it('falls back to USER and PASS without a SASL line', async () => {
    const proxy = await startSaslHidingProxy(server.plainPort);
    try {
      const store = await CaseStore.create(path.join(workDir, 'user-pass'));
      const summary = await acquireMailbox({ store, mailbox: { ...mailboxFor(server, 'none'), port: proxy.port }, password: PASSWORD });

      expect(summary.newMessages).toEqual([sha256(message(1))]);
      expect(clientLines(await readTranscript(store, summary))).toEqual(['CAPA', 'USER suspect', 'PASS [redacted]', 'UIDL', 'LIST', 'RETR 1', 'QUIT']);
    } finally {
      await proxy.close();
    }
  });
});

describe('incremental sync against Dovecot', () => {
  let server: DovecotServer;
  let store: CaseStore;
  let uidls: string[];

  beforeAll(async () => {
    server = await startDovecot({ messages: [message(0), message(1), message(2)], password: PASSWORD, uidlFormat: 'filename' });
    store = await CaseStore.create(path.join(workDir, 'sync'));
  });

  afterAll(async () => {
    await server?.stop();
  });

  const acquire = (): Promise<AcquisitionSummary> => acquireMailbox({ store, mailbox: mailboxFor(server, 'tls'), password: PASSWORD });

  it('fetches every message on the first run', async () => {
    const first = await acquire();
    uidls = first.new;

    expect(first.new.length).toBe(3);
    expect(first.held).toBe(0);
    expect(first.vanished).toEqual([]);
    expect(first.reappeared).toEqual([]);
    expect(first.sizeChanged).toEqual([]);
    expect(first.bytes).toBe(message(0).length + message(1).length + message(2).length);
  });

  it('reports added and removed messages', async () => {
    await server.addMessages([message(3), message(4)]);
    await server.removeMessages([0]);
    const second = await acquire();
    uidls.push(...second.new);

    expect(second.new.length).toBe(2);
    expect(second.newMessages).toEqual([sha256(message(3)), sha256(message(4))]);
    expect(second.held).toBe(2);
    expect(second.vanished).toEqual([uidls[0]]);
    expect(second.reappeared).toEqual([]);
    expect(second.bytes).toBe(message(3).length + message(4).length);
  });

  it('reports a message that is back', async () => {
    await server.restoreMessages([0]);
    await server.removeMessages([1]);
    const third = await acquire();

    expect(third.new).toEqual([]);
    expect(third.held).toBe(4);
    expect(third.vanished).toEqual([uidls[1]]);
    expect(third.reappeared).toEqual([uidls[0]]);
    expect(third.bytes).toBe(0);
  });

  it('reports each change only once', async () => {
    const fourth = await acquire();

    expect(fourth.new).toEqual([]);
    expect(fourth.held).toBe(4);
    expect(fourth.vanished).toEqual([]);
    expect(fourth.reappeared).toEqual([]);
  });

  it('logs the run record in the custody log', async () => {
    const finished = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'acquisition-finished');
    expect(finished.map((entry) => entry.data.vanished)).toEqual([[], [uidls[0]], [uidls[1]], []]);
    expect(finished.map((entry) => entry.data.reappeared)).toEqual([[], [], [uidls[0]], []]);
    expect(finished.map((entry) => (entry.data.new as string[]).length)).toEqual([3, 2, 0, 0]);
  });

  it('leaves a case that verifies', async () => {
    const result = await verifyCase(store);
    expect(result.problems).toEqual([]);
  });
});

describe('transcript against Dovecot', () => {
  let server: DovecotServer;
  let transcript: string;
  let summary: AcquisitionSummary;
  let store: CaseStore;

  beforeAll(async () => {
    server = await startDovecot({ messages: [message(1), message(2)], password: PASSWORD, mechanisms: ['plain', 'login'] });
    store = await CaseStore.create(path.join(workDir, 'transcript'));
    summary = await acquireMailbox({ store, mailbox: mailboxFor(server, 'starttls'), password: PASSWORD });
    transcript = await readTranscript(store, summary);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('contains no password', () => {
    expect(transcript.includes(PASSWORD)).toBe(false);
    expect(transcript.includes(Buffer.from(`\0${server.user}\0${PASSWORD}`).toString('base64'))).toBe(false);
  });

  it('contains no message body', () => {
    expect(transcript.includes(BODY_MARKER)).toBe(false);
    expect(transcript.includes('Subject: message')).toBe(false);
  });

  it('summarises each body with size and hash', () => {
    expect(transcript).toContain(`message 1 body: ${message(1).length} octets, SHA-256 ${sha256(message(1))}`);
    expect(transcript).toContain(`message 2 body: ${message(2).length} octets, SHA-256 ${sha256(message(2))}`);
  });

  it('matches the hash in the custody log', async () => {
    const finished = (await store.custodyLog.readAll()).find((entry) => entry.type === 'acquisition-finished');
    expect(finished?.data.transcript).toEqual({ file: `custody/transcripts/${summary.runId}.log`, sha256: sha256(Buffer.from(transcript, 'latin1')) });
  });

  it('records both directions with UTC times', () => {
    const lines = transcript.trimEnd().split('\n');
    const malformed = lines.filter((line) => !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [CS*] /.test(line));
    expect(malformed).toEqual([]);
    expect(clientLines(transcript).slice(0, 3)).toEqual(['CAPA', 'STLS', 'CAPA']);
  });

  it('is checked by verify-case', async () => {
    const file = path.join(store.dir, summary.transcript?.file ?? 'missing');
    expect((await verifyCase(store)).problems).toEqual([]);

    await fs.chmod(file, 0o644);
    await fs.appendFile(file, 'extra line\n');
    const after = await verifyCase(store);
    expect(after.problems.map((problem) => problem.file)).toEqual([summary.transcript?.file]);
  });
});

describe('mailcase acquire --json', () => {
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot({ messages: [message(1), message(2)], password: PASSWORD, uidlFormat: 'filename' });
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function runAcquire(caseDir: string): Promise<Record<string, unknown>> {
    const args = ['acquire', '--case', caseDir, '--host', server.host, '--port', String(server.plainPort), '--security', 'none', '--user', server.user, '--json'];
    const { stdout } = await execFileAsync(process.execPath, [path.resolve('bin/mailcase.js'), ...args], {
      env: { ...process.env, MAILCASE_PASSWORD: PASSWORD, MAILCASE_CONFIG_DIR: path.join(workDir, 'config') },
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  it('prints the run record', async () => {
    const caseDir = path.join(workDir, 'cli-json');
    const first = await runAcquire(caseDir);
    await server.removeMessages([0]);
    const second = await runAcquire(caseDir);

    expect(first.new).toBe(2);
    expect(first.held).toBe(0);
    expect(first.bytes).toBe(message(1).length + message(2).length);
    expect(first.newMessages).toEqual([sha256(message(1)), sha256(message(2))]);
    expect(second.new).toBe(0);
    expect(second.held).toBe(1);
    expect(second.vanished).toEqual([(first.newUidls as string[])[0]]);
    expect(second.reappeared).toEqual([]);
    expect(second.sizeChanged).toEqual([]);
    expect(second.bytes).toBe(0);
  });
});

describe('memory while acquiring a 50 MB message', () => {
  const MESSAGE_OCTETS = 50 * 1024 * 1024;
  const MAX_RSS_OCTETS = 100 * 1024 * 1024;
  let server: DovecotServer;

  beforeAll(async () => {
    const line = `${'A'.repeat(76)}\r\n`;
    const header = 'Subject: large\r\n\r\n';
    const big = Buffer.from(header + line.repeat(Math.ceil((MESSAGE_OCTETS - header.length) / line.length)));
    server = await startDovecot({ messages: [big], password: PASSWORD });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('keeps the peak RSS of the acquiring process under 100 MB', async () => {
    const dist = path.resolve('dist/electron');
    const script = `
      const { acquireMailbox } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'acquisition/acquire-mailbox.js')).href)});
      const { CaseStore } = await import(${JSON.stringify(pathToFileURL(path.join(dist, 'evidence/case-store.js')).href)});
      const store = await CaseStore.create(process.env.CASE_DIR);
      const mailbox = JSON.parse(process.env.MAILBOX);
      const summary = await acquireMailbox({ store, mailbox, password: process.env.MAILCASE_PASSWORD });
      process.stdout.write(JSON.stringify({ bytes: summary.bytes, maxRssKiB: process.resourceUsage().maxRSS }));
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...process.env,
        CASE_DIR: path.join(workDir, 'large'),
        MAILBOX: JSON.stringify(mailboxFor(server, 'tls')),
        MAILCASE_PASSWORD: PASSWORD,
        MAILCASE_CONFIG_DIR: path.join(workDir, 'config'),
      },
    });
    const result = JSON.parse(stdout) as { bytes: number; maxRssKiB: number };

    expect(result.bytes).toBeGreaterThanOrEqual(MESSAGE_OCTETS);
    expect(result.maxRssKiB * 1024).toBeLessThan(MAX_RSS_OCTETS);
  });
});
