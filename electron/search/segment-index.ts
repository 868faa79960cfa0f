// The case's search index on disk and in memory: a metadata table of every document, and lunr segments of at
// most SEGMENT_DOCUMENTS documents, each with a side file of the texts that phrases and snippets are read from.
// New records extend the last segment only. A damaged or foreign index is rebuilt from the records.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import lunr from 'lunr';

import { canonicalJson } from '../../shared/canonical-json.js';
import type { MessageRecord } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import {
  LUNR_FIELDS,
  documentsOfRecord,
  toLunrDocument,
  type AddressRow,
  type DocumentMeta,
  type DocumentText,
} from './search-documents.js';
import { configurePipelines } from './text-pipeline.js';

const log = createLogger('search-index');

/** Version of the index layout on disk. An index written with another version is rebuilt. */
export const INDEX_SCHEMA_VERSION = 3;

/**
 * Documents per lunr segment. lunr builds and queries one index in memory, and its build time and memory
 * grow faster than linearly with the document count; 5,000 documents of about 2 KB build in about a second.
 */
export const SEGMENT_DOCUMENTS = 5_000;

/** Name of the manifest inside derived/index/; it is written last, so it only ever names complete files. */
export const MANIFEST_FILE = 'manifest.json';
const DOCUMENTS_FILE = 'documents.json';

/** Records loaded at a time while building, so a full rebuild keeps at most this many records in memory. */
const RECORD_BATCH = 500;

interface ManifestFile {
  name: string;
  size: number;
}

interface ManifestSegment {
  first: number;
  count: number;
  lunrFile: ManifestFile;
  textFile: ManifestFile;
}

interface Manifest {
  schemaVersion: number;
  appVersion: string;
  lunrVersion: string;
  segmentDocuments: number;
  documentCount: number;
  /** Fingerprint of the records folder when the index was last brought up to date. */
  recordsFingerprint: string;
  documentsFile: ManifestFile;
  segments: ManifestSegment[];
}

/**
 * A segment's text file read into memory: the raw bytes of one JSON line per document and where each line
 * starts. A document's texts are parsed only when a query or a snippet needs them.
 */
export interface SegmentTexts {
  bytes: Buffer;
  /** Byte offset of each document's line, then the offset just past the last line. */
  offsets: Int32Array;
}

/**
 * One lunr segment of a case's index. Its lunr index is loaded when the first query needs it, and its texts when a
 * phrase or snippet needs them, so opening a case reads only the manifest and the metadata table.
 */
export interface Segment {
  first: number;
  count: number;
  index: lunr.Index | null;
  lunrFile: ManifestFile;
  texts: SegmentTexts | null;
  textFile: string;
}

/** A case's index held in memory. */
export interface CaseIndex {
  dir: string;
  documents: DocumentMeta[];
  segments: Segment[];
  roots: Set<string>;
  recordsFingerprint: string;
}

/** Thrown inside this module when an index file cannot be used; the caller rebuilds. */
export class UnusableIndexError extends Error {}

type DocumentRow = [string, string, number | null, number, string, string, number, AddressRow[], string[], string[]];

/** Builds the whole index from the case's records, replacing any earlier one, and returns it loaded. */
export async function buildIndex(store: CaseStore): Promise<CaseIndex> {
  const dir = indexDir(store);
  const fingerprint = await recordsFingerprint(store);
  const roots = await listParsedMessages(store);
  await removeIndexFiles(dir);

  const caseIndex: CaseIndex = { dir, documents: [], segments: [], roots: new Set(), recordsFingerprint: fingerprint };
  const manifestSegments: ManifestSegment[] = [];
  await appendRecords(store, caseIndex, roots, manifestSegments, []);
  await saveManifest(caseIndex, manifestSegments);
  log.info('search index built', { caseId: store.info.caseId, documents: caseIndex.documents.length, segments: caseIndex.segments.length });
  return caseIndex;
}

/**
 * Adds the records of stored messages that the index lacks. Only the last segment is rebuilt, together with any
 * new segments. Returns false, changing nothing, when a record the index contains has gone, because then only a
 * full rebuild is correct.
 */
