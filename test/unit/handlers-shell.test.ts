// Checks the handler table's desktop duties: the open-case lock, remembered passwords and diagnostics.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createHandlers, OPEN_CASE_LOCK_FILE } from '../../electron/api/handlers.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { CredentialStore, type StringEncryptor } from '../../electron/shell/credential-store.js';

const MAILBOX = { host: '127.0.0.1', port: 1, security: 'tls' as const, user: 'suspect' };

function fakeEncryptor(): StringEncryptor {
  return {
    isEncryptionAvailable: () => true,
    encryptString: (text) => Buffer.from(text, 'utf8').reverse(),
    decryptString: (data) => Buffer.from(data).reverse().toString('utf8'),
  };
}

describe('handlers for the desktop shell', () => {
  let dir: string;
  let caseDir: string;

  beforeEach(async () => {
    setLogSink(() => undefined);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-shell-handlers-'));
    caseDir = path.join(dir, 'case');
  });

  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('locks an open case against a second window', async () => {
    const first = createHandlers({ configDir: path.join(dir, 'config'), lockOpenCases: true });
    const second = createHandlers({ configDir: path.join(dir, 'config'), lockOpenCases: true });
    await first['case:open']({ dir: caseDir, create: true });

    await expect(second['case:open']({ dir: caseDir, create: false })).rejects.toMatchObject({ code: 'CASE_LOCKED' });
    await fs.rm(path.join(caseDir, OPEN_CASE_LOCK_FILE));
  });

  it('takes over the lock of a process that no longer runs', async () => {
    await createHandlers({ configDir: path.join(dir, 'config') })['case:open']({ dir: caseDir, create: true });
    // Process ids above the kernel's limit (4194304 at most on Linux) never run.
    await fs.writeFile(path.join(caseDir, OPEN_CASE_LOCK_FILE), `99999999 ${os.hostname()}\n`);
    const handlers = createHandlers({ configDir: path.join(dir, 'config'), lockOpenCases: true });

    const summary = await handlers['case:open']({ dir: caseDir, create: false });

    expect(summary.dir).toBe(caseDir);
    expect(await fs.readFile(path.join(caseDir, OPEN_CASE_LOCK_FILE), 'utf8')).toBe(`${process.pid} ${os.hostname()}\n`);
    await fs.rm(path.join(caseDir, OPEN_CASE_LOCK_FILE));
  });

  it('asks for the password when none is typed or remembered', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config'), credentials: CredentialStore.inFolder(dir, fakeEncryptor()) });

    await expect(handlers['mailbox:test']({ mailbox: MAILBOX, rememberPassword: false })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      userMessage: 'Enter the mailbox password.',
    });
  });

  it('reports a remembered password', async () => {
    const credentials = CredentialStore.inFolder(dir, fakeEncryptor());
    await credentials.save(MAILBOX, 'correct horse');
    const handlers = createHandlers({ configDir: path.join(dir, 'config'), credentials });

    expect(await handlers['credentials:status']({ mailbox: MAILBOX })).toEqual({ available: true, saved: true });
  });

  it('forgets a remembered password', async () => {
    const credentials = CredentialStore.inFolder(dir, fakeEncryptor());
    await credentials.save(MAILBOX, 'correct horse');
    const handlers = createHandlers({ configDir: path.join(dir, 'config'), credentials });

    await handlers['credentials:forget']({ mailbox: MAILBOX });

    expect(await credentials.has(MAILBOX)).toBe(false);
  });

  it('offers no remembering without a credential store', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config') });

    expect(await handlers['credentials:status']({ mailbox: MAILBOX })).toEqual({ available: false, saved: false });
  });

  it('names the mode in diagnostics', async () => {
    const handlers = createHandlers({ configDir: path.join(dir, 'config'), mode: 'desktop' });

    const { text } = await handlers['app:diagnostics']({});

    expect(text.split('\n')[0]).toBe('Mailcase 0.1.0 (desktop)');
  });
});
