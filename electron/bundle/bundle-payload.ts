// Gathers what a bundle carries about the selected messages. That is their raw files, the custody log entries
// and transcripts of the runs that brought them in, their rule hits and reviewer state, and the case details
// for bag-info.txt.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { SCHEMA_VERSION, type MessageRecord, type ReviewState } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import type { CustodyEntry } from '../evidence/custody-log.js';
import { isReviewEntry, replayReviewEntries } from '../review/review-store.js';
import { PAYLOAD_PATHS, compareCodeUnits, messagePayloadPath, type ManifestEntry } from './bag-format.js';

/** Custody entry types that record a message entering the case, each with data.sha256. */
export const EVIDENCE_ENTRY_TYPES: ReadonlySet<string> = new Set(['message-acquired', 'message-imported']);

/** Case-relative transcript paths as acquireMailbox writes them; anything else in an entry is ignored. */
const TRANSCRIPT_FILE_PATTERN = /^custody\/transcripts\/[0-9a-f-]{36}\.log$/;

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

/** A payload file with its path relative to the bag root, both checksums and its size in octets. */
export interface PayloadFile extends ManifestEntry {
  sha512: string;
  size: number;
  /** Content held in memory. Messages, transcripts and the mbox have none and are streamed from sourcePath. */
  data?: Buffer;
  sourcePath?: string;
}

/** One rule's hit on a bundled message, as the report and the load file show it. */
export interface BundledHit {
  ruleId: string;
  ruleName: string | null;
  /** File name of the rule run record under data/rules/. */
  runFile: string;
}

/** A bundled message, or a message embedded in one, with everything the report and load file list. */
export interface BundledMessage {
  /** sha256 for a stored message, `${parent sha256}/${partPath}` for an embedded one. */
  recordId: string;
  sha256: string;
  parentSha256: string | null;
  partPath: string | null;
  /** Path of the raw file relative to the bag root; embedded messages have none of their own. */
  payloadPath: string | null;
  size: number;
  record: MessageRecord | null;
  review: ReviewState | null;
  hits: BundledHit[];
  /** Mailboxes or import files the message came from, as the custody log records them. */
  sources: string[];
}

/** Case details for bag-info.txt and the report. */
export interface BundleMetadata {
  caseReference: string;
  caseName: string;
  caseId: string;
  investigator: string | null;
  organisation: string | null;
  /** Mailboxes ("user@host:port") and import files ("file PATH") the selected messages came from, sorted. */
  sources: string[];
  /** Earliest start and latest end of the acquisitions and imports of the selected messages, UTC ISO. */
  acquisitionStart: string | null;
  acquisitionEnd: string | null;
}

export interface CollectOptions {
  /** Overrides the case's case reference, investigator and organisation. */
  caseReference?: string | undefined;
  investigator?: string | undefined;
  organisation?: string | undefined;
}

export interface CollectedPayload {
  files: PayloadFile[];
  messages: BundledMessage[];
  metadata: BundleMetadata;
}

/** A custody log line kept verbatim, so the bundled entries keep the hashes the case's chain has. */
interface CustodyLine {
  text: string;
  entry: CustodyEntry;
}

/**
 * Collects the payload for the selected messages (sorted SHA-256s of stored messages). Throws CASE_INVALID
 * when a transcript the custody log refers to is missing or a rule run record is not valid JSON.
 */
