// The investigator's Ed25519 signing key: created on first use in the user's config folder, then reused
// so every bundle from this installation carries the same public key fingerprint.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import { fsyncDirectory, temporaryPathFor, writeFileAtomic } from '../evidence/atomic-file.js';
import { createLogger } from '../logging/logger.js';
import { exportEncryptedPkcs8 } from './encrypted-pkcs8.js';

const log = createLogger('signing-key');

/** File names inside <configDir>/keys/. */
export const KEY_FILES = {
  folder: 'keys',
  privateKey: 'signing-key.pem',
  publicKey: 'signing-key.pub.pem',
} as const;

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  /** SHA-256 of the public key's SPKI DER encoding, lower-case hex. */
  fingerprint: string;
}

/**
 * Returns the folder for Mailcase's per-user configuration: MAILCASE_CONFIG_DIR when set, else the OS user
 * config folder (XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on macOS, %APPDATA% on
 * Windows) followed by /mailcase.
 */
export function defaultConfigDir(): string {
  const override = process.env.MAILCASE_CONFIG_DIR;
  if (override) return path.resolve(override);

  return path.join(userConfigRoot(), 'mailcase');
}

function userConfigRoot(): string {
  const home = os.homedir();
  if (process.platform === 'win32') return process.env.APPDATA || path.join(home, 'AppData', 'Roaming');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support');
  return process.env.XDG_CONFIG_HOME || path.join(home, '.config');
}

/** Computes a public key's fingerprint: SHA-256 of its SPKI DER encoding, lower-case hex. */
export function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** Shortest passphrase accepted when a private key is encrypted, in characters. */
export const MIN_KEY_PASSPHRASE_CHARS = 8;

const ENCRYPTED_PEM_LABEL = '-----BEGIN ENCRYPTED PRIVATE KEY-----';

/**
 * Loads the Ed25519 signing key from <configDir>/keys/, creating the pair on first use. The private key is
 * PKCS#8 PEM with mode 0600 in a 0700 folder, and the public key is SPKI PEM. With a passphrase the private
 * key is stored encrypted (aes-256-cbc, key derived with PBKDF2), and an unencrypted key found on disk is
 * re-encrypted in place. Throws KEY_INVALID naming the file when a key file cannot be read, is encrypted and
 * no or a wrong passphrase is given, or does not contain a matching Ed25519 key.
 *
 * NOTE: without a passphrase an unencrypted key is created or used, protected only by file permissions.
 * The CLI always passes one; other callers must too if the key is to be protected.
 */
export async function loadOrCreateSigningKey(configDir: string = defaultConfigDir(), passphrase?: string): Promise<SigningKey> {
  const keysDir = path.join(configDir, KEY_FILES.folder);
  const privatePath = path.join(keysDir, KEY_FILES.privateKey);
  const publicPath = path.join(keysDir, KEY_FILES.publicKey);
  if (passphrase !== undefined) checkPassphrase(passphrase);

  await fs.mkdir(keysDir, { recursive: true, mode: 0o700 });

  let privatePem = await readKeyFile(privatePath);
  if (privatePem === null) {
    // A public key without its private key means the pair was damaged or moved; a new pair would silently
    // change the signer that recipients trust.
    if ((await readKeyFile(publicPath)) !== null) {
      throw new MailcaseError('KEY_INVALID', `Private signing key missing: ${privatePath}`, {
        userMessage: `The private signing key ${privatePath} is missing, but its public key ${publicPath} is there. Restore the private key from your backup; to start a new key pair instead, move the public key away too.`,
        details: { file: privatePath },
      });
    }
    privatePem = await createPrivateKeyFile(privatePath, passphrase);
  }

  const privateKey = parsePrivateKey(privatePem, privatePath, passphrase);
  if (passphrase !== undefined && !isEncryptedPem(privatePem)) {
    await writePrivateKeyFile(privatePath, exportPrivatePem(privateKey, passphrase));
    log.info('encrypted the existing signing key with a passphrase', { file: privatePath });
  }

  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await warnIfReadableByOthers(privatePath);

  const storedPublicPem = await readKeyFile(publicPath);
  if (storedPublicPem === null) {
    await writeFileAtomic(publicPath, publicKeyPem);
  } else {
    assertPublicKeyMatches(storedPublicPem, publicKey, publicPath);
  }

  return { privateKey, publicKeyPem, fingerprint: fingerprintOf(publicKey) };
}

/**
 * Returns the investigator's public key as SPKI PEM with its fingerprint, creating the key pair first when
 * there is none. Reading the public key needs no passphrase once the pair exists.
 */
export async function readPublicKey(configDir: string = defaultConfigDir(), passphrase?: string): Promise<{ publicKeyPem: string; fingerprint: string }> {
  const publicPath = path.join(configDir, KEY_FILES.folder, KEY_FILES.publicKey);
  const pem = await readKeyFile(publicPath);
  if (pem === null) {
    const key = await loadOrCreateSigningKey(configDir, passphrase);
    return { publicKeyPem: key.publicKeyPem, fingerprint: key.fingerprint };
  }

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw keyInvalid(publicPath, 'does not contain a valid PEM public key', error);
  }
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), fingerprint: fingerprintOf(publicKey) };
}

