// Turns stored evidence into derived records: parses every message that has no current record, attaches
// where each message came from according to the custody log, then rebuilds the search index.
import type { CaseStore } from '../evidence/case-store.js';
import type { CustodyEntry } from '../evidence/custody-log.js';
import { createLogger } from '../logging/logger.js';
import { rebuildIndex } from '../search/search-index.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { RECORD_SCHEMA_VERSION, type MessageSource } from '../../shared/types.js';
import { parseMessage } from './parse-message.js';

const log = createLogger('process-case');

export interface ProcessCaseOptions {
  /** Called after each parsed message with the count done so far and the count to parse. */
  onProgress?: (done: number, total: number) => void;
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

  const toParse: string[] = [];
  for (const sha256 of hashes) {
    const record = await store.loadRecord(sha256);
    const sources = sourcesBySha256.get(sha256) ?? [];
    if (record === null || record.schemaVersion !== RECORD_SCHEMA_VERSION) {
      toParse.push(sha256);
    } else if (canonicalJson(record.sources) !== canonicalJson(sources)) {
      await store.saveRecord({ ...record, sources });
    }
  }

  let parseErrors = 0;
  options.onProgress?.(0, toParse.length);
  for (const [index, sha256] of toParse.entries()) {
    const raw = await store.readMessage(sha256);
    const record = await parseMessage(raw, { sha256, size: raw.length, sources: sourcesBySha256.get(sha256) ?? [] });
    if (record.parseError !== null) {
      parseErrors += 1;
      log.warn('message parsed with an error', { sha256, parseError: record.parseError });
    }
    await store.saveRecord(record);
    options.onProgress?.(index + 1, toParse.length);
  }

  // Sources are not indexed, so the index changes only when records were parsed. A missing or stale index
  // is rebuilt by searchCase itself.
  if (toParse.length > 0) await rebuildIndex(store);
  log.info('case processed', { caseId: store.info.caseId, messages: hashes.length, parsed: toParse.length, parseErrors });
  return { parsed: toParse.length, parseErrors };
}

/**
 * Maps each message SHA-256 to the POP3 sources its 'message-acquired' custody entries name, in log
 * order and without repeats. Entries with missing or mistyped fields are skipped, not trusted.
 */
export function collectSources(entries: CustodyEntry[]): Map<string, MessageSource[]> {
  const sources = new Map<string, MessageSource[]>();
  const seen = new Set<string>();

  for (const entry of entries) {
    if (entry.type !== 'message-acquired') continue;

    const source = toPop3Source(entry.data);
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