export async function collectPayload(store: CaseStore, selection: readonly string[], options: CollectOptions): Promise<CollectedPayload> {
  const selected = new Set(selection);
  const files: PayloadFile[] = [];
  const records = new Map<string, MessageRecord | null>();

  for (const sha256 of selection) {
    const sourcePath = store.messagePath(sha256);
    const { size, sha512 } = await hashFile(sourcePath);
    // A stored message is named by its SHA-256, and the zip writer checks the octets against it as they stream.
    files.push({ path: messagePayloadPath(sha256), sha256, sha512, size, sourcePath });
    records.set(sha256, await store.loadRecord(sha256));
  }

  const custodyLines = await readCustodyLines(store.custodyLog.filePath);
  const excerpt = selectCustodyLines(custodyLines, selected);
  const rules = await collectRuleRuns(store, selected, records);
  const ruleRunLines = custodyLines.filter(
    (line) => line.entry.type === 'rules-run' && rules.sourceSha256s.has(String(line.entry.data['recordSha256'])),
  );
  const bundledLines = [...excerpt.lines, ...ruleRunLines].sort((a, b) => a.entry.seq - b.entry.seq);

  files.push(bufferPayload(PAYLOAD_PATHS.custodyLog, Buffer.from(bundledLines.map((line) => line.text + '\n').join(''), 'utf8')));
  files.push(...(await collectTranscripts(store, bundledLines.map((line) => line.entry))));
  files.push(...rules.files);

  const reviewStates = replayReviewEntries(excerpt.lines.map((line) => line.entry));
  const reviewList = selection.map((sha256) => reviewStates.get(sha256)).filter((state): state is ReviewState => state !== undefined);
  const review = { schemaVersion: SCHEMA_VERSION, appVersion: APP_VERSION, states: reviewList };
  files.push(bufferPayload(PAYLOAD_PATHS.review, Buffer.from(canonicalJson(review) + '\n', 'utf8')));

  const messages: BundledMessage[] = [];
  for (const sha256 of selection) {
    const record = records.get(sha256) ?? null;
    const size = files.find((file) => file.sha256 === sha256)?.size ?? 0;
    const top: BundledMessage = {
      recordId: sha256,
      sha256,
      parentSha256: null,
      partPath: null,
      payloadPath: messagePayloadPath(sha256),
      size,
      record,
      review: reviewStates.get(sha256) ?? null,
      hits: rules.hits.get(sha256) ?? [],
      sources: excerpt.sourcesByMessage.get(sha256) ?? [],
    };
    messages.push(top, ...embeddedMessages(record, top, rules.hits));
  }

  const metadata = await readMetadata(store, options, excerpt);
  return { files, messages, metadata };
}

/** Hashes a file with SHA-256 and SHA-512 in one pass and returns its size. */
export async function hashFile(file: string): Promise<{ size: number; sha256: string; sha512: string }> {
  const hash256 = createHash('sha256');
  const hash512 = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const octets = chunk as Buffer;
    hash256.update(octets);
    hash512.update(octets);
    size += octets.length;
  }
  return { size, sha256: hash256.digest('hex'), sha512: hash512.digest('hex') };
}

/** Builds an in-memory payload file with both checksums. */
export function bufferPayload(payloadPath: string, data: Buffer): PayloadFile {
  return {
    path: payloadPath,
    sha256: createHash('sha256').update(data).digest('hex'),
    sha512: createHash('sha512').update(data).digest('hex'),
    size: data.length,
    data,
  };
}

function embeddedMessages(record: MessageRecord | null, parent: BundledMessage, hits: Map<string, BundledHit[]>): BundledMessage[] {
  const result: BundledMessage[] = [];
  for (const child of record?.embedded ?? []) {
    const partPath = child.parent?.partPath ?? '';
    const parentSha256 = child.parent?.sha256 ?? parent.sha256;
    const entry: BundledMessage = {
      recordId: `${parentSha256}/${partPath}`,
      sha256: child.sha256,
      parentSha256,
      partPath,
      payloadPath: null,
      size: child.size,
      record: child,
      review: null,
      hits: hits.get(child.sha256) ?? [],
      sources: parent.sources,
    };
    result.push(entry, ...embeddedMessages(child, entry, hits));
  }
  return result;
}

/**
 * Reads the custody log as verbatim lines. Lines that are not JSON (a torn final line that a crash left)
 * are skipped: the log itself records them with a separate entry.
 */
async function readCustodyLines(file: string): Promise<CustodyLine[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }

  const lines: CustodyLine[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      const entry = JSON.parse(line) as CustodyEntry;
      if (typeof entry.seq === 'number' && typeof entry.type === 'string' && entry.data && typeof entry.data === 'object') {
        lines.push({ text: line, entry });
      }
    } catch {
      // A torn line; see above.
    }
  }
  return lines;
}

interface CustodyExcerpt {
  lines: CustodyLine[];
  sourcesByMessage: Map<string, string[]>;
  sources: Set<string>;
  start: string | null;
  end: string | null;
}

/**
 * Picks the entries a recipient needs: the case's creation, every entry of the acquisition and import runs
 * that brought in a selected message (without the entries of messages not selected), and the review
 * entries of the selected messages.
 */
