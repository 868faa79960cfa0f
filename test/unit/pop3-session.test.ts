import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { Pop3Session } from '../../electron/acquisition/pop3-session.js';
import { CASE_LAYOUT, CaseStore } from '../../electron/evidence/case-store.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MailcaseError } from '../../shared/errors.js';
import { POP3_MAX_RESPONSE_LINE } from '../../shared/limits.js';
import type { MailboxConfig } from '../../shared/types.js';

setLogSink(() => undefined);

/** Replies to one command line; returns the octets to send, or 'close' to drop the connection. */
type Reply = (command: string) => string | Buffer | 'close';

interface FakeServer {
  port: number;
  commands: string[];
  close: () => Promise<void>;
}

const openServers: FakeServer[] = [];
const temporaryDirs: string[] = [];

afterEach(async () => {
  for (const server of openServers.splice(0)) await server.close();
  for (const dir of temporaryDirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

/** Starts a scripted POP3 server on 127.0.0.1 that records every command line it receives. */
async function startFakeServer(reply: Reply, greeting: string | Buffer = '+OK fake ready\r\n'): Promise<FakeServer> {
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write(greeting);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let end = pending.indexOf('\r\n');
      while (end !== -1) {
        const command = pending.slice(0, end);
        pending = pending.slice(end + 2);
        commands.push(command);
        const answer = reply(command);
        if (answer === 'close') {
          socket.destroy();
          return;
        }
        socket.write(answer);
        if (command === 'QUIT') socket.end();
        end = pending.indexOf('\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const fake: FakeServer = {
    port: (server.address() as net.AddressInfo).port,
    commands,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  openServers.push(fake);
  return fake;
}

/** Builds the replies of a well-behaved mailbox holding the given raw messages, each ending with CRLF. */
function mailboxReplies(messages: string[], overrides: Partial<Record<string, Reply>> = {}): Reply {
  return (command) => {
    const verb = command.split(' ')[0] ?? '';
    const override = overrides[verb];
    if (override) return override(command);
    switch (verb) {
      case 'USER':
        return '+OK\r\n';
      case 'PASS':
        return '+OK logged in\r\n';
      case 'STAT':
        return `+OK ${messages.length} ${messages.reduce((sum, message) => sum + message.length, 0)}\r\n`;
      case 'UIDL':
        return `+OK\r\n${messages.map((_, index) => `${index + 1} uid-${index + 1}\r\n`).join('')}.\r\n`;
      case 'LIST':
        return `+OK\r\n${messages.map((message, index) => `${index + 1} ${message.length}\r\n`).join('')}.\r\n`;
      case 'RETR': {
        const message = messages[Number(command.split(' ')[1]) - 1] ?? '';
        const stuffed = message.replace(/^\./gm, '..');
        return `+OK ${message.length} octets\r\n${stuffed}.\r\n`;
      }
      case 'QUIT':
        return '+OK bye\r\n';
      default:
        return '-ERR unknown command\r\n';
    }
  };
}

function mailboxAt(port: number, security: MailboxConfig['security'] = 'none'): MailboxConfig {
  return { host: '127.0.0.1', port, security, user: 'suspect' };
}

async function newStore(): Promise<CaseStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-pop3-'));
  temporaryDirs.push(dir);
  return CaseStore.create(path.join(dir, 'case'));
}

async function caught(promise: Promise<unknown>): Promise<MailcaseError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(MailcaseError);
  return error as MailcaseError;
}

const MESSAGES = ['Subject: one\r\n\r\n.hidden dot\r\n', 'Subject: two\r\n\r\nbody\r\n'];

describe('Pop3Session', () => {
  it('maps -ERR on PASS to POP3_AUTH_FAILED', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { PASS: () => '-ERR [AUTH] Authentication failed.\r\n' }));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.login('suspect', 'wrong'));
    session.close();
    expect(error.code).toBe('POP3_AUTH_FAILED');
  });

  it('maps a [SYS/TEMP] reply on PASS to POP3_SERVER_ERROR', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { PASS: () => '-ERR [SYS/TEMP] try later\r\n' }));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.login('suspect', 'secret'));
    session.close();
    expect(error.code).toBe('POP3_SERVER_ERROR');
  });

  it('rejects an over-long response line', async () => {
    const longLine = `+OK ${'x'.repeat(POP3_MAX_RESPONSE_LINE)}\r\n`;
    const server = await startFakeServer(mailboxReplies(MESSAGES, { STAT: () => longLine }));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    await session.login('suspect', 'secret');
    const error = await caught(session.stat());
    session.close();
    expect(error.code).toBe('POP3_PROTOCOL');
    expect(error.details.limit).toBe(POP3_MAX_RESPONSE_LINE);
  });

  it('rejects a greeting that is not +OK or -ERR', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES), 'HELLO\r\n');
    const error = await caught(Pop3Session.connect(mailboxAt(server.port)));
    expect(error.code).toBe('POP3_PROTOCOL');
  });

  it('times out when the server never greets', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES), '');
    const error = await caught(Pop3Session.connect(mailboxAt(server.port), { timeouts: { commandMs: 50 } }));
    expect(error.code).toBe('POP3_TIMEOUT');
  });

  it('suggests TLS when a plain connection gets no greeting', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES), '');
    const error = await caught(Pop3Session.connect(mailboxAt(server.port), { timeouts: { commandMs: 50 } }));
    expect(error.userMessage).toContain('choose security "tls"');
  });

  it('reports a refused connection as POP3_CONNECT_FAILED', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const port = server.port;
    await server.close();
    openServers.splice(openServers.indexOf(server), 1);
    const error = await caught(Pop3Session.connect(mailboxAt(port)));
    expect(error.code).toBe('POP3_CONNECT_FAILED');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it('reports STARTTLS_UNSUPPORTED when CAPA lacks STLS', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { CAPA: () => '+OK\r\nUIDL\r\nUSER\r\n.\r\n' }));
    const error = await caught(Pop3Session.connect(mailboxAt(server.port, 'starttls')));
    expect(error.code).toBe('STARTTLS_UNSUPPORTED');
  });

  it('refuses to send DELE even when called directly', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const command = (session as unknown as { command: (verb: string) => Promise<unknown> }).command.bind(session);
    const error = await caught(command('DELE'));
    session.close();
    expect(error.code).toBe('INTERNAL');
    expect(server.commands).toEqual(['CAPA']);
  });

  it('rejects a user name with a line break', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    const error = await caught(session.login('suspect\r\nDELE 1', 'secret'));
    session.close();
    expect(error.code).toBe('INVALID_INPUT');
    expect(server.commands).toEqual(['CAPA']);
  });

  it('reads UIDL and LIST listings', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    await session.login('suspect', 'secret');
    expect(await session.uidl()).toEqual([
      { messageNumber: 1, value: 'uid-1' },
      { messageNumber: 2, value: 'uid-2' },
    ]);
    expect(await session.list()).toEqual([
      { messageNumber: 1, value: MESSAGES[0]?.length },
      { messageNumber: 2, value: MESSAGES[1]?.length },
    ]);
    await session.quit();
  });

  it('rejects a malformed LIST line', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { LIST: () => '+OK\r\n1 many\r\n.\r\n' }));
    const session = await Pop3Session.connect(mailboxAt(server.port));
    await session.login('suspect', 'secret');
    const error = await caught(session.list());
    session.close();
    expect(error.code).toBe('POP3_PROTOCOL');
  });
});

