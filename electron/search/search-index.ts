// Searches a case with the investigator's query language. Keeps each case's segmented index in memory, brings it
// up to date when records were added, and rebuilds it from the records when the saved one is unusable.
import { MailcaseError } from '../../shared/errors.js';
import { parseQuery } from '../../shared/query-parser.js';
import type { QueryNode, SearchSort } from '../../shared/search-types.js';
import type { ReviewState, SearchHit, SearchResult } from '../../shared/types.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { loadReviewStates } from '../review/review-store.js';
import { QueryEvaluator, needsReviewStates, type DocumentSet } from './query-evaluator.js';
import { buildSnippets, collectHighlighters } from './snippets.js';
import { TextMatcher } from './text-matcher.js';
import {
  UnusableIndexError,
  buildIndex,
  extendIndex,
  documentText,
  loadIndex,
  loadSegments,
  recordsFingerprint,
  type CaseIndex,
} from './segment-index.js';

export { INDEX_SCHEMA_VERSION, MANIFEST_FILE, SEGMENT_DOCUMENTS } from './segment-index.js';

/** The index file whose presence means a case has an index: the manifest, written after every other index file. */
export { MANIFEST_FILE as INDEX_FILE_NAME } from './segment-index.js';

const log = createLogger('search-index');

/** Hits returned when the caller gives no limit; `total` still counts every match. */
export const DEFAULT_SEARCH_LIMIT = 500;

/** Case indexes kept in memory, so repeated searches do not read the files again. */
const MAX_CACHED_INDEXES = 4;

export interface SearchOptions {
  /** Most hits returned, with snippets; Infinity for all. Defaults to DEFAULT_SEARCH_LIMIT. */
  limit?: number;
  sort?: SearchSort;
  /**
   * Also return `sha256s`: every stored message with a matching record. With `limit: 0` no hits are built, which
   * is the cheap way to get the set of matching messages.
   */
  allMatches?: boolean;
}

interface CachedIndex {
  index: CaseIndex;
  /** Reason the index was rebuilt on loading, reported with the next result. */
  notice: string | null;
}

const cachedIndexes = new Map<string, CachedIndex>();
/** Index maintenance in progress per case folder; searches of the same case wait for it instead of racing. */
const pendingMaintenance = new Map<string, Promise<unknown>>();

/** Builds the index from every derived record of the case and saves it, replacing any earlier one. */
export async function rebuildIndex(store: CaseStore): Promise<void> {
  await serialise(store, async () => remember(store, { index: await buildIndex(store), notice: null }));
}

/** Adds records that the saved index lacks, rebuilding only its last segment; rebuilds all when records were removed. */
export async function updateIndex(store: CaseStore): Promise<void> {
  await currentIndex(store);
}

/**
 * Searches a case and returns the hits, best first or newest first. Builds or updates the index first when
 * needed. Throws QUERY_SYNTAX, with the position, for an invalid query.
 */
export async function searchCase(store: CaseStore, query: string, options: SearchOptions = {}): Promise<SearchResult> {
  const sort = options.sort ?? 'relevance';
  const requested = options.limit ?? DEFAULT_SEARCH_LIMIT;
  if (Number.isNaN(requested)) throw new MailcaseError('INVALID_INPUT', 'the search limit is not a number', { userMessage: 'The number of hits to show must be a number.' });
  const limit = Math.max(0, Math.floor(requested));
  if (query.trim() === '') return { total: 0, hits: [], sort, ...(options.allMatches ? { sha256s: [] } : {}) };
  const tree = parseQuery(query);

  const search = (): Promise<SearchResult> => runSearch(store, tree, { sort, limit, allMatches: options.allMatches === true });
  try {
    return await search();
  } catch (error) {
    if (!(error instanceof UnusableIndexError)) throw error;
  }

  // A file read during the search did not match the loaded index. A build in a worker thread may have replaced the
  // files, so the saved index is loaded again first, and rebuilt only when that fails too.
  await serialise(store, async () => {
    cachedIndexes.delete(store.dir);
    return maintain(store);
  });
  try {
    return await search();
  } catch (error) {
    if (!(error instanceof UnusableIndexError)) throw error;
    // A text file is checked only line by line, so its damage shows only now.
    const reason = error.message;
    log.warn('search index rebuilt because a file is unusable', { caseId: store.info.caseId, reason });
    await serialise(store, async () => remember(store, { index: await buildIndex(store), notice: rebuiltNotice(reason) }));
  }
  try {
    return await search();
  } catch (error) {
    if (!(error instanceof UnusableIndexError)) throw error;
    // A rebuilt index that is unusable again points at a fault in the index code or the disk, not in old files.
    cachedIndexes.delete(store.dir);
    throw new MailcaseError('INDEX_INVALID', `the rebuilt search index is unusable: ${error.message}`, {
      userMessage: 'The search index could not be built for this case. Copy the diagnostics and report the problem.',
      details: { reason: error.message },
    });
  }
}

