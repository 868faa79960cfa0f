// Turns stored evidence into derived records: parses every message that has no current record in worker
// threads, attaches where each message came from according to the custody log, then rebuilds the search
// index. `rebuildCase` deletes derived/ and builds it again from evidence/.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { ACTIVE_RULES_FILE, runActiveRules } from '../rules/active-rules.js';
import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import type { CustodyEntry } from '../evidence/custody-log.js';
import { createLogger } from '../logging/logger.js';
import { maintainIndexOffThread } from '../search/index-off-thread.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { RECORD_SCHEMA_VERSION, type MessageSource } from '../../shared/types.js';
import { ParseWorkerPool } from './parse-worker-pool.js';

const log = createLogger('process-case');

export interface ProcessCaseOptions {
  /** Called before the first parse and after each parsed message with the count done so far and the count to parse. */
  onProgress?: (done: number, total: number) => void;
  /** Worker script for the parse pool; null parses on the calling thread. Defaults to the compiled parse-worker.js. */
  parseWorkerUrl?: URL | null;
}

export interface ProcessCaseResult {
  parsed: number;
  parseErrors: number;
}

/**
 * Parses every stored message without a current record, saves the records, and rebuilds the index.
 * Records that exist keep their parse but get their sources updated when the custody log names new ones.
 */
export async function processCase(store: CaseStore, options: ProcessCaseOptions = {}): Promise<ProcessCaseResult> {
  const sourcesBySha256 = collectSources(await store.custodyLog.readAll());
  const hashes = await store.listMessages();
  const recordFiles = await listRecordFiles(store);

  const toParse: string[] = [];
  let reparsed = false;
  for (const sha256 of hashes) {
    // Listing the record folders first spares a failed file open for every message that was never parsed.
    const record = recordFiles.has(sha256) ? await store.loadRecord(sha256) : null;
    const sources = sourcesBySha256.get(sha256) ?? [];
    if (record === null || record.schemaVersion !== RECORD_SCHEMA_VERSION) {
      toParse.push(sha256);
      if (record !== null) reparsed = true;
    } else if (canonicalJson(record.sources) !== canonicalJson(sources)) {
      await store.saveRecord({ ...record, sources });
    }
  }

  options.onProgress?.(0, toParse.length);
  const parseErrors = toParse.length === 0 ? 0 : await parseAll(store, toParse, sourcesBySha256, options);

  // Sources are not indexed, so the index changes only when records were parsed. New records extend the last
  // segment; a record parsed again in place needs a full rebuild. searchCase rebuilds a missing or stale index.
  if (reparsed) await maintainIndexOffThread(store, 'rebuild');
  else if (toParse.length > 0) await maintainIndexOffThread(store, 'update');
  log.info('case processed', { caseId: store.info.caseId, messages: hashes.length, parsed: toParse.length, parseErrors });
  return { parsed: toParse.length, parseErrors };
}

/** Lists the SHA-256 of every message with a record file, read from the bucket folders of derived/records. */
async function listRecordFiles(store: CaseStore): Promise<Set<string>> {
  const root = path.join(store.dir, CASE_LAYOUT.records);
  const hashes = new Set<string>();
  const buckets = await fs.readdir(root).catch(() => [] as string[]);
  for (const bucket of buckets) {
    const names = await fs.readdir(path.join(root, bucket)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.endsWith('.json')) hashes.add(name.slice(0, -'.json'.length));
    }
  }
  return hashes;
}

/**
 * Parses the given messages in a worker pool, keeping twice as many messages in flight as there are workers.
 * The workers read the messages and write the records themselves, so this thread saves only the records they hand
 * back (see StoredParseResult). Returns the count of parse errors.
 */
async function parseAll(
  store: CaseStore,
  toParse: string[],
  sourcesBySha256: Map<string, MessageSource[]>,
  options: ProcessCaseOptions,
): Promise<number> {
  const pool = new ParseWorkerPool(options.parseWorkerUrl === undefined ? {} : { workerUrl: options.parseWorkerUrl });
  let next = 0;
  let done = 0;
  let parseErrors = 0;

  const runLane = async (): Promise<void> => {
    while (next < toParse.length) {
      const sha256 = toParse[next] as string;
      next += 1;
      const paths = { messagePath: store.messagePath(sha256), recordPath: store.recordPath(sha256) };
      const result = await pool.parseStored(paths, { sha256, sources: sourcesBySha256.get(sha256) ?? [] });
      if (result.parseError !== null) {
        parseErrors += 1;
        log.warn('message parsed with an error', { sha256, parseError: result.parseError });
      }
      if (result.record !== null) await store.saveRecord(result.record);
      done += 1;
      options.onProgress?.(done, toParse.length);
    }
  };

  try {
    const lanes = Math.min(toParse.length, pool.size * 2);
    await Promise.all(Array.from({ length: lanes }, runLane));
  } finally {
    await pool.close();
  }
  return parseErrors;
}

