// The investigator's Ed25519 signing key: created on first use in the user's config folder, then reused
// so every bundle from this installation carries the same public key fingerprint.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import { fsyncDirectory, temporaryPathFor, writeFileAtomic } from '../evidence/atomic-file.js';
import { createLogger } from '../logging/logger.js';

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

/**
 * Loads the Ed25519 signing key from <configDir>/keys/, creating the pair on first use. The private key is
 * PKCS#8 PEM with mode 0600 in a 0700 folder, and the public key is SPKI PEM. Throws KEY_INVALID naming the file
 * when a key file cannot be read or does not contain a matching Ed25519 key.
 *
 * NOTE: the private key is stored unencrypted, protected only by file permissions. Passphrase encryption is
 * not implemented yet, so anyone who can read the user's files can sign bundles as this investigator.
 */
export async function loadOrCreateSigningKey(configDir: string = defaultConfigDir()): Promise<SigningKey> {
  const keysDir = path.join(configDir, KEY_FILES.folder);
  const privatePath = path.join(keysDir, KEY_FILES.privateKey);
  const publicPath = path.join(keysDir, KEY_FILES.publicKey);

  await fs.mkdir(keysDir, { recursive: true, mode: 0o700 });

  let privatePem = await readKeyFile(privatePath);
  if (privatePem === null) {
    privatePem = await createPrivateKeyFile(privatePath);
  }

  const privateKey = parsePrivateKey(privatePem, privatePath);
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
async function createPrivateKeyFile(privatePath: string): Promise<string> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  const temporary = temporaryPathFor(privatePath);
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }

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

function parsePrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
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