export async function extendIndex(store: CaseStore, caseIndex: CaseIndex): Promise<boolean> {
  const fingerprint = await recordsFingerprint(store);
  const current = await listParsedMessages(store);
  const currentSet = new Set(current);
  for (const root of caseIndex.roots) {
    if (!currentSet.has(root)) return false;
  }

  // NOTE: a record replaced in place, such as one parsed again after a record schema change, keeps its old
  // documents here. processCase covers it today because it calls rebuildIndex after parsing anything.
  const added = current.filter((sha256) => !caseIndex.roots.has(sha256));
  const manifestSegments = await readManifestSegments(caseIndex.dir);
  if (added.length > 0) {
    // The last segment is rebuilt from its stored texts together with the new documents, unless it is full.
    const last = caseIndex.segments[caseIndex.segments.length - 1];
    let reopenedTexts: DocumentText[] = [];
    if (last !== undefined && last.count < SEGMENT_DOCUMENTS) {
      const texts = await segmentTexts(last);
      reopenedTexts = Array.from({ length: last.count }, (_, offset) => parseDocumentText(last, texts, offset));
      caseIndex.segments.pop();
      manifestSegments.pop();
    }
    await appendRecords(store, caseIndex, added, manifestSegments, reopenedTexts);
    log.info('search index extended', { caseId: store.info.caseId, added: added.length, documents: caseIndex.documents.length });
  }
  caseIndex.recordsFingerprint = fingerprint;
  await saveManifest(caseIndex, manifestSegments);
  return true;
}

/** Loads the persisted index. Throws UnusableIndexError naming the reason when it is missing, damaged or of another version. */
export async function loadIndex(store: CaseStore): Promise<CaseIndex> {
  const dir = indexDir(store);
  const manifest = await readManifest(dir);

  const documentRows = await readJsonFile(dir, manifest.documentsFile);
  const rows = (documentRows as { rows?: unknown }).rows;
  if (!Array.isArray(rows) || rows.length !== manifest.documentCount) {
    throw new UnusableIndexError(`${DOCUMENTS_FILE} does not list ${manifest.documentCount} documents`);
  }
  const documents = rows.map((row) => fromRow(row));

  const segments: Segment[] = [];
  let expectedFirst = 0;
  for (const entry of manifest.segments) {
    if (entry.first !== expectedFirst) throw new UnusableIndexError(`segment ${entry.lunrFile.name} starts at ${entry.first}, not ${expectedFirst}`);
    if (!/^[a-z0-9.-]+$/.test(entry.textFile.name)) throw new UnusableIndexError(`${MANIFEST_FILE} names an invalid file`);
    segments.push({ first: entry.first, count: entry.count, index: null, lunrFile: entry.lunrFile, texts: null, textFile: path.join(dir, entry.textFile.name) });
    expectedFirst += entry.count;
  }
  if (expectedFirst !== documents.length) throw new UnusableIndexError(`segments hold ${expectedFirst} documents, not ${documents.length}`);

  const roots = new Set(documents.map((document) => document.root));
  return { dir, documents, segments, roots, recordsFingerprint: manifest.recordsFingerprint };
}

/** Loads the lunr index of every segment that is not in memory yet. Throws UnusableIndexError when a file is damaged. */
export async function loadSegments(caseIndex: CaseIndex): Promise<void> {
  for (const segment of caseIndex.segments) {
    if (segment.index !== null) continue;
    const data = await readJsonFile(caseIndex.dir, segment.lunrFile);
    let index: lunr.Index;
    try {
      index = loadSegmentIndex(data);
    } catch (error) {
      throw new UnusableIndexError(`${segment.lunrFile.name} could not be loaded: ${(error as Error).message}`);
    }
    if (!sameFields(index)) throw new UnusableIndexError(`${segment.lunrFile.name} does not index the fields ${LUNR_FIELDS.join(', ')}`);
    segment.index = index;
  }
}

/**
 * Reads a segment's text file from disk once and keeps its bytes. Throws UnusableIndexError when the file is
 * missing or does not hold one line per document after its header.
 */
