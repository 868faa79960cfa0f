// Checks the desktop shell's pieces that run without Electron: app URLs, the IPC wrapper, the app://
// file handler, remembered passwords, diagnostics and log rotation.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createLogger, currentLogFile, logToFile, setLogSink } from '../../electron/logging/logger.js';
import { createAppFileHandler } from '../../electron/shell/app-protocol.js';
import { CredentialStore, mailboxKey, type StringEncryptor } from '../../electron/shell/credential-store.js';
import { collectDiagnostics } from '../../electron/shell/diagnostics.js';
import { createIpcListener, isAppFrame } from '../../electron/shell/ipc-guard.js';
import { APP_INDEX_URL, isAppUrl } from '../../electron/shell/window-options.js';
import { MailcaseError } from '../../shared/errors.js';
import { stubHandlers } from '../helpers/stub-handlers.js';

const APP_FRAME = { url: APP_INDEX_URL, parent: null };
const MAILBOX = { host: 'POP.Example.org', port: 995, user: 'suspect' };

/** Reversible stand-in for safeStorage: the tests check the file never contains the plain password. */
function fakeEncryptor(available = true): StringEncryptor {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (text) => Buffer.from([...Buffer.from(text, 'utf8')].map((byte) => byte ^ 0x5a)),
    decryptString: (data) => Buffer.from([...data].map((byte) => byte ^ 0x5a)).toString('utf8'),
  };
}

describe('app URLs', () => {
  it('accepts only app URLs for navigation', () => {
    expect([isAppUrl('app://mailcase/index.html'), isAppUrl('https://mailcase/index.html'), isAppUrl('file:///index.html'), isAppUrl('not a url')]).toEqual([true, false, false, false]);
  });
});

describe('IPC wrapper', () => {
  it('accepts the app page in the top frame', () => {
    expect(isAppFrame({ url: `${APP_INDEX_URL}#messages`, parent: null })).toBe(true);
  });

  it('rejects a subframe of the app page', () => {
    expect(isAppFrame({ url: APP_INDEX_URL, parent: {} })).toBe(false);
  });

  it('rejects another origin', () => {
    expect(isAppFrame({ url: 'https://evil.example/index.html', parent: null })).toBe(false);
  });

  it('rejects a missing frame', () => {
    expect(isAppFrame(null)).toBe(false);
  });

  it('answers a bad sender with UNAUTHORIZED without running the handler', async () => {
    setLogSink(() => undefined);
    const listener = createIpcListener(stubHandlers(), 'case:open');

    const reply = await listener({ senderFrame: { url: 'file:///tmp/evil.html', parent: null } }, { dir: '/cases/one' });

    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'UNAUTHORIZED',
        message: 'IPC caller is not the Mailcase page: case:open',
        userMessage: 'Request rejected because it did not come from the Mailcase window.',
        details: {},
      },
    });
  });

  it('answers bad input with INVALID_INPUT listing the field', async () => {
    setLogSink(() => undefined);
    const listener = createIpcListener(stubHandlers(), 'case:open');

    const reply = await listener({ senderFrame: APP_FRAME }, { dir: 42 });

    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'dir' }] } } });
  });

  it('returns a thrown error as a plain object', async () => {
    setLogSink(() => undefined);
    const handlers = stubHandlers({
      'case:open': async () => {
        throw new MailcaseError('CASE_NOT_FOUND', 'No case in /cases/one', { userMessage: 'No Mailcase case in /cases/one.', details: { dir: '/cases/one' } });
      },
    });
    const listener = createIpcListener(handlers, 'case:open');

    const reply = await listener({ senderFrame: APP_FRAME }, { dir: '/cases/one' });

    expect(reply).toEqual({
      ok: false,
      error: { code: 'CASE_NOT_FOUND', message: 'No case in /cases/one', userMessage: 'No Mailcase case in /cases/one.', details: { dir: '/cases/one' } },
    });
  });
});