function selectCustodyLines(lines: readonly CustodyLine[], selected: ReadonlySet<string>): CustodyExcerpt {
  const runIds = new Set<string>();
  const sourcesByMessage = new Map<string, string[]>();
  const sources = new Set<string>();
  let start: string | null = null;
  let end: string | null = null;

  for (const { entry } of lines) {
    const sha256 = entry.data['sha256'];
    if (!EVIDENCE_ENTRY_TYPES.has(entry.type) || typeof sha256 !== 'string' || !selected.has(sha256)) continue;

    const runId = runIdOf(entry);
    if (runId) runIds.add(runId);
    const source = describeSource(entry);
    const known = sourcesByMessage.get(sha256) ?? [];
    if (!known.includes(source)) known.push(source);
    sourcesByMessage.set(sha256, known.sort());
    sources.add(source);

    const startedAt = stringField(entry, 'startedAt') ?? entry.time;
    const finishedAt = stringField(entry, 'finishedAt') ?? entry.time;
    if (start === null || startedAt < start) start = startedAt;
    if (end === null || finishedAt > end) end = finishedAt;
  }

  const kept = lines.filter(({ entry }) => {
    if (entry.type === 'case-created') return true;
    const sha256 = entry.data['sha256'];
    if (typeof sha256 === 'string' && SHA256_PATTERN.test(sha256)) {
      if (!selected.has(sha256)) return false;
      if (EVIDENCE_ENTRY_TYPES.has(entry.type) || isReviewEntry(entry)) return true;
    }
    const runId = runIdOf(entry);
    return runId !== null && runIds.has(runId);
  });
  return { lines: kept, sourcesByMessage, sources, start, end };
}

function runIdOf(entry: CustodyEntry): string | null {
  return stringField(entry, 'runId') ?? stringField(entry, 'importId');
}

function stringField(entry: CustodyEntry, name: string): string | null {
  const value = entry.data[name];
  return typeof value === 'string' && value !== '' ? value : null;
}

function describeSource(entry: CustodyEntry): string {
  if (entry.type === 'message-imported') return `file ${stringField(entry, 'path') ?? '(unknown)'}`;
  const port = entry.data['port'];
  return `${stringField(entry, 'user') ?? '(unknown user)'}@${stringField(entry, 'host') ?? '(unknown host)'}:${typeof port === 'number' ? port : '?'}`;
}

/** Adds the protocol transcript of every bundled acquisition entry that names one. */
async function collectTranscripts(store: CaseStore, entries: readonly CustodyEntry[]): Promise<PayloadFile[]> {
  const files = new Map<string, PayloadFile>();
  for (const entry of entries) {
    const transcript = entry.data['transcript'];
    if (!transcript || typeof transcript !== 'object') continue;
    const { file } = transcript as { file?: unknown };
    if (typeof file !== 'string' || !TRANSCRIPT_FILE_PATTERN.test(file) || files.has(file)) continue;

    const sourcePath = path.join(store.dir, file);
    let hashed;
    try {
      hashed = await hashFile(sourcePath);
    } catch (error) {
      throw new MailcaseError('CASE_INVALID', `Transcript ${file} named in the custody log cannot be read: ${(error as Error).message}`, {
        userMessage: `The protocol transcript ${file} that the custody log names is missing or unreadable, so no bundle was written. Run "Verify case" to check the evidence.`,
        details: { file },
        cause: error,
      });
    }
    files.set(file, { path: `data/${file}`, ...hashed, sourcePath });
  }
  return [...files.values()];
}

interface RuleRuns {
  files: PayloadFile[];
  hits: Map<string, BundledHit[]>;
  /** SHA-256 of each original record file, as its 'rules-run' custody entry states it. */
  sourceSha256s: Set<string>;
}

/**
 * Bundles every rule run record in derived/rules/, cut down to the bundled messages: array items that name
 * another message's SHA-256 are left out, so no hit reveals content of a message outside the selection.
 * Each bundled record keeps the SHA-256 of the original file, which the 'rules-run' custody entry names.
 *
 * NOTE: counts inside a cut-down record (such as a rule's hit total) still describe the whole case.
 */
