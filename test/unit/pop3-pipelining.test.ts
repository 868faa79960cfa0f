import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { Pop3Session } from '../../electron/acquisition/pop3-session.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { setLogSink } from '../../electron/logging/logger.js';
import type { AcquisitionProgress, MailboxConfig } from '../../shared/types.js';
import { mailboxHandler, startFakePop3, type Chunking, type FakeConnection, type FakePop3Server } from './pop3-fake-server.js';

setLogSink(() => undefined);

const servers: FakePop3Server[] = [];
const temporaryDirs: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of temporaryDirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

// Dot lines, a bare CR and LF, and a line that looks like the terminator test every decoder state.
const MESSAGES = [
  'Subject: one\r\n\r\n.hidden dot\r\n..two dots\r\n',
  'Subject: two\r\n\r\nbare\rCR and bare\nLF\r\n.\r\n',
  'Subject: three\r\n\r\n' + 'x'.repeat(5_000) + '\r\n',
];

function mailboxAt(port: number): MailboxConfig {
  return { host: '127.0.0.1', port, security: 'none', user: 'suspect' };
}

async function newStore(): Promise<CaseStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-pipelining-'));
  temporaryDirs.push(dir);
  return CaseStore.create(path.join(dir, 'case'));
}

/**
 * Starts a server that offers PIPELINING and holds back every RETR reply until it has received all
 * `expectedRetrs` RETR commands, so that a client that waits for each reply would time out.
 */
async function startPipeliningServer(chunking: Chunking, expectedRetrs: number, seed = 7): Promise<FakePop3Server> {
  const held: { line: string; connection: FakeConnection }[] = [];
  const inner = mailboxHandler(MESSAGES, { capabilities: ['PIPELINING', 'UIDL', 'USER'] });
  const server = await startFakePop3({
    chunking,
    seed,
    handler: (line, connection) => {
      if (!line.startsWith('RETR ')) {
        inner(line, connection);
        return;
      }
      held.push({ line, connection });
      if (held.length < expectedRetrs) return;
      for (const request of held.splice(0)) inner(request.line, request.connection);
    },
  });
  servers.push(server);
  return server;
}

describe('Pop3Session.retrieveMessages', () => {
  for (const chunking of ['whole', 'bytes', 'random'] as const) {
    it(`decodes pipelined replies delivered ${chunking === 'whole' ? 'whole' : chunking === 'bytes' ? 'byte by byte' : 'in random chunks'}`, async () => {
      const server = await startPipeliningServer(chunking, 3);
      const session = await Pop3Session.connect(mailboxAt(server.port), { timeouts: { commandMs: 5_000 } });
      await session.authenticate('secret');

      const received = new Map<number, Buffer[]>();
      const count = await session.retrieveMessages([1, 2, 3], {
        begin: (messageNumber) => {
          const parts: Buffer[] = [];
          received.set(messageNumber, parts);
          return Promise.resolve((octets: Buffer) => {
            parts.push(Buffer.from(octets));
            return Promise.resolve();
          });
        },
        end: () => Promise.resolve(),
      });
      await session.quit();

      expect(count).toBe(3);
      expect([1, 2, 3].map((number) => Buffer.concat(received.get(number) ?? []).toString('latin1'))).toEqual(MESSAGES);
    });
  }

  it('keeps one RETR in flight without PIPELINING', async () => {
    // Each reply waits one turn of the event loop, so a second RETR sent early would find one unanswered.
    let unanswered = 0;
    const unansweredAtArrival: number[] = [];
    const inner = mailboxHandler(MESSAGES, { capabilities: ['UIDL'] });
    const server = await startFakePop3({
      handler: (line, connection) => {
        if (!line.startsWith('RETR ')) {
          inner(line, connection);
          return;
        }
        unansweredAtArrival.push(unanswered);
        unanswered += 1;
        setImmediate(() => {
          inner(line, connection);
          unanswered -= 1;
        });
      },
    });
    servers.push(server);
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.newMessages.length).toBe(3);
    expect(unansweredAtArrival).toEqual([0, 0, 0]);
  });
});

describe('acquireMailbox with pipelining', () => {
  it('stores every message from random chunks', async () => {
    const server = await startPipeliningServer('random', 3, 42);
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret', sessionOptions: { timeouts: { commandMs: 5_000 } } });

    const stored = await Promise.all(summary.newMessages.map(async (sha256) => (await store.readMessage(sha256)).toString('latin1')));
    expect(stored).toEqual(MESSAGES);
    expect(summary.bytes).toBe(MESSAGES.join('').length);
  });

  it('reports progress in messages and octets', async () => {
    const server = await startPipeliningServer('whole', 3);
    const store = await newStore();
    const reports: AcquisitionProgress[] = [];
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret', onProgress: (progress) => reports.push(progress) });

    const downloads = reports.filter((report) => report.phase === 'downloading');
    const last = downloads.at(-1);
    expect(downloads[0]?.bytesTotal).toBe(MESSAGES.join('').length);
    expect(last?.done).toBe(3);
    expect(last?.total).toBe(3);
    expect(last?.bytesDone).toBe(MESSAGES.join('').length);
    expect(last?.etaSeconds).toBe(0);
    expect(reports.at(-1)?.phase).toBe('done');
  });
});

describe('acquireMailbox cancel', () => {
  it('stops after the message in flight without PIPELINING', async () => {
    const cancel = new AbortController();
    const server = await startFakePop3({
      handler: mailboxHandler(MESSAGES, {
        capabilities: ['UIDL'],
        overrides: {
          RETR: () => {
            // The reply still goes out (the default handler runs), but no further RETR may follow.
            cancel.abort();
            return false;
          },
        },
      }),
    });
    servers.push(server);
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret', signal: cancel.signal });

    expect(summary.cancelled).toBe(true);
    expect(summary.newMessages.length).toBe(1);
    expect(server.commands).toEqual(['CAPA', 'USER suspect', 'PASS secret', 'UIDL', 'LIST', 'RETR 1', 'QUIT']);
    expect(await store.listMessages()).toEqual([...summary.newMessages]);
  });

  it('stores every pipelined message already requested', async () => {
    const cancel = new AbortController();
    const server = await startPipeliningServer('random', 3);
    const store = await newStore();
    const summary = await acquireMailbox({
      store,
      mailbox: mailboxAt(server.port),
      password: 'secret',
      signal: cancel.signal,
      onProgress: (progress) => {
        if (progress.phase === 'downloading' && progress.done === 1) cancel.abort();
      },
    });

    expect(summary.cancelled).toBe(true);
    expect(summary.newMessages.length).toBe(3);
    expect(server.commands.at(-1)).toBe('QUIT');
  });

  it('logs acquisition-cancelled with the counts', async () => {
    const cancel = new AbortController();
    const server = await startFakePop3({
      handler: mailboxHandler(MESSAGES, {
        capabilities: ['UIDL'],
        overrides: {
          RETR: () => {
            cancel.abort();
            return false;
          },
        },
      }),
    });
    servers.push(server);
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret', signal: cancel.signal });

    const entries = await store.custodyLog.readAll();
    const cancelled = entries.find((entry) => entry.type === 'acquisition-cancelled');
    expect(entries.map((entry) => entry.type)).toEqual(['case-created', 'acquisition-started', 'message-acquired', 'acquisition-cancelled']);
    expect(cancelled?.data.newCount).toBe(1);
    expect(cancelled?.data.new).toEqual(['uid-1']);
    expect(cancelled?.data.serverMessageCount).toBe(3);
    expect(cancelled?.data.transcript).toEqual(summary.transcript);
  });
});
