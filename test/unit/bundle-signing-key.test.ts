import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadOrCreateSigningKey, readPublicKey, readSigningKeyState } from '../../electron/bundle/signing-key.js';
import { MailcaseError } from '../../shared/errors.js';

const run = promisify(execFile);
const PASSPHRASE = 'correct horse battery staple';

let configDir: string;
let privatePath: string;

beforeEach(async () => {
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-key-'));
  privatePath = path.join(configDir, 'keys', 'signing-key.pem');
});

afterEach(async () => {
  await fs.rm(configDir, { recursive: true, force: true });
});

async function captureError(promise: Promise<unknown>): Promise<MailcaseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MailcaseError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

describe('signing key passphrase', () => {
  it('stores a new key as encrypted PKCS#8', async () => {
    await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const pem = await fs.readFile(privatePath, 'utf8');
    expect(pem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----\n')).toBe(true);
    expect(await readSigningKeyState(configDir)).toBe('encrypted');
  });

  it('keeps the encrypted key readable by the owner only', async () => {
    await loadOrCreateSigningKey(configDir, PASSPHRASE);

    expect((await fs.stat(privatePath)).mode & 0o777).toBe(0o600);
  });

  it('reuses the key with the same passphrase', async () => {
    const first = await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const second = await loadOrCreateSigningKey(configDir, PASSPHRASE);

    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('rejects a wrong passphrase', async () => {
    await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const error = await captureError(loadOrCreateSigningKey(configDir, 'another passphrase'));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.details['reason']).toBe('passphrase-wrong');
  });

  it('requires a passphrase for an encrypted key', async () => {
    await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const error = await captureError(loadOrCreateSigningKey(configDir));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.details['reason']).toBe('passphrase-required');
  });

  it('rejects a passphrase shorter than 8 characters', async () => {
    const error = await captureError(loadOrCreateSigningKey(configDir, 'short'));

    expect(error.code).toBe('KEY_INVALID');
    expect(await readSigningKeyState(configDir)).toBe('missing');
  });

  it('encrypts an existing unencrypted key on first use with a passphrase', async () => {
    const plain = await loadOrCreateSigningKey(configDir);
    expect(await readSigningKeyState(configDir)).toBe('unencrypted');

    const migrated = await loadOrCreateSigningKey(configDir, PASSPHRASE);

    expect(migrated.fingerprint).toBe(plain.fingerprint);
    expect(await readSigningKeyState(configDir)).toBe('encrypted');
    expect((await fs.stat(privatePath)).mode & 0o777).toBe(0o600);
  });

  it('leaves no temporary file after the migration', async () => {
    await loadOrCreateSigningKey(configDir);

    await loadOrCreateSigningKey(configDir, PASSPHRASE);

    expect((await fs.readdir(path.join(configDir, 'keys'))).sort()).toEqual(['signing-key.pem', 'signing-key.pub.pem']);
  });

  it('writes a key that openssl decrypts with the passphrase', async () => {
    const key = await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const { stdout } = await run('openssl', ['pkey', '-in', privatePath, '-passin', 'env:KEY_PASS', '-pubout'], {
      env: { ...process.env, KEY_PASS: PASSPHRASE },
    });

    expect(stdout).toBe(key.publicKeyPem);
  });

  it('rejects an encrypted key that is not Ed25519', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await fs.mkdir(path.dirname(privatePath), { recursive: true });
    await fs.writeFile(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }));

    const error = await captureError(loadOrCreateSigningKey(configDir, PASSPHRASE));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toContain('not Ed25519');
  });
});

describe('readPublicKey', () => {
  it('returns the public key without the passphrase', async () => {
    const key = await loadOrCreateSigningKey(configDir, PASSPHRASE);

    const exported = await readPublicKey(configDir);

    expect(exported).toEqual({ publicKeyPem: key.publicKeyPem, fingerprint: key.fingerprint });
  });

  it('creates an encrypted key pair when there is none', async () => {
    const exported = await readPublicKey(configDir, PASSPHRASE);

    expect(exported.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await readSigningKeyState(configDir)).toBe('encrypted');
  });
});