/** Index maintenance on the calling thread, for work that already runs in the case's turn (runIndexWork). */
export interface InThreadMaintenance {
  rebuild(): Promise<void>;
  update(): Promise<void>;
}

/**
 * Runs work that writes the case's index files, such as a build in a worker thread, in the case's turn: after the
 * index maintenance in progress and before any that follows, so two writers never mix their files. The work gets
 * the calling thread's own maintenance, which it must use instead of rebuildIndex and updateIndex.
 */
export async function runIndexWork<T>(store: CaseStore, work: (inThread: InThreadMaintenance) => Promise<T>): Promise<T> {
  return serialise(store, () =>
    work({
      rebuild: async () => {
        remember(store, { index: await buildIndex(store), notice: null });
      },
      update: async () => {
        await maintain(store);
      },
    }),
  );
}

/** Drops every index held in memory, so the next search reads the saved files again. */
export function forgetLoadedIndexes(): void {
  cachedIndexes.clear();
}

async function runSearch(store: CaseStore, tree: QueryNode, options: { sort: SearchSort; limit: number; allMatches: boolean }): Promise<SearchResult> {
  const cached = await currentIndex(store);
  const caseIndex = cached.index;
  await loadSegments(caseIndex);
  const reviewStates = needsReviewStates(tree) ? await loadReviewStates(store) : null;

  const evaluator = new QueryEvaluator(caseIndex, reviewStates as ReadonlyMap<string, ReviewState> | null);
  const matches = await evaluator.run(tree);
  const page = sortMatches(caseIndex, matches, evaluator.scores, options.sort, options.limit);

  const hits: SearchHit[] = [];
  const highlighters = collectHighlighters(tree);
  const matcher = new TextMatcher();
  for (const ordinal of page) {
    hits.push(await toHit(caseIndex, ordinal, evaluator.scores[ordinal] ?? 0, highlighters, matcher));
  }

  const result: SearchResult = { total: countMatches(matches), hits, sort: options.sort };
  if (options.allMatches) result.sha256s = matchingRoots(caseIndex, matches);
  if (cached.notice !== null) {
    result.notice = cached.notice;
    cached.notice = null;
  }
  return result;
}

/**
 * Returns the matching ordinals in result order, only the first `limit` of them. A full sort of a broad match on
 * a large case costs tens of milliseconds, so a short page is picked by insertion into a sorted list instead.
 */
function sortMatches(caseIndex: CaseIndex, matches: DocumentSet, scores: Float64Array, sort: SearchSort, limit: number): number[] {
  const documents = caseIndex.documents;
  const dateOf = (ordinal: number): number => documents.dateOf(ordinal) ?? -Infinity;
  const idOf = (ordinal: number): string => documents.idOf(ordinal);
  const byId = (a: number, b: number): number => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0);
  const byDate = (a: number, b: number): number => dateOf(b) - dateOf(a);
  const compare =
    sort === 'date' ? (a: number, b: number): number => byDate(a, b) || byId(a, b) : (a: number, b: number): number => (scores[b] ?? 0) - (scores[a] ?? 0) || byDate(a, b) || byId(a, b);

  const ordinals: number[] = [];
  for (let ordinal = 0; ordinal < matches.length; ordinal += 1) {
    if (matches[ordinal] === 1) ordinals.push(ordinal);
  }
  if (limit >= ordinals.length / 4) return ordinals.sort(compare).slice(0, limit);

  const best: number[] = [];
  for (const ordinal of ordinals) {
    const last = best[best.length - 1];
    if (best.length >= limit && last !== undefined && compare(ordinal, last) >= 0) continue;

    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compare(best[middle] ?? ordinal, ordinal) <= 0) low = middle + 1;
      else high = middle;
    }
    best.splice(low, 0, ordinal);
    if (best.length > limit) best.pop();
  }
  return best;
}

function countMatches(matches: DocumentSet): number {
  let total = 0;
  for (let ordinal = 0; ordinal < matches.length; ordinal += 1) total += matches[ordinal] ?? 0;
  return total;
}