export async function segmentTexts(segment: Segment): Promise<SegmentTexts> {
  if (segment.texts !== null) return segment.texts;

  const name = path.basename(segment.textFile);
  const bytes = await fs.readFile(segment.textFile).catch((error: Error) => {
    throw new UnusableIndexError(`${name} is not readable: ${error.message}`);
  });
  // JSON text never contains a raw line break, so every line break ends a line: the header, then one per document.
  const headerEnd = bytes.indexOf(NEWLINE);
  let header: unknown;
  try {
    header = headerEnd < 0 ? null : JSON.parse(bytes.toString('utf8', 0, headerEnd));
  } catch {
    header = null;
  }
  const fields = header as { schemaVersion?: unknown; count?: unknown } | null;
  if (fields === null || typeof fields !== 'object' || fields.schemaVersion !== INDEX_SCHEMA_VERSION || fields.count !== segment.count) {
    throw new UnusableIndexError(`${name} is not readable JSON with a header for ${segment.count} documents`);
  }

  const offsets = new Int32Array(segment.count + 1);
  let start = headerEnd + 1;
  for (let document = 0; document < segment.count; document += 1) {
    const end = bytes.indexOf(NEWLINE, start);
    if (end < 0) throw new UnusableIndexError(`${name} does not hold ${segment.count} documents`);
    offsets[document] = start;
    start = end + 1;
  }
  if (start !== bytes.length) throw new UnusableIndexError(`${name} does not hold ${segment.count} documents`);
  offsets[segment.count] = start;
  segment.texts = { bytes, offsets };
  return segment.texts;
}

/** Returns the texts of one document of a segment, parsing only its line. Throws UnusableIndexError when the line is damaged. */
export async function documentText(segment: Segment, offset: number): Promise<DocumentText> {
  const texts = await segmentTexts(segment);
  return parseDocumentText(segment, texts, offset);
}

/** Parses the texts of one document from a segment's text file already in memory. */
export function parseDocumentText(segment: Segment, texts: SegmentTexts, offset: number): DocumentText {
  const start = texts.offsets[offset];
  const end = texts.offsets[offset + 1];
  if (start === undefined || end === undefined) throw new Error(`document ${offset} is not in segment ${segment.first}`);
  let text: unknown;
  try {
    text = JSON.parse(texts.bytes.toString('utf8', start, end - 1));
  } catch (error) {
    throw new UnusableIndexError(`${path.basename(segment.textFile)} is not readable JSON: ${(error as Error).message}`);
  }
  if (text === null || typeof text !== 'object' || !Array.isArray((text as Partial<DocumentText>).units)) {
    throw new UnusableIndexError(`${path.basename(segment.textFile)} contains an invalid document`);
  }
  return text as DocumentText;
}

/**
 * Returns a fingerprint of the records folder: the modification times of its bucket folders. Saving a record
 * renames a file into its bucket, which changes the bucket's time, so an unchanged fingerprint means no record
 * was added, removed or replaced.
 */
export async function recordsFingerprint(store: CaseStore): Promise<string> {
  const recordsDir = path.join(store.dir, CASE_LAYOUT.records);
  const buckets = (await fs.readdir(recordsDir).catch(() => [] as string[])).sort();
  const times = await Promise.all(buckets.map((bucket) => fs.stat(path.join(recordsDir, bucket)).then((stat) => `${bucket}:${stat.mtimeMs}`, () => `${bucket}:-`)));
  return createHash('sha256').update(times.join('\n')).digest('hex');
}

/** Lists, sorted, the stored messages that have a derived record: the messages a fresh index contains. */
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

/**
 * Loads the records of `roots` in batches and adds their documents after the existing segments.
 * `reopenedTexts` are the texts of a last segment being rebuilt, whose documents are listed but in no segment.
 */
async function appendRecords(
  store: CaseStore,
  caseIndex: CaseIndex,
  roots: string[],
  manifestSegments: ManifestSegment[],
  reopenedTexts: DocumentText[],
): Promise<void> {
  let pendingTexts = reopenedTexts;
  for (let offset = 0; offset < roots.length; offset += RECORD_BATCH) {
    const batch = roots.slice(offset, offset + RECORD_BATCH);
    const records = await Promise.all(batch.map((sha256) => store.loadRecord(sha256)));
    records.forEach((record) => {
      if (record === null) return;
      addRecord(caseIndex, record, pendingTexts);
    });

    while (pendingTexts.length >= SEGMENT_DOCUMENTS) {
      const texts = pendingTexts.slice(0, SEGMENT_DOCUMENTS);
      pendingTexts = pendingTexts.slice(SEGMENT_DOCUMENTS);
      manifestSegments.push(await writeSegment(caseIndex, texts));
    }
  }
  if (pendingTexts.length > 0) manifestSegments.push(await writeSegment(caseIndex, pendingTexts));
  await saveDocuments(caseIndex);
}

