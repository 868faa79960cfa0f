// Append-only, hash-chained custody log: one JSON object per line, each holding the SHA-256 of the previous.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { APP_VERSION } from '../../shared/version.js';

/** Hash that the first entry links to. */
export const GENESIS_HASH = '0'.repeat(64);

export interface CustodyEntry {
  seq: number;
  time: string;
  type: string;
  appVersion: string;
  data: Record<string, unknown>;
  prevHash: string;
  /** SHA-256 of the canonical JSON of every other field of this entry. */
  hash: string;
}

export interface ChainProblem {
  line: number;
  reason: string;
}

/** Computes an entry's hash over its canonical JSON without the hash field. */
export function hashCustodyEntry(entry: Omit<CustodyEntry, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(entry)).digest('hex');
}

/** Reads, appends to and checks one case's custody log file. One writer at a time. */
export class CustodyLog {
  private lastHash: string | null = null;
  private lastSeq = 0;
  private pending: Promise<unknown> = Promise.resolve();

  constructor(readonly filePath: string) {}

  /** Appends an entry, linked to the previous one, and fsyncs the file before resolving. */
  async append(type: string, data: Record<string, unknown>): Promise<CustodyEntry> {
    const [entry] = await this.appendMany([{ type, data }]);
    if (!entry) throw new Error('CustodyLog.appendMany returned no entry');
    return entry;
  }

  /**
   * Appends several entries, each linked to the one before, with one write and one fsync. Either every entry
   * reaches the file or, after a crash, a prefix of them; readers never see an entry without its predecessors.
   */
  appendMany(items: { type: string; data: Record<string, unknown> }[]): Promise<CustodyEntry[]> {
    const next = this.pending.then(() => this.appendNow(items));
    this.pending = next.catch(() => undefined);
    return next;
  }

  private async appendNow(items: { type: string; data: Record<string, unknown> }[]): Promise<CustodyEntry[]> {
    if (items.length === 0) return [];
    if (this.lastHash === null) await this.loadTail();

    const entries: CustodyEntry[] = [];
    let previousHash = this.lastHash ?? GENESIS_HASH;
    let seq = this.lastSeq;
    for (const item of items) {
      seq += 1;
      const body = {
        seq,
        time: new Date().toISOString(),
        type: item.type,
        appVersion: APP_VERSION,
        data: JSON.parse(canonicalJson(item.data)) as Record<string, unknown>,
        prevHash: previousHash,
      };
      const entry: CustodyEntry = { ...body, hash: hashCustodyEntry(body) };
      entries.push(entry);
      previousHash = entry.hash;
    }

    await fs.mkdir(path.dirname(this.filePath), { recursive: true });
    const handle = await fs.open(this.filePath, 'a', 0o644);
    try {
      await handle.write(entries.map((entry) => canonicalJson(entry) + '\n').join(''));
      await handle.sync();
    } finally {
      await handle.close();
    }

    this.lastHash = previousHash;
    this.lastSeq = seq;
    return entries;
  }

  private async loadTail(): Promise<void> {
    const entries = await this.readAll();
    const last = entries.at(-1);
    this.lastHash = last ? last.hash : GENESIS_HASH;
    this.lastSeq = last ? last.seq : 0;
  }

  /** Reads every entry. Throws CUSTODY_LOG_INVALID when a line is not a JSON object. */
  async readAll(): Promise<CustodyEntry[]> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }

    const entries: CustodyEntry[] = [];
    const lines = text.split('\n');
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index];
      if (!line) continue;
      try {
        entries.push(JSON.parse(line) as CustodyEntry);
      } catch {
        throw new MailcaseError('CUSTODY_LOG_INVALID', `Custody log line ${index + 1} is not valid JSON`, {
          details: { file: this.filePath, line: index + 1 },
        });
      }
    }
    return entries;
  }

  /** Checks every link and hash of the chain. Returns the problems found, empty when intact. */
  async verifyChain(): Promise<ChainProblem[]> {
    const problems: ChainProblem[] = [];
    let entries: CustodyEntry[];
    try {
      entries = await this.readAll();
    } catch (error) {
      return [{ line: Number((error as MailcaseError).details?.line ?? 0), reason: (error as Error).message }];
    }

    let previous = GENESIS_HASH;
    entries.forEach((entry, index) => {
      const { hash, ...body } = entry;
      if (entry.prevHash !== previous) problems.push({ line: index + 1, reason: 'previous-hash link is broken' });
      if (hashCustodyEntry(body) !== hash) problems.push({ line: index + 1, reason: 'entry hash does not match its content' });
      if (entry.seq !== index + 1) problems.push({ line: index + 1, reason: `sequence number ${entry.seq} is out of order` });
      previous = hash;
    });
    return problems;
  }
}