/** Returns the sorted SHA-256 of every stored message that has a matching record, itself or embedded. */
function matchingRoots(caseIndex: CaseIndex, matches: DocumentSet): string[] {
  const roots = new Set<string>();
  matches.forEach((inSet, ordinal) => {
    const root = caseIndex.documents.roots[ordinal];
    if (inSet === 1 && root !== undefined) roots.add(root);
  });
  return [...roots].sort();
}

async function toHit(caseIndex: CaseIndex, ordinal: number, score: number, highlighters: ReturnType<typeof collectHighlighters>, matcher: TextMatcher): Promise<SearchHit> {
  if (ordinal < 0 || ordinal >= caseIndex.documents.length) throw new Error(`document ${ordinal} is not in the index`);
  const meta = caseIndex.documents.metaOf(ordinal);

  const segment = caseIndex.segments.find((candidate) => ordinal >= candidate.first && ordinal < candidate.first + candidate.count);
  const text = segment === undefined ? undefined : await documentText(caseIndex, segment, ordinal - segment.first);
  const { snippets, summary } = buildSnippets(text ?? { units: [] }, highlighters, matcher);

  return {
    sha256: meta.root,
    recordId: meta.id,
    embedded: meta.id !== meta.root,
    date: meta.date === null ? null : new Date(meta.date).toISOString(),
    from: meta.from,
    subject: meta.subject,
    score,
    snippet: summary,
    snippets,
  };
}

/**
 * Returns the case's index, loading it when it is not in memory and bringing it up to date when the records
 * folder changed. An unusable saved index is rebuilt, and the reason is kept for the next result.
 */
async function currentIndex(store: CaseStore): Promise<CachedIndex> {
  const cached = cachedIndexes.get(store.dir);
  if (cached !== undefined && cached.index.recordsFingerprint === (await recordsFingerprint(store))) return cached;

  return serialise(store, () => maintain(store));
}

/** Loads the index unless it is in memory, and brings it up to date. Runs only in the case's turn (serialise). */
async function maintain(store: CaseStore): Promise<CachedIndex> {
  let entry = cachedIndexes.get(store.dir);
  if (entry === undefined) {
    try {
      entry = { index: await loadIndex(store), notice: null };
    } catch (error) {
      if (!(error instanceof UnusableIndexError)) throw error;
      const firstBuild = error.message === 'there is no index yet';
      if (!firstBuild) log.warn('search index rebuilt because the saved one is unusable', { caseId: store.info.caseId, reason: error.message });
      entry = { index: await buildIndex(store), notice: firstBuild ? null : rebuiltNotice(error.message) };
    }
  }

  if (entry.index.recordsFingerprint !== (await recordsFingerprint(store))) entry = await extendOrRebuild(store, entry);
  return remember(store, entry);
}

/** Adds new records to the index, or rebuilds it when records were removed or its files turn out unusable. */
async function extendOrRebuild(store: CaseStore, entry: CachedIndex): Promise<CachedIndex> {
  try {
    if (await extendIndex(store, entry.index)) return entry;
    log.info('search index rebuilt because records were removed', { caseId: store.info.caseId });
    return { index: await buildIndex(store), notice: entry.notice };
  } catch (error) {
    if (!(error instanceof UnusableIndexError)) throw error;
    log.warn('search index rebuilt because a file is unusable', { caseId: store.info.caseId, reason: error.message });
    return { index: await buildIndex(store), notice: rebuiltNotice(error.message) };
  }
}

function rebuiltNotice(reason: string): string {
  return `The search index was rebuilt from the message records because the saved index was unusable (${reason}).`;
}

/** Runs index maintenance for one case at a time. */
async function serialise<T>(store: CaseStore, task: () => Promise<T>): Promise<T> {
  const previous = pendingMaintenance.get(store.dir) ?? Promise.resolve(null);
  const next = previous.catch(() => null).then(task);
  pendingMaintenance.set(store.dir, next);
  try {
    return await next;
  } finally {
    if (pendingMaintenance.get(store.dir) === next) pendingMaintenance.delete(store.dir);
  }
}

function remember(store: CaseStore, entry: CachedIndex): CachedIndex {
  cachedIndexes.delete(store.dir);
  cachedIndexes.set(store.dir, entry);
  while (cachedIndexes.size > MAX_CACHED_INDEXES) {
    const oldest = cachedIndexes.keys().next().value;
    if (oldest === undefined) break;
    cachedIndexes.delete(oldest);
  }
  return entry;
}
