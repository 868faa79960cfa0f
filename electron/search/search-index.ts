// Full-text search over a case's derived records with lunr. The index is persisted in derived/index/ so
// reopening a case does not re-index. It is rebuilt when missing, unreadable, from another version or stale.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import lunr from 'lunr';

import { canonicalJson } from '../../shared/canonical-json.js';
import { SNIPPET_CONTEXT_CHARS } from '../../shared/limits.js';
import type { AddressEntry, MessageRecord, SearchHit, SearchResult } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import { createLogger } from '../logging/logger.js';
import { runQuery } from './search-query.js';
import { configurePipelines, normaliseWord } from './text-pipeline.js';

const log = createLogger('search-index');

/** Name of the persisted index inside the case's derived/index/ folder. */
export const INDEX_FILE_NAME = 'search-index.json';

/** Version of the persisted index layout. An index written with another version is rebuilt. */
export const INDEX_SCHEMA_VERSION = 1;

/** Fields a query can name, as in `subject:falcon` or `from:rival.example`. */
export const SEARCH_FIELDS = ['subject', 'from', 'to', 'cc', 'bcc', 'body', 'attachment'] as const;

/** Hits returned when the caller gives no limit; `total` still counts every match. */
export const DEFAULT_SEARCH_LIMIT = 500;

/** Loaded indexes kept in memory, so repeated searches in one case do not re-read the file. */
const MAX_CACHED_INDEXES = 4;

type SearchField = (typeof SEARCH_FIELDS)[number];
type IndexDocument = Record<SearchField, string> & { ref: string };

/** The persisted index file. Document refs are ordinals into `refs`, which contains each message's SHA-256. */
interface PersistedIndex {
  schemaVersion: number;
  appVersion: string;
  lunrVersion: string;
  refs: string[];
  index: object;
}

interface LoadedIndex {
  index: lunr.Index;
  refs: string[];
  mtimeMs: number;
  size: number;
}

const loadedIndexes = new Map<string, LoadedIndex>();

/** A word of body text, split on the same characters as lunr's tokenizer (whitespace and hyphens). */
const BODY_WORD = /[^\s-]+/g;

/** Builds the index from every derived record of the case and saves it, replacing any earlier one. */
export async function rebuildIndex(store: CaseStore): Promise<void> {
  await buildAndSave(store);
}

/**
 * Searches a case with lunr's query syntax and returns hits sorted by score, best first. Builds the
 * index first when the case has none or it is unusable. Throws QUERY_SYNTAX for an invalid query.
 */
export async function searchCase(store: CaseStore, query: string, options: { limit?: number } = {}): Promise<SearchResult> {
  const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_SEARCH_LIMIT));
  if (query.trim() === '') return { total: 0, hits: [] };

  const loaded = await loadIndex(store);
  const results = runQuery(loaded.index, query, SEARCH_FIELDS);

  const ranked = results
    .map((result) => ({ sha256: loaded.refs[Number(result.ref)] ?? '', score: result.score, result }))
    .filter((entry) => entry.sha256 !== '')
    .sort((a, b) => b.score - a.score || a.sha256.localeCompare(b.sha256));

  const hits: SearchHit[] = [];
  for (const entry of ranked.slice(0, limit)) {
    const record = await store.loadRecord(entry.sha256);
    hits.push(toHit(entry.sha256, entry.score, record, bodyTermsOf(entry.result)));
  }
  return { total: ranked.length, hits };
}

/** Drops every index held in memory, so the next search reads the persisted file again. */
export function forgetLoadedIndexes(): void {
  loadedIndexes.clear();
}

