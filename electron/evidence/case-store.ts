// A case folder on disk: write-once raw evidence named by SHA-256, the custody log, and derived data.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

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
  transcripts: 'custody/transcripts',
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
    await assertUsableCaseFolder(absolute);

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

    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalidCaseInfo(absolute, 'it is not valid JSON');
    }
    const version = (parsed as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version !== SCHEMA_VERSION) {
      throw new MailcaseError('CASE_VERSION_UNSUPPORTED', `Case schema version ${version} is not supported`, {
        userMessage: `This case was written by a Mailcase version this one cannot read (schema ${version}).`,
        details: { dir: absolute, schemaVersion: version },
      });
    }
    const checked = caseInfoSchema.safeParse(parsed);
    if (!checked.success) {
      const fields = checked.error.issues.map((issue) => issue.path.join('.') || '(root)');
      throw invalidCaseInfo(absolute, `these fields are missing or invalid: ${[...new Set(fields)].join(', ')}`);
    }
    const info: CaseInfo = checked.data;
    return new CaseStore(absolute, info);
  }

  /** Opens the case in `dir`, creating it when the folder contains none. */
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

  /**
   * Removes every temporary file left in evidence/incoming by an interrupted run. Call it only while no
   * acquisition is writing to this case. Returns the number of files removed.
   */
  async clearIncoming(): Promise<number> {
    const dir = path.join(this.dir, CASE_LAYOUT.incoming);
    await fs.mkdir(dir, { recursive: true });
    const names = await fs.readdir(dir);
    for (const name of names) await fs.rm(path.join(dir, name), { force: true, recursive: true });
    return names.length;
  }

  /** Returns the case-relative path of an acquisition run's protocol transcript. */
  transcriptFile(runId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(runId)) throw new MailcaseError('INVALID_INPUT', `Not a run id: ${runId.slice(0, 80)}`);
    return `${CASE_LAYOUT.transcripts}/${runId}.log`;
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
    // Written like writeRecordFileSync in the parse workers, with the same octets: a temporary file renamed into
    // place, so no reader sees a partly written record. Records are rebuilt from evidence at any time, so they are
    // not fsynced. A record that a crash leaves empty or cut short fails JSON.parse, and the message is parsed again.
    const target = this.recordPath(record.sha256);
    const text = canonicalJson(record) + '\n';
    const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.tmp`);
    try {
      await fs.writeFile(temporary, text, { flag: 'wx', mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(temporary, text, { flag: 'wx', mode: 0o644 });
    }

    try {
      await fs.rename(temporary, target);
    } catch (error) {
      await fs.rm(temporary, { force: true });
      throw error;
    }
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

/** Shape of case.json; loaders check it because the file may have been edited by hand or damaged. */
const caseInfoSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  appVersion: z.string(),
  caseId: z.string().min(1),
  name: z.string(),
  createdAt: z.string(),
});

function invalidCaseInfo(dir: string, reason: string): MailcaseError {
  return new MailcaseError('CASE_INVALID', `${path.join(dir, CASE_LAYOUT.info)} is damaged: ${reason}`, {
    userMessage:
      `The case file ${path.join(dir, CASE_LAYOUT.info)} is damaged (${reason}). ` +
      'Restore it from a backup; the evidence and custody log in the folder are untouched.',
    details: { dir, reason },
  });
}

/**
 * Rejects a case location that is a file, or a folder that already contains evidence or a custody log without
 * case.json. A lost case.json must be restored, not replaced, because otherwise the old evidence would silently
 * join a new case.
 */
async function assertUsableCaseFolder(dir: string): Promise<void> {
  // Kernel file systems are no place for evidence, and Node's recursive mkdir can spin forever under /proc.
  if (process.platform !== 'win32' && /^\/(proc|sys|dev)(\/|$)/.test(dir)) {
    throw new MailcaseError('CASE_INVALID', `${dir} is on a kernel file system`, {
      userMessage: `${dir} is a system folder (/proc, /sys or /dev), not a place for a case. Choose a folder on a disk.`,
      details: { dir },
    });
  }
  const stat = await fs.stat(dir).catch(() => null);
  if (stat && !stat.isDirectory()) {
    throw new MailcaseError('CASE_INVALID', `${dir} is not a folder`, {
      userMessage: `${dir} is a file, not a folder. Choose a new or empty folder for the case.`,
      details: { dir },
    });
  }
  // CaseStore.create makes the case folders before it writes case.json, so a process killed in between leaves
  // only empty folders. Those hold nothing to protect; any file in them means case data whose case.json is gone.
  if (!(await containsFile(path.join(dir, 'evidence'))) && !(await containsFile(path.join(dir, 'custody')))) return;
  for (const part of ['evidence', 'custody']) {
    if (await pathExists(path.join(dir, part))) {
      throw new MailcaseError('CASE_INVALID', `${dir} contains ${part}/ but no ${CASE_LAYOUT.info}`, {
        userMessage:
          `${dir} already holds case data (${part}/) but its ${CASE_LAYOUT.info} is missing. ` +
          `Restore ${CASE_LAYOUT.info} from a backup instead of creating a new case there.`,
        details: { dir, found: part },
      });
    }
  }
}

function assertSha256(sha256: string): void {
  if (!SHA256_PATTERN.test(sha256)) {
    throw new MailcaseError('INVALID_INPUT', `Not a SHA-256: ${sha256.slice(0, 80)}`, { details: { sha256: sha256.slice(0, 80) } });
  }
}

/** Tells whether a folder or any folder below it contains something other than a folder. */
async function containsFile(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isDirectory() || (await containsFile(path.join(dir, entry.name)))) return true;
  }
  return false;
}

async function pathExists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}