export interface RebuildCaseResult extends ProcessCaseResult {
  /** True when the case has a saved rule file and its rule run was repeated, so derived/rules is current again. */
  rulesRerun: boolean;
}

/**
 * Deletes everything in derived/ and builds it again from evidence/ and the custody log: records, the search
 * index and, when the case has a saved rule file, the last rule run. Records depend only on the evidence and
 * the custody log, so a rebuild writes the same record files byte for byte. Logs 'derived-rebuilt'.
 */
export async function rebuildCase(store: CaseStore, options: ProcessCaseOptions = {}): Promise<RebuildCaseResult> {
  const derived = store.derivedPath();
  // Rules run again when the case has a saved pack, or when a run (of the default pack) had left its record.
  const hadRuleRun = (await fs.readdir(path.join(store.dir, CASE_LAYOUT.ruleRuns)).catch(() => [])).length > 0;
  await fs.rm(derived, { recursive: true, force: true });
  for (const folder of [CASE_LAYOUT.records, CASE_LAYOUT.index, CASE_LAYOUT.ruleRuns]) {
    await fs.mkdir(path.join(store.dir, folder), { recursive: true });
  }

  const result = await processCase(store, options);
  // processCase skips the index when it parsed nothing, but the index was deleted with derived/.
  if (result.parsed === 0) await maintainIndexOffThread(store, 'rebuild');

  const hasSavedPack = await fs.stat(path.join(store.dir, ACTIVE_RULES_FILE)).then(() => true, () => false);
  const rulesRerun = hasSavedPack || hadRuleRun;
  if (rulesRerun) await runActiveRules(store);

  await store.custodyLog.append('derived-rebuilt', { parsed: result.parsed, parseErrors: result.parseErrors, rulesRerun });
  log.info('derived data rebuilt', { caseId: store.info.caseId, parsed: result.parsed, parseErrors: result.parseErrors });
  return { ...result, rulesRerun };
}

/**
 * Maps each message SHA-256 to the sources its 'message-acquired' (POP3) and 'message-imported' (file)
 * custody entries name, in log order and without repeats. Entries with missing or mistyped fields are
 * skipped, not trusted.
 */
export function collectSources(entries: CustodyEntry[]): Map<string, MessageSource[]> {
  const sources = new Map<string, MessageSource[]>();
  const seen = new Set<string>();

  for (const entry of entries) {
    let source: MessageSource | null;
    if (entry.type === 'message-acquired') source = toPop3Source(entry.data);
    else if (entry.type === 'message-imported') source = toImportSource(entry.data);
    else continue;

    const sha256 = entry.data.sha256;
    if (source === null || typeof sha256 !== 'string') continue;

    const key = `${sha256} ${canonicalJson(source)}`;
    if (seen.has(key)) continue;
    seen.add(key);

    const list = sources.get(sha256) ?? [];
    list.push(source);
    sources.set(sha256, list);
  }
  return sources;
}

function toPop3Source(data: Record<string, unknown>): Extract<MessageSource, { kind: 'pop3' }> | null {
  const { host, port, user, uidl, messageNumber } = data;
  if (typeof host !== 'string' || typeof user !== 'string' || typeof uidl !== 'string') return null;
  if (typeof port !== 'number' || typeof messageNumber !== 'number') return null;

  return { kind: 'pop3', host, port, user, uidl, messageNumber };
}

const IMPORT_FORMATS = new Set(['eml', 'mbox', 'maildir']);

function toImportSource(data: Record<string, unknown>): Extract<MessageSource, { kind: 'import' }> | null {
  const { path: filePath, fileSha256, byteStart, byteEnd, format } = data;
  if (typeof filePath !== 'string' || typeof fileSha256 !== 'string') return null;
  if (typeof byteStart !== 'number' || typeof byteEnd !== 'number') return null;
  if (typeof format !== 'string' || !IMPORT_FORMATS.has(format)) return null;

  return { kind: 'import', path: filePath, fileSha256, byteStart, byteEnd, format: format as 'eml' | 'mbox' | 'maildir' };
}