function addRecord(caseIndex: CaseIndex, record: MessageRecord, pendingTexts: DocumentText[]): void {
  if (caseIndex.roots.has(record.sha256)) return;
  caseIndex.roots.add(record.sha256);
  for (const document of documentsOfRecord(record)) {
    caseIndex.documents.push(document.meta);
    pendingTexts.push(document.text);
  }
}

/** Builds one lunr segment of the documents that follow the existing segments, and writes its two files. */
async function writeSegment(caseIndex: CaseIndex, texts: DocumentText[]): Promise<ManifestSegment> {
  const first = caseIndex.segments.reduce((sum, segment) => sum + segment.count, 0);
  const builder = new lunr.Builder();
  configurePipelines(builder);
  builder.ref('ref');
  for (const field of LUNR_FIELDS) builder.field(field);
  // Word positions would make the index several times larger; phrases and snippets read the texts instead.
  builder.metadataWhitelist = [];
  texts.forEach((text, offset) => builder.add(toLunrDocument(first + offset, text)));
  const index = builder.build();

  const names = segmentFileNames(first);
  const lunrFile = await writeIndexFile(caseIndex.dir, names.lunrFile, serialiseSegmentIndex(index));
  const textLines = [canonicalJson({ schemaVersion: INDEX_SCHEMA_VERSION, count: texts.length }), ...texts.map((text) => canonicalJson(text))];
  const textFile = await writeIndexFile(caseIndex.dir, names.textFile, `${textLines.join('\n')}\n`);

  // The built index and the texts are dropped from memory and read again when a query needs them, so a full
  // build of a large case keeps one segment in memory at a time. A loaded segment is also much smaller than a
  // built one, whose postings are all objects.
  caseIndex.segments.push({ first, count: texts.length, index: null, lunrFile, texts: null, textFile: path.join(caseIndex.dir, names.textFile) });
  return { first, count: texts.length, lunrFile, textFile };
}

function segmentFileNames(first: number): { lunrFile: string; textFile: string } {
  const label = String(first).padStart(9, '0');
  return { lunrFile: `segment-${label}.lunr.json`, textFile: `segment-${label}.text.jsonl` };
}

async function saveDocuments(caseIndex: CaseIndex): Promise<void> {
  const rows = caseIndex.documents.map(toRow);
  await writeIndexFile(caseIndex.dir, DOCUMENTS_FILE, canonicalJson({ schemaVersion: INDEX_SCHEMA_VERSION, rows }));
}

async function saveManifest(caseIndex: CaseIndex, segments: ManifestSegment[]): Promise<void> {
  const documentsStat = await fs.stat(path.join(caseIndex.dir, DOCUMENTS_FILE)).catch(() => null);
  if (documentsStat === null) await saveDocuments(caseIndex);
  const size = (await fs.stat(path.join(caseIndex.dir, DOCUMENTS_FILE))).size;

  const manifest: Manifest = {
    schemaVersion: INDEX_SCHEMA_VERSION,
    appVersion: APP_VERSION,
    lunrVersion: lunr.version,
    segmentDocuments: SEGMENT_DOCUMENTS,
    documentCount: caseIndex.documents.length,
    recordsFingerprint: caseIndex.recordsFingerprint,
    documentsFile: { name: DOCUMENTS_FILE, size },
    segments,
  };
  await writeFileAtomic(path.join(caseIndex.dir, MANIFEST_FILE), canonicalJson(manifest) + '\n');
}

async function writeIndexFile(dir: string, name: string, text: string): Promise<ManifestFile> {
  await writeFileAtomic(path.join(dir, name), text);
  return { name, size: Buffer.byteLength(text) };
}