describe('app protocol', () => {
  let root: string;

  beforeEach(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-app-'));
    await fs.mkdir(path.join(root, 'renderer', 'assets'), { recursive: true });
    await fs.writeFile(path.join(root, 'renderer', 'index.html'), '<!doctype html><title>Mailcase</title>');
    await fs.writeFile(path.join(root, 'secret.txt'), 'outside');
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('serves the index page with the CSP header', async () => {
    const handler = createAppFileHandler(path.join(root, 'renderer'));

    const response = await handler(new Request('app://mailcase/index.html'));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toBe('<!doctype html><title>Mailcase</title>');
  });

  it('rejects an encoded climb out of the folder', async () => {
    const handler = createAppFileHandler(path.join(root, 'renderer'));

    const response = await handler(new Request('app://mailcase/..%2fsecret.txt'));

    expect(response.status).toBe(400);
  });

  it('answers another host with not found', async () => {
    const handler = createAppFileHandler(path.join(root, 'renderer'));

    const response = await handler(new Request('app://other/index.html'));

    expect(response.status).toBe(404);
  });
});

describe('credential store', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-credentials-'));
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keys a mailbox by user, lower-case host and port', () => {
    expect(mailboxKey(MAILBOX)).toBe('suspect@pop.example.org:995');
  });

  it('returns a saved password', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor());
    await store.save(MAILBOX, 'correct horse');

    expect(await store.load(MAILBOX)).toBe('correct horse');
  });

  it('writes ciphertext only, readable by the owner only', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor());
    await store.save(MAILBOX, 'correct horse');
    const file = path.join(dir, 'credentials.json');

    expect(await fs.readFile(file, 'utf8')).not.toContain('correct horse');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('saves nothing without a keychain', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor(false));

    await expect(store.save(MAILBOX, 'correct horse')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('forgets a saved password', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor());
    await store.save(MAILBOX, 'correct horse');
    await store.forget(MAILBOX);

    expect(await store.has(MAILBOX)).toBe(false);
  });

  it('creates an app secret once and returns it later', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor());
    const first = await store.loadOrCreateSecret('signing-key-passphrase', () => 'generated-1');
    const second = await store.loadOrCreateSecret('signing-key-passphrase', () => 'generated-2');

    expect([first, second]).toEqual(['generated-1', 'generated-1']);
  });

  it('creates no app secret without a keychain', async () => {
    const store = CredentialStore.inFolder(dir, fakeEncryptor(false));

    expect(await store.loadOrCreateSecret('signing-key-passphrase', () => 'generated')).toBe(null);
  });

  it('starts empty when the file is damaged', async () => {
    setLogSink(() => undefined);
    await fs.writeFile(path.join(dir, 'credentials.json'), '{"schemaVersion":');
    const store = CredentialStore.inFolder(dir, fakeEncryptor());

    expect(await store.load(MAILBOX)).toBe(null);
  });
});

describe('diagnostics and log files', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-logs-'));
  });

  afterEach(async () => {
    setLogSink(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('quotes versions and the last log lines', async () => {
    const logFile = path.join(dir, 'mailcase.log');
    await fs.writeFile(logFile, Array.from({ length: 250 }, (_, index) => `line ${index}`).join('\n') + '\n');

    const text = await collectDiagnostics({ logFile, versions: { node: '20.0.0', electron: '41.0.0' }, mode: 'desktop' });
    const lines = text.split('\n');

    expect(lines[0]).toBe('Mailcase 0.1.0 (desktop)');
    expect(lines[2]).toBe('Electron 41.0.0');
    expect(lines.filter((line) => line.startsWith('line '))).toHaveLength(200);
    expect(lines.at(-1)).toBe('line 249');
  });

  it('redacts a password field in a log line', async () => {
    const logFile = path.join(dir, 'mailcase.log');
    logToFile(logFile, 'info');
    createLogger('test').info('Login', { user: 'suspect', password: 'correct horse' });

    expect(await fs.readFile(logFile, 'utf8')).not.toContain('correct horse');
    expect(currentLogFile()).toBe(logFile);
  });

  it('rotates a full log and keeps three older files', async () => {
    const logFile = path.join(dir, 'mailcase.log');
    logToFile(logFile, 'info');
    const log = createLogger('test');
    for (let round = 0; round < 5; round += 1) {
      await fs.writeFile(logFile, Buffer.alloc(5 * 1024 * 1024 + 1, 0x61));
      log.info(`round ${round}`);
    }

    expect((await fs.readdir(dir)).sort()).toEqual(['mailcase.log', 'mailcase.log.1', 'mailcase.log.2', 'mailcase.log.3']);
  });
});