async function buildAndSave(store: CaseStore): Promise<LoadedIndex> {
  const records = await store.loadRecords();
  const refs = records.map((record) => record.sha256);

  const builder = new lunr.Builder();
  configurePipelines(builder);
  builder.ref('ref');
  for (const field of SEARCH_FIELDS) builder.field(field);
  // No position metadata: it would make the index several times larger, and snippets find words themselves.
  builder.metadataWhitelist = [];
  records.forEach((record, ordinal) => builder.add(toDocument(record, ordinal)));
  const index = builder.build();

  const persisted: PersistedIndex = {
    schemaVersion: INDEX_SCHEMA_VERSION,
    appVersion: APP_VERSION,
    lunrVersion: lunr.version,
    refs,
    index: index.toJSON(),
  };
  const file = indexPath(store);
  await writeFileAtomic(file, canonicalJson(persisted) + '\n');

  const stat = await fs.stat(file);
  const loaded: LoadedIndex = { index, refs, mtimeMs: stat.mtimeMs, size: stat.size };
  remember(file, loaded);
  log.info('search index built', { caseId: store.info.caseId, documents: refs.length });
  return loaded;
}

/** Returns the case's index from memory or disk, rebuilding it when it is missing, unreadable or stale. */
async function loadIndex(store: CaseStore): Promise<LoadedIndex> {
  const file = indexPath(store);
  const stat = await fs.stat(file).catch(() => null);
  if (stat === null) return buildAndSave(store);

  let loaded = loadedIndexes.get(file);
  if (loaded === undefined || loaded.mtimeMs !== stat.mtimeMs || loaded.size !== stat.size) {
    const read = await readPersistedIndex(file);
    if (typeof read === 'string') {
      log.warn('search index rebuilt because the saved one is unusable', { caseId: store.info.caseId, reason: read });
      return buildAndSave(store);
    }
    loaded = { ...read, mtimeMs: stat.mtimeMs, size: stat.size };
    remember(file, loaded);
  }

  const current = await listParsedMessages(store);
  if (!sameList(current, loaded.refs)) {
    log.info('search index rebuilt because records changed', { caseId: store.info.caseId, indexed: loaded.refs.length, records: current.length });
    return buildAndSave(store);
  }
  return loaded;
}

/** Reads and checks a persisted index. Returns the reason as a string when it cannot be used. */
async function readPersistedIndex(file: string): Promise<{ index: lunr.Index; refs: string[] } | string> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    return `not readable JSON: ${(error as Error).message}`;
  }

  if (typeof data !== 'object' || data === null) return 'not a JSON object';
  const persisted = data as Partial<PersistedIndex>;
  if (persisted.schemaVersion !== INDEX_SCHEMA_VERSION) return `schema version ${String(persisted.schemaVersion)} is not ${INDEX_SCHEMA_VERSION}`;
  if (persisted.lunrVersion !== lunr.version) return `written by lunr ${String(persisted.lunrVersion)}, not ${lunr.version}`;
  if (!Array.isArray(persisted.refs) || !persisted.refs.every((ref) => typeof ref === 'string' && /^[0-9a-f]{64}$/.test(ref))) {
    return 'refs is not a list of SHA-256 values';
  }
  if (typeof persisted.index !== 'object' || persisted.index === null) return 'index is missing';

  try {
    return { index: lunr.Index.load(persisted.index), refs: persisted.refs };
  } catch (error) {
    return `lunr could not load it: ${(error as Error).message}`;
  }
}

/**
 * Lists, sorted, the stored messages that have a derived record, which is the set a fresh index would
 * contain. Reads folder listings only, so checking for a stale index costs no record reads.
 */
