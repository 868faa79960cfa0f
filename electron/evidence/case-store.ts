// A case folder on disk: write-once raw evidence named by SHA-256, the custody log, and derived data.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { SCHEMA_VERSION, type MessageRecord } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { writeFileAtomic } from './atomic-file.js';
import { CustodyLog } from './custody-log.js';
import { HashingEvidenceWriter } from './hashing-writer.js';

export interface CaseInfo {
  schemaVersion: number;
  appVersion: string;
  caseId: string;
  name: string;
  createdAt: string;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** Relative paths inside a case folder; README's "case folder layout" documents the same names. */
export const CASE_LAYOUT = {
  info: 'case.json',
  messages: 'evidence/messages',
  incoming: 'evidence/incoming',
  custodyLog: 'custody/custody-log.jsonl',
  records: 'derived/records',
  index: 'derived/index',
  ruleRuns: 'derived/rules',
} as const;

/** Opens, creates and reads one case folder. Raw evidence is only ever added, never rewritten. */
export class CaseStore {
  readonly custodyLog: CustodyLog;

  private constructor(
    readonly dir: string,
    readonly info: CaseInfo,
  ) {
    this.custodyLog = new CustodyLog(path.join(dir, CASE_LAYOUT.custodyLog));
  }

  /** Creates a new case in an empty or missing folder and logs its creation. */
  static async create(dir: string, name?: string): Promise<CaseStore> {
    const absolute = path.resolve(dir);
    const infoPath = path.join(absolute, CASE_LAYOUT.info);
    if (await pathExists(infoPath)) {
      throw new MailcaseError('CASE_INVALID', `A case already exists in ${absolute}`, {
        userMessage: `A case already exists in ${absolute}. Open it instead, or choose an empty folder.`,
        details: { dir: absolute },
      });
    }

    const info: CaseInfo = {
      schemaVersion: SCHEMA_VERSION,
      appVersion: APP_VERSION,
      caseId: randomUUID(),
      name: name?.trim() || path.basename(absolute),
      createdAt: new Date().toISOString(),
    };
    for (const folder of [CASE_LAYOUT.messages, CASE_LAYOUT.incoming, CASE_LAYOUT.records, CASE_LAYOUT.index, CASE_LAYOUT.ruleRuns]) {
      await fs.mkdir(path.join(absolute, folder), { recursive: true });
    }
    await writeFileAtomic(infoPath, canonicalJson(info) + '\n');

    const store = new CaseStore(absolute, info);
    await store.custodyLog.append('case-created', { caseId: info.caseId, name: info.name });
    return store;
  }

  /** Opens an existing case. Throws CASE_NOT_FOUND or CASE_VERSION_UNSUPPORTED. */
  static async open(dir: string): Promise<CaseStore> {
    const absolute = path.resolve(dir);
    const infoPath = path.join(absolute, CASE_LAYOUT.info);
    let text: string;
    try {
      text = await fs.readFile(infoPath, 'utf8');
    } catch {
      throw new MailcaseError('CASE_NOT_FOUND', `No case found in ${absolute} (missing ${CASE_LAYOUT.info})`, {
        userMessage: `No Mailcase case in ${absolute}. Create a case there first, or pick the folder that holds case.json.`,
        details: { dir: absolute },
      });
    }

    let info: CaseInfo;
    try {
      info = JSON.parse(text) as CaseInfo;
    } catch {
      throw new MailcaseError('CASE_INVALID', `${infoPath} is not valid JSON`, { details: { dir: absolute } });
    }
    if (info.schemaVersion !== SCHEMA_VERSION) {
      throw new MailcaseError('CASE_VERSION_UNSUPPORTED', `Case schema version ${String(info.schemaVersion)} is not supported`, {
        userMessage: `This case was written by a Mailcase version this one cannot read (schema ${String(info.schemaVersion)}).`,
        details: { dir: absolute, schemaVersion: info.schemaVersion },
      });
    }
    return new CaseStore(absolute, info);
  }

  /** Opens the case in `dir`, creating it when the folder holds none. */
  static async openOrCreate(dir: string, name?: string): Promise<CaseStore> {
    if (await pathExists(path.join(path.resolve(dir), CASE_LAYOUT.info))) return CaseStore.open(dir);
    return CaseStore.create(dir, name);
  }

  /** Returns the path of a stored message: evidence/messages/<first two hex digits>/<sha256>.eml. */
  messagePath(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.dir, CASE_LAYOUT.messages, sha256.slice(0, 2), `${sha256}.eml`);
  }

  /** Starts writing one message's raw octets; commit it to store it under its hash. */
  createEvidenceWriter(): Promise<HashingEvidenceWriter> {
    return HashingEvidenceWriter.open(path.join(this.dir, CASE_LAYOUT.incoming), (sha256) => this.messagePath(sha256));
  }

  async hasMessage(sha256: string): Promise<boolean> {
    return pathExists(this.messagePath(sha256));
  }

  /** Reads a stored message's raw octets. */
  async readMessage(sha256: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.messagePath(sha256));
    } catch {
      throw new MailcaseError('MESSAGE_NOT_FOUND', `Message ${sha256} is not stored in this case`, { details: { sha256 } });
    }
  }

  /** Lists the SHA-256 of every stored message, sorted. */
  async listMessages(): Promise<string[]> {
    const root = path.join(this.dir, CASE_LAYOUT.messages);
    const hashes: string[] = [];
    const buckets = await fs.readdir(root).catch(() => [] as string[]);
    for (const bucket of buckets) {
      const names = await fs.readdir(path.join(root, bucket)).catch(() => [] as string[]);
      for (const name of names) {
        const sha256 = name.replace(/\.eml$/, '');
        if (name.endsWith('.eml') && SHA256_PATTERN.test(sha256)) hashes.push(sha256);
      }
    }
    return hashes.sort();
  }

  /** Returns the path of a message's derived record. */
  recordPath(sha256: string): string {
    assertSha256(sha256);
    return path.join(this.dir, CASE_LAYOUT.records, sha256.slice(0, 2), `${sha256}.json`);
  }

  /** Stores a parsed record, replacing an earlier one for the same message. */
  async saveRecord(record: MessageRecord): Promise<void> {
    await writeFileAtomic(this.recordPath(record.sha256), canonicalJson(record) + '\n');
  }

  /** Loads a message's derived record, or null when it has not been parsed yet. */
  async loadRecord(sha256: string): Promise<MessageRecord | null> {
    try {
      return JSON.parse(await fs.readFile(this.recordPath(sha256), 'utf8')) as MessageRecord;
    } catch {
      return null;
    }
  }

  /** Loads every derived record, sorted by SHA-256; messages not yet parsed are left out. */
  async loadRecords(): Promise<MessageRecord[]> {
    const records: MessageRecord[] = [];
    for (const sha256 of await this.listMessages()) {
      const record = await this.loadRecord(sha256);
      if (record) records.push(record);
    }
    return records;
  }

  /** Returns an absolute path inside the case's derived/ folder. */
  derivedPath(...parts: string[]): string {
    return path.join(this.dir, 'derived', ...parts);
  }
}

function assertSha256(sha256: string): void {
  if (!SHA256_PATTERN.test(sha256)) {
    throw new MailcaseError('INVALID_INPUT', `Not a SHA-256: ${sha256.slice(0, 80)}`, { details: { sha256: sha256.slice(0, 80) } });
  }
}

async function pathExists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}