async function readManifest(dir: string): Promise<Manifest> {
  let data: unknown;
  try {
    data = JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnusableIndexError(code === 'ENOENT' ? 'there is no index yet' : `${MANIFEST_FILE} is not readable JSON`);
  }

  const manifest = data as Partial<Manifest> | null;
  if (manifest === null || typeof manifest !== 'object') throw new UnusableIndexError(`${MANIFEST_FILE} is not a JSON object`);
  if (manifest.schemaVersion !== INDEX_SCHEMA_VERSION) {
    throw new UnusableIndexError(`index schema version ${String(manifest.schemaVersion)} is not ${INDEX_SCHEMA_VERSION}`);
  }
  if (manifest.lunrVersion !== lunr.version) throw new UnusableIndexError(`index written by lunr ${String(manifest.lunrVersion)}, not ${lunr.version}`);
  if (
    typeof manifest.documentCount !== 'number' ||
    typeof manifest.recordsFingerprint !== 'string' ||
    !isManifestFile(manifest.documentsFile) ||
    !Array.isArray(manifest.segments) ||
    !manifest.segments.every(isManifestSegment)
  ) {
    throw new UnusableIndexError(`${MANIFEST_FILE} is missing fields`);
  }
  return manifest as Manifest;
}

async function readManifestSegments(dir: string): Promise<ManifestSegment[]> {
  return (await readManifest(dir)).segments;
}

/** Reads an index file after checking its size against the manifest, which catches truncated and replaced files. */
async function readJsonFile(dir: string, file: ManifestFile): Promise<unknown> {
  if (!/^[a-z0-9.-]+$/.test(file.name)) throw new UnusableIndexError(`${MANIFEST_FILE} names an invalid file`);
  const full = path.join(dir, file.name);
  const stat = await fs.stat(full).catch(() => null);
  if (stat === null) throw new UnusableIndexError(`${file.name} is missing`);
  if (stat.size !== file.size) throw new UnusableIndexError(`${file.name} is ${stat.size} bytes, expected ${file.size} from the manifest`);
  try {
    return JSON.parse(await fs.readFile(full, 'utf8'));
  } catch (error) {
    throw new UnusableIndexError(`${file.name} is not readable JSON: ${(error as Error).message}`);
  }
}

function isManifestFile(value: unknown): value is ManifestFile {
  const file = value as Partial<ManifestFile> | null;
  return typeof file === 'object' && file !== null && typeof file.name === 'string' && typeof file.size === 'number';
}

function isManifestSegment(value: unknown): value is ManifestSegment {
  const segment = value as Partial<ManifestSegment> | null;
  return (
    typeof segment === 'object' &&
    segment !== null &&
    typeof segment.first === 'number' &&
    typeof segment.count === 'number' &&
    isManifestFile(segment.lunrFile) &&
    isManifestFile(segment.textFile)
  );
}

const NEWLINE = 0x0a;

/**
 * A term of a saved segment: the term, lunr's term number, then per field in the segment's field order the
 * ordinals of the documents that contain it, as little-endian 32-bit integers in base64.
 */
type SavedTerm = [string, number, ...string[]];

/**
 * The saved form of a lunr segment. lunr's own form writes an object per document and term, and parsing those took
 * most of the time of loading a segment. Here the numbers are binary data in base64 strings, which JSON parses
 * quickly, and a term's postings are decoded only when a query first looks the term up.
 */
interface SavedSegment {
  version: string;
  fields: string[];
  pipeline: string[];
  fieldVectors: SavedVectors;
  terms: SavedTerm[];
}

/**
 * lunr's field vectors, one per document and field, as binary data in base64, because parsing tens of thousands of
 * number lists from JSON took most of the remaining load time. A vector is a list of (term number, weight) pairs.
 */
interface SavedVectors {
  keys: string[];
  /** Each vector's pair count, little-endian 32-bit integers. */
  lengths: string;
  /** The term numbers of all pairs, one vector after another, little-endian 32-bit integers. */
  terms: string;
  /**
   * The weights of all pairs. lunr rounds each weight to three decimals, so when every weight times 1,000 is an
   * integer that divides back to the same number, `thousandths` is true and each is a 32-bit integer of
   * thousandths; otherwise each is a 64-bit float. Little-endian either way.
   */
  weights: string;
  thousandths: boolean;
}

