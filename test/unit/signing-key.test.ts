import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultConfigDir, loadOrCreateSigningKey } from '../../electron/bundle/signing-key.js';
import { MailcaseError } from '../../shared/errors.js';

let configDir: string;

beforeEach(async () => {
  configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-keys-'));
});

afterEach(async () => {
  await fs.rm(configDir, { recursive: true, force: true });
});

const keysDir = (): string => path.join(configDir, 'keys');
const privatePath = (): string => path.join(keysDir(), 'signing-key.pem');
const publicPath = (): string => path.join(keysDir(), 'signing-key.pub.pem');

async function captureError(promise: Promise<unknown>): Promise<MailcaseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MailcaseError) return error;
    throw error;
  }
  throw new Error('expected the promise to reject');
}

describe('loadOrCreateSigningKey', () => {
  it.runIf(process.platform !== 'win32')('creates the private key with mode 0600', async () => {
    await loadOrCreateSigningKey(configDir);

    const stat = await fs.stat(privatePath());
    expect(stat.mode & 0o777).toBe(0o600);
  });

  it.runIf(process.platform !== 'win32')('creates the keys folder with mode 0700', async () => {
    await loadOrCreateSigningKey(configDir);

    const stat = await fs.stat(keysDir());
    expect(stat.mode & 0o777).toBe(0o700);
  });

  it('stores the private key as PKCS#8 PEM', async () => {
    await loadOrCreateSigningKey(configDir);

    const pem = await fs.readFile(privatePath(), 'utf8');
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
  });

  it('stores the public key as SPKI PEM', async () => {
    const key = await loadOrCreateSigningKey(configDir);

    const pem = await fs.readFile(publicPath(), 'utf8');
    expect(pem).toBe(key.publicKeyPem);
    expect(pem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
  });

  it('creates an Ed25519 key', async () => {
    const key = await loadOrCreateSigningKey(configDir);

    expect(key.privateKey.asymmetricKeyType).toBe('ed25519');
  });

  it('computes the fingerprint over the SPKI DER', async () => {
    const key = await loadOrCreateSigningKey(configDir);

    const der = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(key.fingerprint).toBe(createHash('sha256').update(der).digest('hex'));
    expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reuses the key on a second call', async () => {
    const first = await loadOrCreateSigningKey(configDir);
    const pemAfterFirst = await fs.readFile(privatePath(), 'utf8');

    const second = await loadOrCreateSigningKey(configDir);

    expect(second.fingerprint).toBe(first.fingerprint);
    expect(await fs.readFile(privatePath(), 'utf8')).toBe(pemAfterFirst);
  });

  it('recreates a missing public key file from the private key', async () => {
    const first = await loadOrCreateSigningKey(configDir);
    await fs.rm(publicPath());

    const second = await loadOrCreateSigningKey(configDir);

    expect(second.fingerprint).toBe(first.fingerprint);
    expect(await fs.readFile(publicPath(), 'utf8')).toBe(first.publicKeyPem);
  });

  it('derives the key encryption key with 600,000 PBKDF2 iterations', async () => {
    await loadOrCreateSigningKey(configDir, 'correct horse battery');

    // 600,000 is 0x927C0; asn1parse prints the PBKDF2 parameters of the encrypted PKCS#8 file.
    const parsed = execFileSync('openssl', ['asn1parse', '-in', privatePath()], { encoding: 'utf8' });

    expect(parsed).toContain('PBKDF2');
    expect(parsed).toContain('INTEGER           :0927C0');
    expect(parsed).toContain('hmacWithSHA256');
  });

  it('refuses to replace a missing private key beside its public key', async () => {
    await loadOrCreateSigningKey(configDir);
    await fs.rm(privatePath());

    await expect(loadOrCreateSigningKey(configDir)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    await expect(fs.stat(privatePath())).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('rejects an invalid private key PEM', async () => {
    await fs.mkdir(keysDir(), { recursive: true });
    await fs.writeFile(privatePath(), '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');

    const error = await captureError(loadOrCreateSigningKey(configDir));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.details.file).toBe(privatePath());
    expect(error.message).toContain(privatePath());
  });

  it('rejects a private key that is not Ed25519', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await fs.mkdir(keysDir(), { recursive: true });
    await fs.writeFile(privatePath(), privateKey.export({ type: 'pkcs8', format: 'pem' }));

    const error = await captureError(loadOrCreateSigningKey(configDir));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.message).toBe(`Signing key file ${privatePath()} contains a key of type ec, not Ed25519`);
  });

  it('rejects a public key that does not match', async () => {
    await loadOrCreateSigningKey(configDir);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    await fs.writeFile(publicPath(), other);

    const error = await captureError(loadOrCreateSigningKey(configDir));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.details.file).toBe(publicPath());
  });

  it('rejects an invalid public key PEM', async () => {
    await loadOrCreateSigningKey(configDir);
    await fs.writeFile(publicPath(), 'garbage\n');

    const error = await captureError(loadOrCreateSigningKey(configDir));

    expect(error.code).toBe('KEY_INVALID');
    expect(error.details.file).toBe(publicPath());
  });

  it('keeps an invalid key file unchanged', async () => {
    await fs.mkdir(keysDir(), { recursive: true });
    await fs.writeFile(privatePath(), 'garbage\n');

    await captureError(loadOrCreateSigningKey(configDir));

    expect(await fs.readFile(privatePath(), 'utf8')).toBe('garbage\n');
  });
});

describe('defaultConfigDir', () => {
  const saved = { config: process.env.MAILCASE_CONFIG_DIR, xdg: process.env.XDG_CONFIG_HOME };

  afterEach(() => {
    restoreEnv('MAILCASE_CONFIG_DIR', saved.config);
    restoreEnv('XDG_CONFIG_HOME', saved.xdg);
  });

  it('uses MAILCASE_CONFIG_DIR when set', () => {
    process.env.MAILCASE_CONFIG_DIR = path.join(os.tmpdir(), 'mailcase-config');

    expect(defaultConfigDir()).toBe(path.join(os.tmpdir(), 'mailcase-config'));
  });

  it.runIf(process.platform === 'linux')('uses XDG_CONFIG_HOME on Linux', () => {
    delete process.env.MAILCASE_CONFIG_DIR;
    process.env.XDG_CONFIG_HOME = '/srv/config';

    expect(defaultConfigDir()).toBe('/srv/config/mailcase');
  });

  it.runIf(process.platform === 'linux')('falls back to ~/.config on Linux', () => {
    delete process.env.MAILCASE_CONFIG_DIR;
    delete process.env.XDG_CONFIG_HOME;

    expect(defaultConfigDir()).toBe(path.join(os.homedir(), '.config', 'mailcase'));
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}