function checkPassphrase(passphrase: string): void {
  if (passphrase.length >= MIN_KEY_PASSPHRASE_CHARS) return;
  throw new MailcaseError('KEY_INVALID', `Signing key passphrase of ${passphrase.length} characters`, {
    userMessage: `The signing key passphrase must have at least ${MIN_KEY_PASSPHRASE_CHARS} characters.`,
    details: { minimum: MIN_KEY_PASSPHRASE_CHARS },
  });
}

function isEncryptedPem(pem: string): boolean {
  return pem.includes(ENCRYPTED_PEM_LABEL);
}

function exportPrivatePem(privateKey: KeyObject, passphrase: string | undefined): string {
  if (passphrase === undefined) return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return exportEncryptedPkcs8(privateKey, passphrase);
}

/** Replaces the private key file atomically, keeping mode 0600 from the first octet written. */
async function writePrivateKeyFile(privatePath: string, pem: string): Promise<void> {
  const temporary = temporaryPathFor(privatePath);
  try {
    await writeTemporaryKey(temporary, pem);
    await fs.rename(temporary, privatePath);
  } finally {
    await fs.rm(temporary, { force: true });
  }
  await fsyncDirectory(path.dirname(privatePath));
}

async function writeTemporaryKey(temporary: string, pem: string): Promise<void> {
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Reads a key file as text, or returns null when it does not exist. */
async function readKeyFile(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw keyInvalid(file, `cannot be read (${(error as Error).message})`, error);
  }
}

/**
 * Generates a key pair and stores the private key with mode 0600. The file is linked into place rather than
 * renamed, because a link never replaces an existing file. When another Mailcase process creates a key at
 * the same moment, the process that loses the race reads the key of the one that won.
 */
async function createPrivateKeyFile(privatePath: string, passphrase: string | undefined): Promise<string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = exportPrivatePem(privateKey, passphrase);

  const temporary = temporaryPathFor(privatePath);
  await writeTemporaryKey(temporary, pem);

  try {
    await fs.link(temporary, privatePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await readKeyFile(privatePath);
    if (existing === null) throw error;
    return existing;
  } finally {
    await fs.rm(temporary, { force: true });
  }

  await fsyncDirectory(path.dirname(privatePath));
  log.info('created signing key', { file: privatePath });
  return pem;
}

function parsePrivateKey(pem: string, file: string, passphrase: string | undefined): KeyObject {
  if (isEncryptedPem(pem) && passphrase === undefined) {
    throw new MailcaseError('KEY_INVALID', `Signing key file ${file} is encrypted and no passphrase was given`, {
      userMessage: `The signing key ${file} is protected by a passphrase. Set MAILCASE_KEY_PASSPHRASE or run the command in a terminal to be asked for it.`,
      details: { file, reason: 'passphrase-required' },
    });
  }

  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase });
  } catch (error) {
    if (isEncryptedPem(pem)) {
      throw new MailcaseError('KEY_INVALID', `Signing key file ${file} could not be decrypted with the passphrase given`, {
        userMessage: `The passphrase does not unlock the signing key ${file}. Check the passphrase and try again.`,
        details: { file, reason: 'passphrase-wrong' },
        cause: error,
      });
    }
    throw keyInvalid(file, 'does not contain a valid PEM private key', error);
  }

  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyInvalid(file, `contains a key of type ${String(key.asymmetricKeyType)}, not Ed25519`);
  }
  return key;
}

function assertPublicKeyMatches(pem: string, expected: KeyObject, file: string): void {
  let stored: KeyObject;
  try {
    stored = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw keyInvalid(file, 'does not contain a valid PEM public key', error);
  }

  if (fingerprintOf(stored) !== fingerprintOf(expected)) {
    throw keyInvalid(file, `does not match the private key in ${KEY_FILES.privateKey}`);
  }
}

async function warnIfReadableByOthers(file: string): Promise<void> {
  // Windows does not map ACLs onto POSIX mode bits, so the check only means something elsewhere.
  if (process.platform === 'win32') return;

  const { mode } = await fs.stat(file);
  if ((mode & 0o077) !== 0) {
    log.warn('signing key file is accessible to other users', { file, mode: (mode & 0o777).toString(8) });
  }
}

function keyInvalid(file: string, problem: string, cause?: unknown): MailcaseError {
  return new MailcaseError('KEY_INVALID', `Signing key file ${file} ${problem}`, {
    userMessage: `The signing key file ${file} ${problem}. Restore it from a backup, or move the folder ${path.dirname(file)} away so that Mailcase creates a new key pair with a new fingerprint.`,
    details: { file },
    cause,
  });
}

/** Whether the private key exists and whether it is stored encrypted. */
export type SigningKeyState = 'missing' | 'unencrypted' | 'encrypted';

/** Reports whether <configDir>/keys/ contains a private key and whether it is encrypted, without decrypting it. */
export async function readSigningKeyState(configDir: string = defaultConfigDir()): Promise<SigningKeyState> {
  const pem = await readKeyFile(path.join(configDir, KEY_FILES.folder, KEY_FILES.privateKey));
  if (pem === null) return 'missing';
  return isEncryptedPem(pem) ? 'encrypted' : 'unencrypted';
}