async function collectRuleRuns(store: CaseStore, selected: ReadonlySet<string>, records: Map<string, MessageRecord | null>): Promise<RuleRuns> {
  const result: RuleRuns = { files: [], hits: new Map(), sourceSha256s: new Set() };
  const folder = path.join(store.dir, CASE_LAYOUT.ruleRuns);
  let names: string[];
  try {
    names = (await fs.readdir(folder)).filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort(compareCodeUnits);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return result;
    throw error;
  }

  const keep = new Set(selected);
  for (const record of records.values()) collectEmbeddedHashes(record, keep);

  for (const name of names) {
    const file = path.join(folder, name);
    if (!(await fs.stat(file)).isFile()) continue;
    const octets = await fs.readFile(file);
    const sourceSha256 = createHash('sha256').update(octets).digest('hex');
    let parsed: unknown;
    try {
      parsed = JSON.parse(octets.toString('utf8'));
    } catch (error) {
      throw new MailcaseError('CASE_INVALID', `Rule run record ${name} is not valid JSON`, {
        userMessage: `The rule run record ${CASE_LAYOUT.ruleRuns}/${name} is damaged, so no bundle was written. Run the rules again to replace it.`,
        details: { file: `${CASE_LAYOUT.ruleRuns}/${name}` },
        cause: error,
      });
    }

    const filtered = filterHashes(parsed, keep);
    collectHits(filtered, keep, name, result.hits);
    const bundled = {
      schemaVersion: SCHEMA_VERSION,
      appVersion: APP_VERSION,
      source: { file: `${CASE_LAYOUT.ruleRuns}/${name}`, sha256: sourceSha256 },
      selection: 'hits on messages outside this bundle are left out',
      record: filtered,
    };
    result.files.push(bufferPayload(PAYLOAD_PATHS.rulesRoot + name, Buffer.from(canonicalJson(bundled) + '\n', 'utf8')));
    result.sourceSha256s.add(sourceSha256);
  }
  return result;
}

function collectEmbeddedHashes(record: MessageRecord | null, into: Set<string>): void {
  for (const child of record?.embedded ?? []) {
    into.add(child.sha256);
    collectEmbeddedHashes(child, into);
  }
}

/** Copies a JSON value, leaving out array items that are, or carry as sha256, a hash not in `keep`. */
function filterHashes(value: unknown, keep: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) {
    return value.filter((item) => !namesOtherMessage(item, keep)).map((item) => filterHashes(item, keep));
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = filterHashes(item, keep);
    return copy;
  }
  return value;
}

function namesOtherMessage(item: unknown, keep: ReadonlySet<string>): boolean {
  if (typeof item === 'string') return SHA256_PATTERN.test(item) && !keep.has(item);
  if (item && typeof item === 'object' && !Array.isArray(item)) {
    const sha256 = (item as Record<string, unknown>)['sha256'];
    return typeof sha256 === 'string' && SHA256_PATTERN.test(sha256) && !keep.has(sha256);
  }
  return false;
}

/**
 * Finds the rules that hit each kept message: a rule is an item of the record's `rules` array with a string
 * `id`, and it hits every kept hash that appears anywhere inside it.
 */
function collectHits(record: unknown, keep: ReadonlySet<string>, runFile: string, into: Map<string, BundledHit[]>): void {
  if (!record || typeof record !== 'object') return;
  const rules = (record as Record<string, unknown>)['rules'];
  if (!Array.isArray(rules)) return;

  for (const rule of rules) {
    if (!rule || typeof rule !== 'object') continue;
    const { id, name } = rule as Record<string, unknown>;
    if (typeof id !== 'string') continue;

    const hashes = new Set<string>();
    gatherHashes(rule, keep, hashes);
    for (const sha256 of hashes) {
      const list = into.get(sha256) ?? [];
      list.push({ ruleId: id, ruleName: typeof name === 'string' ? name : null, runFile });
      into.set(sha256, list);
    }
  }
}

function gatherHashes(value: unknown, keep: ReadonlySet<string>, into: Set<string>): void {
  if (typeof value === 'string') {
    if (keep.has(value)) into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) gatherHashes(item, keep, into);
    return;
  }
  if (value && typeof value === 'object') {
    for (const item of Object.values(value)) gatherHashes(item, keep, into);
  }
}

/** Reads the case reference, investigator and organisation from the options, else from case.json. */
async function readMetadata(store: CaseStore, options: CollectOptions, excerpt: CustodyExcerpt): Promise<BundleMetadata> {
  let caseFile: Record<string, unknown> = {};
  try {
    caseFile = JSON.parse(await fs.readFile(path.join(store.dir, CASE_LAYOUT.info), 'utf8')) as Record<string, unknown>;
  } catch {
    // CaseStore.open has already read case.json, so only an unusual race gets here; the options still apply.
  }
  const field = (...names: string[]): string | null => {
    for (const name of names) {
      const value = caseFile[name];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return null;
  };

  return {
    caseReference: nonEmpty(options.caseReference) ?? field('reference', 'caseReference') ?? store.info.caseId,
    caseName: store.info.name,
    caseId: store.info.caseId,
    investigator: nonEmpty(options.investigator) ?? field('investigator'),
    organisation: nonEmpty(options.organisation) ?? field('organisation', 'organization'),
    sources: [...excerpt.sources].sort(compareCodeUnits),
    acquisitionStart: excerpt.start,
    acquisitionEnd: excerpt.end,
  };
}

function nonEmpty(value: string | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
