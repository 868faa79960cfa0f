import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { CASE_LAYOUT, CaseStore } from '../../electron/evidence/case-store.js';
import { verifyCase } from '../../electron/evidence/verify-case.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { MailcaseError } from '../../shared/errors.js';
import type { MailboxConfig } from '../../shared/types.js';
import { mailboxHandler, startFakePop3, type FakePop3Server, type MailboxHandlerOptions } from './pop3-fake-server.js';

setLogSink(() => undefined);

const servers: FakePop3Server[] = [];
const temporaryDirs: string[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of temporaryDirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

const MESSAGES = ['Subject: one\r\n\r\nfirst body\r\n', 'Subject: two\r\n\r\nsecond body\r\n'];

function sha256(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex');
}

async function fakeServer(messages: string[], options: MailboxHandlerOptions = {}): Promise<FakePop3Server> {
  const server = await startFakePop3({ handler: mailboxHandler(messages, { capabilities: ['UIDL', 'PIPELINING'], ...options }) });
  servers.push(server);
  return server;
}

function mailboxAt(port: number): MailboxConfig {
  return { host: '127.0.0.1', port, security: 'none', user: 'suspect' };
}

async function newStore(): Promise<CaseStore> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-durability-'));
  temporaryDirs.push(dir);
  return CaseStore.create(path.join(dir, 'case'));
}

async function entriesOfType(store: CaseStore, type: string): Promise<Record<string, unknown>[]> {
  return (await store.custodyLog.readAll()).filter((entry) => entry.type === type).map((entry) => entry.data);
}

async function listAllFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('acquireMailbox durability', () => {
  it('adopts a stored file that has no custody entry', async () => {
    const store = await newStore();
    // A crash between the rename and the custody append leaves exactly this: the file without its entry.
    const writer = await store.createEvidenceWriter();
    await writer.write(Buffer.from(MESSAGES[0] as string, 'latin1'));
    await writer.commit();
    expect((await verifyCase(store)).valid).toBe(false);

    const server = await fakeServer(MESSAGES);
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    const acquired = await entriesOfType(store, 'message-acquired');
    expect(acquired.map((data) => [data.sha256, data.isNew, data.recovered])).toEqual([
      [sha256(MESSAGES[0] as string), false, true],
      [sha256(MESSAGES[1] as string), true, undefined],
    ]);
    expect((await verifyCase(store)).problems).toEqual([]);
  });

  it('fetches again a held message whose file is missing', async () => {
    const store = await newStore();
    const server = await fakeServer(MESSAGES);
    const first = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });
    const lost = store.messagePath(sha256(MESSAGES[1] as string));
    await fs.rm(lost, { force: true });

    const second = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });
    const warnings = await entriesOfType(store, 'acquisition-warning');

    expect(second.refetched).toEqual([first.new[1]]);
    expect(second.new).toEqual([]);
    expect(second.held).toBe(1);
    expect(await fs.readFile(lost, 'latin1')).toBe(MESSAGES[1]);
    expect(warnings.map((data) => [data.kind, data.uidls])).toEqual([['evidence-missing', [first.new[1]]]]);
    expect((await verifyCase(store)).problems).toEqual([]);
  });

  it('goes on after a RETR the server refuses', async () => {
    const store = await newStore();
    const server = await fakeServer(MESSAGES, {
      overrides: {
        RETR: (line, connection) => {
          if (line !== 'RETR 1') return false;
          connection.send('-ERR [SYS/TEMP] message 1 is being delivered\r\n');
        },
      },
    });

    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });
    const failures = await entriesOfType(store, 'message-failed');

    expect(summary.failed).toEqual([{ messageNumber: 1, uidl: 'uid-1', reply: '[SYS/TEMP] message 1 is being delivered' }]);
    expect(summary.new).toEqual(['uid-2']);
    expect(summary.newMessages).toEqual([sha256(MESSAGES[1] as string)]);
    expect(failures.map((data) => [data.messageNumber, data.reply])).toEqual([[1, '[SYS/TEMP] message 1 is being delivered']]);
    expect(await store.listMessages()).toEqual([sha256(MESSAGES[1] as string)]);
  });

  it('removes temporary files of an interrupted run', async () => {
    const store = await newStore();
    const incoming = path.join(store.dir, CASE_LAYOUT.incoming);
    await fs.writeFile(path.join(incoming, 'incoming-1-2-3.tmp'), 'half a message');

    const server = await fakeServer(MESSAGES);
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(await fs.readdir(incoming)).toEqual([]);
    expect((await store.listMessages()).length).toBe(2);
  });

  it('logs every message of several batches after its file', async () => {
    const messages = Array.from({ length: 70 }, (_, index) => `Subject: ${index}\r\n\r\nbody ${index}\r\n`);
    const server = await fakeServer(messages);
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    const acquired = await entriesOfType(store, 'message-acquired');
    expect(acquired.map((data) => data.messageNumber)).toEqual(messages.map((_, index) => index + 1));
    expect(summary.newMessages).toEqual(messages.map(sha256));
    expect(await store.custodyLog.verifyChain()).toEqual([]);
    expect((await verifyCase(store)).problems).toEqual([]);
  });

  it('stores complete messages received before a failure', async () => {
    let retrCount = 0;
    const server = await fakeServer(MESSAGES, {
      capabilities: ['UIDL'],
      overrides: {
        RETR: (_line, connection) => {
          retrCount += 1;
          if (retrCount === 1) return false;
          connection.close();
          return true;
        },
      },
    });
    const store = await newStore();
    const error = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' }).catch((caught: unknown) => caught);

    expect((error as MailcaseError).code).toBe('POP3_PROTOCOL');
    expect(await store.listMessages()).toEqual([sha256(MESSAGES[0] as string)]);
    expect((await entriesOfType(store, 'message-acquired')).map((data) => data.messageNumber)).toEqual([1]);
  });

  it('saves the transcript of a failed run', async () => {
    const server = await fakeServer(MESSAGES, { capabilities: [], overrides: { PASS: (_line, connection) => connection.send('-ERR [AUTH] wrong\r\n') } });
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'wrong-secret' }).catch(() => undefined);

    const [failed] = await entriesOfType(store, 'acquisition-failed');
    const transcript = failed?.transcript as { file: string; sha256: string };
    const text = await fs.readFile(path.join(store.dir, transcript.file));
    expect(createHash('sha256').update(text).digest('hex')).toBe(transcript.sha256);
    expect(text.toString('latin1')).toContain(' C PASS [redacted]\n');
    expect(text.toString('latin1')).toContain(' S -ERR [AUTH] wrong\n');
  });

  it('writes the password to no case file', async () => {
    const password = 'unique-password-c0ffee';
    const server = await fakeServer(MESSAGES);
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password });

    const withPassword: string[] = [];
    for (const file of await listAllFiles(store.dir)) {
      if ((await fs.readFile(file, 'latin1')).includes(password)) withPassword.push(file);
    }
    expect(withPassword).toEqual([]);
  });
});