async function listParsedMessages(store: CaseStore): Promise<string[]> {
  const recordsDir = path.join(store.dir, CASE_LAYOUT.records);
  const recordNames = new Set<string>();
  const buckets = await fs.readdir(recordsDir).catch(() => [] as string[]);
  for (const bucket of buckets) {
    const names = await fs.readdir(path.join(recordsDir, bucket)).catch(() => [] as string[]);
    for (const name of names) recordNames.add(name);
  }

  const messages = await store.listMessages();
  return messages.filter((sha256) => recordNames.has(`${sha256}.json`));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

function remember(file: string, loaded: LoadedIndex): void {
  loadedIndexes.delete(file);
  loadedIndexes.set(file, loaded);
  while (loadedIndexes.size > MAX_CACHED_INDEXES) {
    const oldest = loadedIndexes.keys().next().value;
    if (oldest === undefined) break;
    loadedIndexes.delete(oldest);
  }
}

function indexPath(store: CaseStore): string {
  return store.derivedPath('index', INDEX_FILE_NAME);
}

function toDocument(record: MessageRecord, ordinal: number): IndexDocument {
  return {
    ref: String(ordinal),
    subject: record.subject ?? '',
    from: addressText(record.from),
    to: addressText(record.to),
    cc: addressText(record.cc),
    bcc: addressText(record.bcc),
    body: record.text ?? '',
    attachment: (record.attachments ?? []).map((attachment) => withParts(attachment.filename ?? '')).join(' '),
  };
}

/** Joins names and addresses, with each address's parts as separate words so `from:rival` finds `bob@rival.example`. */
function addressText(entries: AddressEntry[] | undefined): string {
  return (entries ?? []).map((entry) => `${entry.name} ${withParts(entry.address)}`).join(' ');
}

/**
 * Returns the value followed by its pieces, so a query can name part of it. For example
 * "bob@sales.rival.example" adds "bob", "sales.rival.example", "rival.example" and each label.
 * "q3.pdf" adds "q3" and "pdf".
 */
function withParts(value: string): string {
  const words = [value];
  const atSign = value.lastIndexOf('@');
  if (atSign >= 0) {
    words.push(value.slice(0, atSign));
    const labels = value.slice(atSign + 1).split('.');
    for (let first = 0; first < labels.length - 1; first += 1) words.push(labels.slice(first).join('.'));
  }

  const pieces = value.split(/[@._+]+/).filter((piece) => piece !== '');
  if (pieces.length > 1) words.push(...pieces);
  return words.join(' ');
}

/** Returns the index terms the result matched in the body field. */
function bodyTermsOf(result: lunr.Index.Result): Set<string> {
  const terms = new Set<string>();
  const metadata = result.matchData.metadata as Record<string, Record<string, unknown>>;
  for (const term of Object.keys(metadata)) {
    if (metadata[term]?.body !== undefined) terms.add(term);
  }
  return terms;
}

function toHit(sha256: string, score: number, record: MessageRecord | null, bodyTerms: Set<string>): SearchHit {
  if (record === null) return { sha256, date: null, from: '', subject: '', score, snippet: '' };

  return {
    sha256,
    date: record.date,
    from: formatAddress(record.from[0]),
    subject: record.subject,
    score,
    snippet: buildSnippet(record.text, bodyTerms),
  };
}

function formatAddress(entry: AddressEntry | undefined): string {
  if (entry === undefined) return '';
  if (entry.name === '') return entry.address;
  if (entry.address === '') return entry.name;
  return `${entry.name} <${entry.address}>`;
}

/**
 * Returns the body text around the first word that matched, with whitespace runs collapsed, or the
 * start of the body when the match was in another field.
 */
export function buildSnippet(text: string, terms: ReadonlySet<string>): string {
  const found = terms.size > 0 ? findFirstTerm(text, terms) : null;
  const start = found === null ? 0 : Math.max(0, found.start - SNIPPET_CONTEXT_CHARS);
  const end = found === null ? Math.min(text.length, 2 * SNIPPET_CONTEXT_CHARS) : Math.min(text.length, found.end + SNIPPET_CONTEXT_CHARS);

  const excerpt = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${excerpt}${end < text.length ? '…' : ''}`;
}

function findFirstTerm(text: string, terms: ReadonlySet<string>): { start: number; end: number } | null {
  for (const match of text.matchAll(BODY_WORD)) {
    const term = normaliseWord(match[0]);
    if (term !== null && terms.has(term)) {
      const start = match.index ?? 0;
      return { start, end: start + match[0].length };
    }
  }
  return null;
}