/** Serialises a built segment; loadSegmentIndex turns the text back into an equal lunr index. */
export function serialiseSegmentIndex(index: lunr.Index): string {
  const json = index.toJSON() as unknown as {
    version: string;
    fields: string[];
    fieldVectors: [string, number[]][];
    invertedIndex: [string, Record<string, number | Record<string, unknown>>][];
    pipeline: string[];
  };
  const terms: SavedTerm[] = json.invertedIndex.map(([term, posting]) => [
    term,
    posting._index as number,
    ...json.fields.map((field) => encodeOrdinals(Object.keys((posting[field] as Record<string, unknown> | undefined) ?? {}).map(Number))),
  ]);
  // lunr's toJSON gives the fields and the terms in a fixed order, so plain JSON.stringify is deterministic here and
  // avoids copying a large index to sort keys.
  const saved: SavedSegment = { version: json.version, fields: json.fields, pipeline: json.pipeline, fieldVectors: encodeVectors(json.fieldVectors), terms };
  return JSON.stringify(saved);
}

function encodeOrdinals(ordinals: number[]): string {
  const bytes = Buffer.alloc(4 * ordinals.length);
  ordinals.forEach((ordinal, position) => bytes.writeUInt32LE(ordinal, 4 * position));
  return bytes.toString('base64');
}

function decodeOrdinals(text: unknown): number[] {
  if (typeof text !== 'string') throw new UnusableIndexError('a saved segment has an invalid posting');
  const bytes = Buffer.from(text, 'base64');
  const ordinals: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) ordinals.push(bytes.readUInt32LE(at));
  return ordinals;
}

/** Tells whether a weight is an integer number of thousandths that fits a 32-bit integer and divides back exactly. */
function isThousandths(weight: number): boolean {
  const scaled = Math.round(weight * 1000);
  return Math.abs(scaled) < 2 ** 31 && scaled / 1000 === weight;
}

function encodeVectors(vectors: [string, number[]][]): SavedVectors {
  const pairs = vectors.reduce((sum, [, elements]) => sum + elements.length / 2, 0);
  const lengths = Buffer.alloc(4 * vectors.length);
  const terms = Buffer.alloc(4 * pairs);
  const thousandths = vectors.every(([, elements]) => elements.every((value, position) => position % 2 === 0 || isThousandths(value)));
  const weights = Buffer.alloc((thousandths ? 4 : 8) * pairs);

  let pair = 0;
  vectors.forEach(([, elements], position) => {
    lengths.writeUInt32LE(elements.length / 2, 4 * position);
    for (let at = 0; at + 1 < elements.length; at += 2) {
      const weight = elements[at + 1] ?? 0;
      terms.writeUInt32LE(elements[at] ?? 0, 4 * pair);
      if (thousandths) weights.writeInt32LE(Math.round(weight * 1000), 4 * pair);
      else weights.writeDoubleLE(weight, 8 * pair);
      pair += 1;
    }
  });
  return { keys: vectors.map(([key]) => key), lengths: lengths.toString('base64'), terms: terms.toString('base64'), weights: weights.toString('base64'), thousandths };
}

/**
 * Turns saved field vectors back into lunr vectors. Each vector's elements are a view into one array of all
 * elements, because lunr only reads the elements of a document's vector.
 */
function decodeVectors(saved: SavedVectors): Record<string, lunr.Vector> {
  if (!Array.isArray(saved.keys) || typeof saved.lengths !== 'string' || typeof saved.terms !== 'string' || typeof saved.weights !== 'string') {
    throw new Error('the field vectors are invalid');
  }
  const lengthBytes = Buffer.from(saved.lengths, 'base64');
  const termBytes = Buffer.from(saved.terms, 'base64');
  const weightBytes = Buffer.from(saved.weights, 'base64');
  const pairs = termBytes.length / 4;
  if (lengthBytes.length !== 4 * saved.keys.length || !Number.isInteger(pairs) || weightBytes.length !== (saved.thousandths ? 4 : 8) * pairs) {
    throw new Error('the field vectors have the wrong size');
  }

  // lunr's vector elements alternate term number and weight.
  const all = new Float64Array(2 * pairs);
  for (let pair = 0; pair < pairs; pair += 1) {
    all[2 * pair] = termBytes.readUInt32LE(4 * pair);
    all[2 * pair + 1] = saved.thousandths ? weightBytes.readInt32LE(4 * pair) / 1000 : weightBytes.readDoubleLE(8 * pair);
  }

  const vectors: Record<string, lunr.Vector> = Object.create(null) as Record<string, lunr.Vector>;
  let at = 0;
  saved.keys.forEach((key, position) => {
    const length = 2 * lengthBytes.readUInt32LE(4 * position);
    if (typeof key !== 'string' || at + length > all.length) throw new Error('the field vectors are invalid');
    // lunr's Vector reads its elements by index and length only, which a typed array view provides.
    vectors[key] = new lunr.Vector(all.subarray(at, at + length) as unknown as number[]);
    at += length;
  });
  if (at !== all.length) throw new Error('the field vectors have the wrong size');
  return vectors;
}