describe('acquireMailbox with a fake server', () => {
  it('sends only read-only commands, never DELE', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(server.commands).toEqual(['CAPA', 'USER suspect', 'PASS secret', 'UIDL', 'LIST', 'RETR 1', 'RETR 2', 'QUIT']);
  });

  it('stores each message with dot-stuffing undone', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.newMessages.length).toBe(2);
    expect((await store.readMessage(summary.newMessages[0] as string)).toString('latin1')).toBe(MESSAGES[0]);
    expect(summary.warnings).toEqual([]);
  });

  it('stores nothing when a transfer stalls', async () => {
    const server = await startFakeServer(
      mailboxReplies(MESSAGES, {
        RETR: () => '+OK 100 octets\r\nSubject: cut\r\n\r\npartial bo',
      }),
    );
    const store = await newStore();
    // The fake server sends part of the message and then nothing, so the idle timeout ends the transfer.
    const acquisition = acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret', sessionOptions: { timeouts: { transferIdleMs: 50 } } });
    const error = await caught(acquisition);

    expect(error.code).toBe('POP3_TIMEOUT');
    expect(await store.listMessages()).toEqual([]);
    expect(await fs.readdir(path.join(store.dir, CASE_LAYOUT.incoming))).toEqual([]);
  });

  it('reports a connection closed mid-message as POP3_PROTOCOL', async () => {
    let retrCount = 0;
    const server = await startFakeServer(
      mailboxReplies(MESSAGES, {
        RETR: () => {
          retrCount += 1;
          return retrCount === 1 ? 'close' : '-ERR\r\n';
        },
      }),
    );
    const store = await newStore();
    const error = await caught(acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' }));

    expect(error.code).toBe('POP3_PROTOCOL');
    expect(await store.listMessages()).toEqual([]);
    const types = (await store.custodyLog.readAll()).map((entry) => entry.type);
    expect(types).toEqual(['case-created', 'acquisition-started', 'acquisition-failed']);
  });

  it('records a size mismatch and keeps the octets', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { LIST: () => `+OK\r\n1 5\r\n2 ${MESSAGES[1]?.length}\r\n.\r\n` }));
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.warnings.map((warning) => warning.messageNumber)).toEqual([1]);
    expect(await store.listMessages()).toEqual([...summary.newMessages].sort());
    // Message 1 is fetched again after the others, so its entry comes second.
    const acquired = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-acquired');
    expect(acquired.map((entry) => [entry.data.messageNumber, entry.data.sizeMatches, entry.data.retried])).toEqual([
      [2, true, undefined],
      [1, false, true],
    ]);
    expect(server.commands.filter((command) => command === 'RETR 1')).toEqual(['RETR 1', 'RETR 1']);
  });

  it('fetches every message when UIDL is not supported', async () => {
    const server = await startFakeServer(mailboxReplies(MESSAGES, { UIDL: () => '-ERR not supported\r\n' }));
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });
    const second = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(second.newMessages.length).toBe(2);
    expect(second.alreadyHeld).toBe(0);
    const acquired = (await store.custodyLog.readAll()).filter((entry) => entry.type === 'message-acquired');
    expect(acquired.map((entry) => [entry.data.uidl, entry.data.isNew])).toEqual([
      [null, true],
      [null, true],
      [null, false],
      [null, false],
    ]);
  });

  it('writes the password to no case file', async () => {
    const password = 'unique-password-7f3a91';
    const server = await startFakeServer(mailboxReplies(MESSAGES));
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password });

    const custody = await fs.readFile(store.custodyLog.filePath, 'utf8');
    expect(custody.includes(password)).toBe(false);
  });
});
