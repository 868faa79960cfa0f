// Append-only, hash-chained custody log: one JSON object per line, each holding the SHA-256 of the previous.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { CUSTODY_LOCK_TIMEOUT_MS } from '../../shared/limits.js';
import { APP_VERSION } from '../../shared/version.js';
import { acquireLockFile } from './lock-file.js';

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

/** Entry type that records a torn final line (an append cut short by a crash) before the chain continues. */
export const TORN_LINE_ENTRY = 'custody-log-torn-line';

/**
 * Reads, appends to and checks one case's custody log file. Appends from several processes (the app, the
 * CLI) are serialised by a lock file beside the log, and each append links to the entry last on disk, so the
 * chain stays intact whichever process writes.
 */
export class CustodyLog {
  private pending: Promise<unknown> = Promise.resolve();

  constructor(readonly filePath: string) {}

  /** Lock file that serialises appends across processes. */
  get lockPath(): string {
    return `${this.filePath}.lock`;
  }

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
    await fs.mkdir(path.dirname(this.filePath), { recursive: true });
    const releaseLock = await acquireLockFile(this.lockPath, {
      timeoutMs: CUSTODY_LOCK_TIMEOUT_MS,
      heldMessage: 'Another Mailcase process is writing to this case. Wait for it to finish and try again.',
    });
    try {
      const tail = await readTail(this.filePath);
      const pendingItems = tail.tornLine ? [tornLineItem(tail.tornLine, tail.lineCount), ...items] : items;

      const entries: CustodyEntry[] = [];
      let previousHash = tail.lastEntry?.hash ?? GENESIS_HASH;
      let seq = tail.lastEntry?.seq ?? 0;
      for (const item of pendingItems) {
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

      // A torn line is ended with a line break, never removed: the log stays append-only.
      const text = (tail.tornLine ? '\n' : '') + entries.map((entry) => canonicalJson(entry) + '\n').join('');
      const handle = await fs.open(this.filePath, 'a', 0o644);
      try {
        await handle.write(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return tail.tornLine ? entries.slice(1) : entries;
    } finally {
      await releaseLock();
    }
  }

  /** Reads every entry, skipping torn lines that a later entry records. Throws CUSTODY_LOG_INVALID for any other bad line. */
  /**
   * Returns every entry that parses, skipping lines that do not. For checks that go on past a damaged line,
   * such as verify-case, whose chain check names the damaged lines itself.
   */
  async readParsable(): Promise<CustodyEntry[]> {
    const content = await fs.readFile(this.filePath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    });
    const entries: CustodyEntry[] = [];
    for (const line of splitLines(content)) {
      if (line.length === 0) continue;
      try {
        entries.push(JSON.parse(line.toString('utf8')) as CustodyEntry);
      } catch {
        // Reported by verifyChain.
      }
    }
    return entries;
  }

  async readAll(): Promise<CustodyEntry[]> {
    let content: Buffer;
    try {
      content = await fs.readFile(this.filePath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }

    const lines = splitLines(content);
    const entries: CustodyEntry[] = [];
    for (let index = 0; index < lines.length; index += 1) {
      const line = lines[index] as Buffer;
      if (line.length === 0) continue;
      try {
        entries.push(JSON.parse(line.toString('utf8')) as CustodyEntry);
      } catch {
        if (isRecordedTornLine(line, lines[index + 1])) continue;
        const isLastLine = index === lines.length - 1;
        throw new MailcaseError('CUSTODY_LOG_INVALID', `Custody log line ${index + 1} is not valid JSON`, {
          userMessage: isLastLine
            ? `The custody log's last line (${index + 1}) is incomplete, most likely from a crash while writing. ` +
              'The next step that writes to the case records it and continues the log.'
            : `Custody log line ${index + 1} is damaged. The case's custody record cannot be trusted; keep the folder unchanged and restore the log from a backup.`,
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

interface LogTail {
  lastEntry: CustodyEntry | null;
  /** Bytes after the last line break when the file does not end with one, else null. */
  tornLine: Buffer | null;
  /** Number of lines up to the last complete one; counted only when there is a torn line. */
  lineCount: number;
}

/** First window read from the end of the log when looking for the last entry; doubled until a line fits. */
const TAIL_WINDOW_OCTETS = 64 * 1024;

/** Reads the last complete entry of the log and any torn bytes after it, without reading the whole file. */
async function readTail(filePath: string): Promise<LogTail> {
  const handle = await fs.open(filePath, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!handle) return { lastEntry: null, tornLine: null, lineCount: 0 };

  try {
    const size = (await handle.stat()).size;
    let window = Math.min(size, TAIL_WINDOW_OCTETS);
    for (;;) {
      const buffer = Buffer.alloc(window);
      await handle.read(buffer, 0, window, size - window);
      const lastBreak = buffer.lastIndexOf(0x0a);
      const tornLine = lastBreak === window - 1 ? null : buffer.subarray(lastBreak + 1);
      const previousBreak = lastBreak <= 0 ? -1 : buffer.lastIndexOf(0x0a, lastBreak - 1);
      const hasWholeLastLine = previousBreak >= 0 || window === size;

      if (lastBreak === -1 && window === size) return { lastEntry: null, tornLine: size > 0 ? buffer : null, lineCount: 0 };
      if (!hasWholeLastLine) {
        window = Math.min(size, window * 2);
        continue;
      }

      const lastLine = buffer.subarray(previousBreak + 1, lastBreak).toString('utf8');
      const lastEntry = JSON.parse(lastLine) as CustodyEntry;
      const hasTornLine = tornLine !== null && tornLine.length > 0;
      const lineCount = hasTornLine ? await countLines(handle, size - window + lastBreak + 1) : 0;
      return { lastEntry, tornLine: hasTornLine ? Buffer.from(tornLine) : null, lineCount };
    }
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new MailcaseError('CUSTODY_LOG_INVALID', `The last entry of ${filePath} is not valid JSON`, {
        userMessage: 'The custody log is damaged. Keep the case folder unchanged and restore the log from a backup.',
        details: { file: filePath },
      });
    }
    throw error;
  } finally {
    await handle.close();
  }
}

/** Counts line breaks in the first `end` octets, for the line number a torn-line entry reports. */
async function countLines(handle: fs.FileHandle, end: number): Promise<number> {
  let count = 0;
  const buffer = Buffer.alloc(1024 * 1024);
  for (let position = 0; position < end; position += buffer.length) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
    for (let index = 0; index < bytesRead; index += 1) if (buffer[index] === 0x0a) count += 1;
  }
  return count;
}

function tornLineItem(tornLine: Buffer, lineCount: number): { type: string; data: Record<string, unknown> } {
  return {
    type: TORN_LINE_ENTRY,
    data: { line: lineCount + 1, octets: tornLine.length, sha256: createHash('sha256').update(tornLine).digest('hex') },
  };
}

/** Splits file content at LF; the part after the last LF is the last element (empty when the file ends with LF). */
function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let lineFeed = content.indexOf(0x0a); lineFeed !== -1; lineFeed = content.indexOf(0x0a, start)) {
    lines.push(content.subarray(start, lineFeed));
    start = lineFeed + 1;
  }
  lines.push(content.subarray(start));
  return lines;
}

/** Tells whether a non-JSON line is a torn append that the next entry records by the hash of its octets. */
function isRecordedTornLine(line: Buffer, nextLine: Buffer | undefined): boolean {
  if (!nextLine || nextLine.length === 0) return false;
  try {
    const next = JSON.parse(nextLine.toString('utf8')) as CustodyEntry;
    const sha256 = createHash('sha256').update(line).digest('hex');
    return next.type === TORN_LINE_ENTRY && next.data.sha256 === sha256;
  } catch {
    return false;
  }
}
