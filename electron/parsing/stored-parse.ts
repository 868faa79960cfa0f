// Parses a stored message straight into its record file with synchronous file calls. Parse workers run this, so
// the main thread does none of the reading, serialising and writing.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import type { MessageRecord } from '../../shared/types.js';
import { parseMessage, type ParseMeta } from './parse-message.js';

/** Paths of a stored message and of its record file, as CaseStore.messagePath and CaseStore.recordPath return them. */
export interface StoredMessagePaths {
  messagePath: string;
  recordPath: string;
}

/** Metadata of a stored message to parse. The record's size is taken from the octets read. */
export type StoredParseMeta = Omit<ParseMeta, 'size'>;

/**
 * Outcome of parseStoredMessage: 'saved' with the record's parseError, 'parsed' with a record whose file could not be
 * written, or 'unreadable' with the reason the message file could not be read.
 */
export type StoredParseOutcome =
  | { status: 'saved'; parseError: string | null }
  | { status: 'parsed'; record: MessageRecord }
  | { status: 'unreadable'; reason: string };

/**
 * Reads a stored message, parses it and writes its record file. A message that cannot be read is 'unreadable',
 * and a record that cannot be written comes back as 'parsed', so the caller can save it or report the failure.
 */
export async function parseStoredMessage(paths: StoredMessagePaths, meta: StoredParseMeta): Promise<StoredParseOutcome> {
  let raw: Buffer;
  try {
    raw = readFileSync(paths.messagePath);
  } catch (error) {
    return { status: 'unreadable', reason: describeError(error) };
  }

  const record = await parseMessage(raw, { ...meta, size: raw.length });
  try {
    writeRecordFileSync(paths.recordPath, record);
  } catch {
    return { status: 'parsed', record };
  }
  return { status: 'saved', parseError: record.parseError };
}

/**
 * Writes a record file the way CaseStore.saveRecord does, with the same octets: canonical JSON and a line feed,
 * written to a temporary file beside the target and renamed over it, so a reader never sees a partly written
 * record. There is no fsync: records are rebuilt from evidence at any time, and a record left empty or cut short
 * by a crash is not valid JSON, so CaseStore.loadRecord treats it as missing and the message is parsed again.
 */
export function writeRecordFileSync(recordPath: string, record: MessageRecord): void {
  const text = canonicalJson(record) + '\n';
  const temporary = path.join(path.dirname(recordPath), `.${path.basename(recordPath)}.${randomUUID()}.tmp`);
  try {
    writeFileSync(temporary, text, { flag: 'wx', mode: 0o644 });
  } catch (error) {
    // The bucket folder is created on the first record it holds, which saves a mkdir call for every other record.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(path.dirname(recordPath), { recursive: true });
    writeFileSync(temporary, text, { flag: 'wx', mode: 0o644 });
  }

  try {
    renameSync(temporary, recordPath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
