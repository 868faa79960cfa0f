// Mailbox passwords the investigator asked to remember, encrypted by the operating system's keychain
// (Electron's safeStorage). Nothing is stored when the keychain is unavailable: the password is then
// asked for at each sync. The file contains ciphertext only and is never written to a case folder.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import type { MailboxConfig } from '../../shared/types.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import { createLogger } from '../logging/logger.js';

const log = createLogger('credentials');

const FILE_SCHEMA_VERSION = 1;
/** Prefix of entries that hold app secrets rather than mailbox passwords; mailbox keys never start with it. */
const SECRET_PREFIX = 'secret:';

/** The parts of Electron's safeStorage the store uses; tests pass a fake. */
export interface StringEncryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

interface CredentialFile {
  schemaVersion: number;
  /** Base64 ciphertext by mailbox key. */
  entries: Record<string, string>;
}

/** Returns the key a mailbox's password is stored under: user, host and port, host in lower case. */
export function mailboxKey(mailbox: Pick<MailboxConfig, 'user' | 'host' | 'port'>): string {
  return `${mailbox.user}@${mailbox.host.toLowerCase()}:${mailbox.port}`;
}

/** Keeps remembered passwords in one file of ciphertext, encrypted and decrypted by the OS keychain. */
export class CredentialStore {
  constructor(
    private readonly filePath: string,
    private readonly encryptor: StringEncryptor,
  ) {}

  /** Returns the store kept in `credentials.json` inside a folder. */
  static inFolder(folder: string, encryptor: StringEncryptor): CredentialStore {
    return new CredentialStore(path.join(folder, 'credentials.json'), encryptor);
  }

  /** Tells whether the OS keychain can encrypt, so remembering a password is possible. */
  isAvailable(): boolean {
    try {
      return this.encryptor.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  /** Encrypts and stores a mailbox's password; fails when the keychain is unavailable. */
  async save(mailbox: Pick<MailboxConfig, 'user' | 'host' | 'port'>, password: string): Promise<void> {
    await this.saveEntry(mailboxKey(mailbox), password);
  }

  /** Returns the remembered password of a mailbox, or null when none is stored or it cannot be decrypted. */
  async load(mailbox: Pick<MailboxConfig, 'user' | 'host' | 'port'>): Promise<string | null> {
    return this.loadEntry(mailboxKey(mailbox));
  }

  /**
   * Returns the app's secret of that name, creating it with `create` and storing it on first use. Returns null
   * when the keychain is unavailable, so nothing secret is ever stored unencrypted.
   */
  async loadOrCreateSecret(name: string, create: () => string): Promise<string | null> {
    if (!this.isAvailable()) return null;

    const key = `${SECRET_PREFIX}${name}`;
    const existing = await this.loadEntry(key);
    if (existing !== null) return existing;
    if ((await this.read()).entries[key] !== undefined) {
      // An entry the keychain can no longer decrypt is kept rather than replaced, so the old key stays recoverable.
      throw new MailcaseError('KEY_INVALID', `Secret ${name} cannot be decrypted`, {
        userMessage: `The OS keychain can no longer decrypt the stored ${name}. Restore the keychain, or remove ${this.filePath} to start again.`,
      });
    }
    const secret = create();
    await this.saveEntry(key, secret);
    return secret;
  }

  private async saveEntry(key: string, value: string): Promise<void> {
    if (!this.isAvailable()) {
      throw new MailcaseError('INVALID_INPUT', 'OS keychain encryption unavailable', {
        userMessage: 'This system offers no keychain to protect a saved password, so the password is not saved. Enter it at each sync.',
      });
    }
    const file = await this.read();
    file.entries[key] = this.encryptor.encryptString(value).toString('base64');
    await this.write(file);
  }

  private async loadEntry(key: string): Promise<string | null> {
    const encrypted = (await this.read()).entries[key];
    if (encrypted === undefined || !this.isAvailable()) return null;

    try {
      return this.encryptor.decryptString(Buffer.from(encrypted, 'base64'));
    } catch (error) {
      log.warn('Saved secret could not be decrypted', { entry: key, error });
      return null;
    }
  }

  /** Tells whether a password is stored for a mailbox, without decrypting it. */
  async has(mailbox: Pick<MailboxConfig, 'user' | 'host' | 'port'>): Promise<boolean> {
    return (await this.read()).entries[mailboxKey(mailbox)] !== undefined;
  }

  /** Removes a mailbox's stored password; removing one that is not stored changes nothing. */
  async forget(mailbox: Pick<MailboxConfig, 'user' | 'host' | 'port'>): Promise<void> {
    const file = await this.read();
    const key = mailboxKey(mailbox);
    if (file.entries[key] === undefined) return;

    delete file.entries[key];
    await this.write(file);
  }

  private async read(): Promise<CredentialFile> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { schemaVersion: FILE_SCHEMA_VERSION, entries: {} };
      throw error;
    }

    try {
      const parsed = JSON.parse(text) as Partial<CredentialFile>;
      const entries = parsed.entries;
      if (parsed.schemaVersion !== FILE_SCHEMA_VERSION || typeof entries !== 'object' || entries === null) throw new Error('unexpected shape');
      const valid = Object.entries(entries).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
      return { schemaVersion: FILE_SCHEMA_VERSION, entries: Object.fromEntries(valid) };
    } catch (error) {
      // A damaged file loses only remembered passwords, which the investigator can enter again.
      log.warn('Credential file unreadable; starting with no saved passwords', { file: this.filePath, error });
      return { schemaVersion: FILE_SCHEMA_VERSION, entries: {} };
    }
  }

  private async write(file: CredentialFile): Promise<void> {
    await fs.mkdir(path.dirname(this.filePath), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.filePath, canonicalJson(file), { mode: 0o600 });
  }
}