describe('acquireMailbox run record', () => {
  it('warns in the custody log when UIDL is missing', async () => {
    const server = await fakeServer(MESSAGES, { overrides: { UIDL: (_line, connection) => connection.send('-ERR no UIDL\r\n') } });
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.uidlSupported).toBe(false);
    expect(summary.new).toEqual([]);
    expect(summary.newMessages.length).toBe(2);
    expect((await entriesOfType(store, 'acquisition-warning')).map((data) => data.kind)).toEqual(['no-uidl']);
  });

  it('lists held UIDLs whose size changed', async () => {
    const messages = [...MESSAGES];
    const server = await fakeServer(messages);
    const store = await newStore();
    await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    // The handler reads the array on every command, so the second run gets the longer message 2.
    messages[1] = `${MESSAGES[1] as string}longer\r\n`;
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.sizeChanged).toEqual(['uid-2']);
    expect(summary.held).toBe(2);
    expect(summary.new).toEqual([]);
  });

  it('stores the retry when it matches the LIST size', async () => {
    let retrCount = 0;
    const server = await fakeServer(MESSAGES, {
      overrides: {
        RETR: (line, connection) => {
          if (line !== 'RETR 1') return false;
          retrCount += 1;
          if (retrCount > 1) return false;
          connection.send('+OK\r\nSubject: one\r\n\r\ncut\r\n.\r\n');
          return true;
        },
      },
    });
    const store = await newStore();
    const summary = await acquireMailbox({ store, mailbox: mailboxAt(server.port), password: 'secret' });

    expect(summary.warnings).toEqual([]);
    expect(summary.newMessages).toEqual(MESSAGES.map(sha256));
    const acquired = await entriesOfType(store, 'message-acquired');
    const retried = acquired.find((data) => data.messageNumber === 1);
    expect(retried?.firstReceivedSize).toBe('Subject: one\r\n\r\ncut\r\n'.length);
    expect(retried?.firstSha256).toBe(sha256('Subject: one\r\n\r\ncut\r\n'));
    expect(retried?.sizeMatches).toBe(true);
    expect(await store.listMessages()).toEqual(MESSAGES.map(sha256).sort());
  });
});