/**
 * Builds a lunr index from a saved segment. Field vectors and the term set are built now, as lunr's own loader
 * does; each term's postings are built on first use, because a query touches few of the terms.
 */
export function loadSegmentIndex(data: unknown): lunr.Index {
  const saved = data as Partial<SavedSegment> | null;
  if (saved === null || typeof saved !== 'object' || !Array.isArray(saved.fields) || typeof saved.fieldVectors !== 'object' || !Array.isArray(saved.terms) || !Array.isArray(saved.pipeline)) {
    throw new Error('the segment lacks fields, vectors, terms or pipeline');
  }
  const fields = saved.fields;
  const fieldVectors = decodeVectors(saved.fieldVectors);

  const termPositions = new Map<string, number>();
  // The type declarations lack lunr's TokenSet.Builder, which its own loader uses.
  const tokenSetBuilder = new (lunr.TokenSet as unknown as { Builder: new () => { insert(word: string): void; finish(): void; root: lunr.TokenSet } }).Builder();
  saved.terms.forEach((entry, position) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') throw new Error(`term ${position} is invalid`);
    // lunr's term set needs the terms in sorted order, as the builder wrote them.
    tokenSetBuilder.insert(entry[0]);
    termPositions.set(entry[0], position);
  });
  tokenSetBuilder.finish();

  const terms = saved.terms;
  const postings = new Map<string, object>();
  const invertedIndex = new Proxy(Object.create(null) as Record<string, object>, {
    get(_target, term): object | undefined {
      if (typeof term !== 'string') return undefined;
      const known = postings.get(term);
      if (known !== undefined) return known;
      const position = termPositions.get(term);
      const entry = position === undefined ? undefined : terms[position];
      if (entry === undefined) return undefined;

      const posting: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      posting._index = entry[1];
      fields.forEach((field, fieldNumber) => {
        const documents: Record<string, object> = Object.create(null) as Record<string, object>;
        for (const ordinal of decodeOrdinals(entry[fieldNumber + 2] ?? '')) documents[String(ordinal)] = Object.create(null) as object;
        posting[field] = documents;
      });
      postings.set(term, posting);
      return posting;
    },
  });

  // lunr 2.3 reads `fieldVectors`; its type declarations still name the older `documentVectors`.
  const attributes = { invertedIndex, fieldVectors, tokenSet: tokenSetBuilder.root, fields, pipeline: lunr.Pipeline.load(saved.pipeline) };
  return new lunr.Index(attributes as unknown as lunr.Index.Attributes);
}

function sameFields(index: lunr.Index): boolean {
  const fields = (index as unknown as { fields?: unknown }).fields;
  return Array.isArray(fields) && fields.length === LUNR_FIELDS.length && LUNR_FIELDS.every((field, position) => fields[position] === field);
}

function toRow(meta: DocumentMeta): DocumentRow {
  return [meta.id, meta.root, meta.date, meta.size, meta.subject, meta.from, meta.bits, meta.addresses, meta.filenames, meta.filetypes];
}

function fromRow(row: unknown): DocumentMeta {
  if (!Array.isArray(row) || row.length !== 10 || typeof row[0] !== 'string' || typeof row[1] !== 'string') {
    throw new UnusableIndexError(`${DOCUMENTS_FILE} has an invalid row`);
  }
  const [id, root, date, size, subject, from, bits, addresses, filenames, filetypes] = row as DocumentRow;
  return { id, root, date, size, subject, from, bits, addresses, filenames, filetypes };
}

async function removeIndexFiles(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const name of await fs.readdir(dir)) {
    // Only files this module writes are removed, including the single-file index of the earlier layout.
    if (name === MANIFEST_FILE || name === DOCUMENTS_FILE || name === 'search-index.json' || /^segment-\d+\.(lunr\.json|text\.json|text\.jsonl)$/.test(name)) {
      await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

function indexDir(store: CaseStore): string {
  return path.join(store.dir, CASE_LAYOUT.index);
}
