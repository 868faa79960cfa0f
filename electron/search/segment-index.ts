// The case's search index on disk and in memory: a metadata table of every document, and lunr segments of at
// most SEGMENT_DOCUMENTS documents. Each segment has three files: lunr's postings and weights, the words of its
// texts as numbers for phrases and proximity, and the texts themselves for snippets. New records extend the last
// segment only. A damaged or foreign index is rebuilt from the records.
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
  type DocumentMeta,
  type DocumentText,
} from './search-documents.js';
import { DamagedSectionsError } from './binary-sections.js';
import { DocumentTable } from './document-table.js';
import { SegmentPostings, buildSegmentParts } from './segment-postings.js';
import { SegmentWords } from './segment-words.js';
import { configurePipelines } from './text-pipeline.js';

const log = createLogger('search-index');

/** Version of the index layout on disk. An index written with another version is rebuilt. */
export const INDEX_SCHEMA_VERSION = 4;

/**
 * Documents per lunr segment. lunr builds a segment as objects per term, field and document, so the build's memory
 * grows with the segment. Full rebuilds of 11,000 messages of about 2 KB on the calling thread peaked at 452 to
 * 512 MiB with 5,000 documents per segment, and at 271 to 393 MiB with 2,000, varying with V8's collection timing. A query finds a term in each segment by binary search, so more segments
 * cost it little, and adding mail rebuilds a smaller last segment.
 */
export const SEGMENT_DOCUMENTS = 2_000;

/** Name of the manifest inside derived/index/; it is written last, so it only ever names complete files. */
export const MANIFEST_FILE = 'manifest.json';
const DOCUMENTS_FILE = 'documents.bin';

/** Bytes of the SHA-256 of each text line that the words file keeps, enough to notice a damaged line. */
const TEXT_LINE_DIGEST_BYTES = 16;

/** Maximum length of a text line read for a snippet. A longer line means the words file is damaged. */
const MAX_TEXT_LINE_BYTES = 1024 * 1024 * 1024;

/** Records loaded at a time while building, so a full rebuild keeps at most this many records in memory. */
const RECORD_BATCH = 500;

/** An index file as the manifest names it: its size and SHA-256 catch a truncated, damaged or swapped file. */
interface ManifestFile {
  name: string;
  size: number;
  sha256: string;
}

/** Names the manifest may give: index files of this folder, with no path separators and no ".." component. */
const SAFE_FILE_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

interface ManifestSegment {
  first: number;
  count: number;
  postingsFile: ManifestFile;
  wordsFile: ManifestFile;
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
 * One lunr segment of a case's index. Its postings are loaded when the first query needs them, its words when a
 * phrase or proximity needs them, and its texts when a snippet needs them, so opening a case reads only the
 * manifest and the metadata table.
 */
export interface Segment {
  first: number;
  count: number;
  postings: SegmentPostings | null;
  postingsFile: ManifestFile;
  words: SegmentWords | null;
  wordsFile: ManifestFile;
  texts: SegmentTexts | null;
  textFile: string;
  /** SHA-256 of the text file, checked when the whole file is read. */
  textSha256: string;
}

/** A case's index held in memory. */
export interface CaseIndex {
  dir: string;
  documents: DocumentTable;
  segments: Segment[];
  roots: Set<string>;
  recordsFingerprint: string;
}

/** Thrown inside this module when an index file cannot be used; the caller rebuilds. */
export class UnusableIndexError extends Error {}

/** Builds the whole index from the case's records, replacing any earlier one, and returns it loaded. */
export async function buildIndex(store: CaseStore): Promise<CaseIndex> {
  const dir = indexDir(store);
  const fingerprint = await recordsFingerprint(store);
  const roots = await listParsedMessages(store);
  await removeIndexFiles(dir);

  const caseIndex: CaseIndex = { dir, documents: DocumentTable.fromMetas([]), segments: [], roots: new Set(), recordsFingerprint: fingerprint };
  const manifestSegments: ManifestSegment[] = [];
  await appendRecords(store, caseIndex, roots, manifestSegments, [], []);
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
    await appendRecords(store, caseIndex, added, manifestSegments, reopenedTexts, caseIndex.documents.toMetas());
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

  const documentBytes = await readIndexFile(dir, manifest.documentsFile);
  const documents = loadSegmentFile(manifest.documentsFile, () => DocumentTable.load(documentBytes, manifest.documentCount));

  const segments: Segment[] = [];
  let expectedFirst = 0;
  for (const entry of manifest.segments) {
    if (entry.first !== expectedFirst) throw new UnusableIndexError(`segment ${entry.postingsFile.name} starts at ${entry.first}, not ${expectedFirst}`);
    segments.push({
      first: entry.first,
      count: entry.count,
      postings: null,
      postingsFile: entry.postingsFile,
      words: null,
      wordsFile: entry.wordsFile,
      texts: null,
      textFile: path.join(dir, entry.textFile.name),
      textSha256: entry.textFile.sha256,
    });
    expectedFirst += entry.count;
  }
  if (expectedFirst !== documents.length) throw new UnusableIndexError(`segments hold ${expectedFirst} documents, not ${documents.length}`);

  return { dir, documents, segments, roots: new Set(documents.roots), recordsFingerprint: manifest.recordsFingerprint };
}

/** Loads the postings and words of every segment not in memory yet. Throws UnusableIndexError when a file is damaged. */
export async function loadSegments(caseIndex: CaseIndex): Promise<void> {
  for (const segment of caseIndex.segments) {
    if (segment.postings !== null) continue;
    const bytes = await readIndexFile(caseIndex.dir, segment.postingsFile);
    segment.postings = loadSegmentFile(segment.postingsFile, () => SegmentPostings.load(bytes, segment.first, segment.count));
    if (!sameFields(segment.postings.fields)) throw new UnusableIndexError(`${segment.postingsFile.name} does not index the fields ${LUNR_FIELDS.join(', ')}`);
    // The words are loaded now too, so the first phrase query does not wait for every segment's words file.
    await segmentWords(caseIndex, segment);
  }
}

/** Returns a segment's word sequences, reading its words file on first use. Throws UnusableIndexError when it is damaged. */
export async function segmentWords(caseIndex: CaseIndex, segment: Segment): Promise<SegmentWords> {
  if (segment.words !== null) return segment.words;
  const bytes = await readIndexFile(caseIndex.dir, segment.wordsFile);
  segment.words = loadSegmentFile(segment.wordsFile, () => SegmentWords.load(bytes, segment.first, segment.count));
  return segment.words;
}

function loadSegmentFile<T>(file: ManifestFile, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof DamagedSectionsError) throw new UnusableIndexError(`${file.name} could not be loaded: ${error.message}`);
    throw error;
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
  if (sha256Of(bytes) !== segment.textSha256) throw new UnusableIndexError(`${name} does not have the SHA-256 the manifest gives`);
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

/**
 * Returns the texts of one document of a segment, reading and parsing only its line. Throws UnusableIndexError when
 * the line is damaged or the file is shorter than the words file expects.
 */
export async function documentText(caseIndex: CaseIndex, segment: Segment, offset: number): Promise<DocumentText> {
  if (segment.texts !== null) return parseDocumentText(segment, segment.texts, offset);

  const words = await segmentWords(caseIndex, segment);
  const { start, end } = words.textLine(offset);
  const name = path.basename(segment.textFile);
  if (end - start > MAX_TEXT_LINE_BYTES) throw new UnusableIndexError(`${name} has a line of ${end - start} bytes according to its words file`);
  const line = Buffer.alloc(end - start);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(segment.textFile, 'r');
  } catch (error) {
    throw new UnusableIndexError(`${name} is not readable: ${(error as Error).message}`);
  }
  try {
    const { bytesRead } = await handle.read(line, 0, line.length, start);
    if (bytesRead !== line.length) throw new UnusableIndexError(`${name} is truncated: document ${segment.first + offset} is missing`);
  } catch (error) {
    if (error instanceof UnusableIndexError) throw error;
    throw new UnusableIndexError(`${name} is not readable: ${(error as Error).message}`);
  } finally {
    await handle.close();
  }
  if (!words.lineDigest(offset).equals(lineDigest(line))) throw new UnusableIndexError(`${name} has a damaged line for document ${segment.first + offset}`);
  return parseTextLine(name, line.toString('utf8'));
}

/** Parses the texts of one document from a segment's text file already in memory. */
export function parseDocumentText(segment: Segment, texts: SegmentTexts, offset: number): DocumentText {
  const start = texts.offsets[offset];
  const end = texts.offsets[offset + 1];
  if (start === undefined || end === undefined) throw new Error(`document ${offset} is not in segment ${segment.first}`);
  return parseTextLine(path.basename(segment.textFile), texts.bytes.toString('utf8', start, end - 1));
}

function parseTextLine(name: string, line: string): DocumentText {
  let text: unknown;
  try {
    text = JSON.parse(line);
  } catch (error) {
    throw new UnusableIndexError(`${name} is not readable JSON: ${(error as Error).message}`);
  }
  if (text === null || typeof text !== 'object' || !Array.isArray((text as Partial<DocumentText>).units)) {
    throw new UnusableIndexError(`${name} contains an invalid document`);
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
 * `metas` lists the documents already in the index; the new ones are added to it and the table saved.
 */
async function appendRecords(
  store: CaseStore,
  caseIndex: CaseIndex,
  roots: string[],
  manifestSegments: ManifestSegment[],
  reopenedTexts: DocumentText[],
  metas: DocumentMeta[],
): Promise<void> {
  let pendingTexts = reopenedTexts;
  for (let offset = 0; offset < roots.length; offset += RECORD_BATCH) {
    const batch = roots.slice(offset, offset + RECORD_BATCH);
    const records = await Promise.all(batch.map((sha256) => store.loadRecord(sha256)));
    records.forEach((record) => {
      if (record === null) return;
      addRecord(caseIndex, record, metas, pendingTexts);
    });

    while (pendingTexts.length >= SEGMENT_DOCUMENTS) {
      const texts = pendingTexts.slice(0, SEGMENT_DOCUMENTS);
      pendingTexts = pendingTexts.slice(SEGMENT_DOCUMENTS);
      manifestSegments.push(await writeSegment(caseIndex, texts));
    }
  }
  if (pendingTexts.length > 0) manifestSegments.push(await writeSegment(caseIndex, pendingTexts));
  caseIndex.documents = DocumentTable.fromMetas(metas);
  await saveDocuments(caseIndex);
}

function addRecord(caseIndex: CaseIndex, record: MessageRecord, metas: DocumentMeta[], pendingTexts: DocumentText[]): void {
  if (caseIndex.roots.has(record.sha256)) return;
  caseIndex.roots.add(record.sha256);
  for (const document of documentsOfRecord(record)) {
    metas.push(document.meta);
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
  const built = buildSegmentParts(builder);

  const names = segmentFileNames(first);
  const postingsFile = await writeIndexFile(caseIndex.dir, names.postingsFile, SegmentPostings.serialise(built, first, texts.length));
  const textLines = [canonicalJson({ schemaVersion: INDEX_SCHEMA_VERSION, count: texts.length }), ...texts.map((text) => canonicalJson(text))];
  const text = `${textLines.join('\n')}\n`;
  // Where each document's line starts, so a snippet reads one line instead of the whole file.
  const lineStarts = new Float64Array(texts.length + 1);
  let at = Buffer.byteLength(textLines[0] ?? '') + 1;
  texts.forEach((_text, offset) => {
    lineStarts[offset] = at;
    at += Buffer.byteLength(textLines[offset + 1] ?? '') + 1;
  });
  lineStarts[texts.length] = at;
  const lineDigests = Buffer.concat(textLines.slice(1).map((line) => lineDigest(Buffer.from(line, 'utf8'))));
  const wordsFile = await writeIndexFile(caseIndex.dir, names.wordsFile, SegmentWords.serialise(texts, first, lineStarts, lineDigests));
  const textFile = await writeIndexFile(caseIndex.dir, names.textFile, text);

  // The built index and the texts are dropped from memory and read again when a query needs them, so a full
  // build of a large case keeps one segment in memory at a time.
  caseIndex.segments.push({
    first,
    count: texts.length,
    postings: null,
    postingsFile,
    words: null,
    wordsFile,
    texts: null,
    textFile: path.join(caseIndex.dir, names.textFile),
    textSha256: textFile.sha256,
  });
  return { first, count: texts.length, postingsFile, wordsFile, textFile };
}

function segmentFileNames(first: number): { postingsFile: string; wordsFile: string; textFile: string } {
  const label = String(first).padStart(9, '0');
  return { postingsFile: `segment-${label}.postings.bin`, wordsFile: `segment-${label}.words.bin`, textFile: `segment-${label}.text.jsonl` };
}

async function saveDocuments(caseIndex: CaseIndex): Promise<void> {
  await writeIndexFile(caseIndex.dir, DOCUMENTS_FILE, caseIndex.documents.serialise());
}

async function saveManifest(caseIndex: CaseIndex, segments: ManifestSegment[]): Promise<void> {
  const documentsStat = await fs.stat(path.join(caseIndex.dir, DOCUMENTS_FILE)).catch(() => null);
  if (documentsStat === null) await saveDocuments(caseIndex);
  const documents = await fs.readFile(path.join(caseIndex.dir, DOCUMENTS_FILE));

  const manifest: Manifest = {
    schemaVersion: INDEX_SCHEMA_VERSION,
    appVersion: APP_VERSION,
    lunrVersion: lunr.version,
    segmentDocuments: SEGMENT_DOCUMENTS,
    documentCount: caseIndex.documents.length,
    recordsFingerprint: caseIndex.recordsFingerprint,
    documentsFile: { name: DOCUMENTS_FILE, size: documents.length, sha256: sha256Of(documents) },
    segments,
  };
  await writeFileAtomic(path.join(caseIndex.dir, MANIFEST_FILE), canonicalJson(manifest) + '\n');
}

async function writeIndexFile(dir: string, name: string, data: string | Buffer): Promise<ManifestFile> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  await writeFileAtomic(path.join(dir, name), bytes);
  return { name, size: bytes.length, sha256: sha256Of(bytes) };
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Returns the digest of one line of a text file that the words file keeps: the first 16 bytes of its SHA-256. */
function lineDigest(line: Buffer): Buffer {
  return createHash('sha256').update(line).digest().subarray(0, TEXT_LINE_DIGEST_BYTES);
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

/** Reads an index file after checking its size and SHA-256 against the manifest. */
async function readIndexFile(dir: string, file: ManifestFile): Promise<Buffer> {
  const full = path.join(dir, file.name);
  const stat = await fs.stat(full).catch(() => null);
  if (stat === null) throw new UnusableIndexError(`${file.name} is missing`);
  if (stat.size !== file.size) throw new UnusableIndexError(`${file.name} is ${stat.size} bytes, expected ${file.size} from the manifest`);
  const bytes = await fs.readFile(full).catch((error: Error) => {
    throw new UnusableIndexError(`${file.name} is not readable: ${error.message}`);
  });
  if (sha256Of(bytes) !== file.sha256) throw new UnusableIndexError(`${file.name} does not have the SHA-256 the manifest gives`);
  return bytes;
}

function isManifestFile(value: unknown): value is ManifestFile {
  const file = value as Partial<ManifestFile> | null;
  return (
    typeof file === 'object' &&
    file !== null &&
    typeof file.name === 'string' &&
    SAFE_FILE_NAME.test(file.name) &&
    typeof file.size === 'number' &&
    typeof file.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(file.sha256)
  );
}

function isManifestSegment(value: unknown): value is ManifestSegment {
  const segment = value as Partial<ManifestSegment> | null;
  return (
    typeof segment === 'object' &&
    segment !== null &&
    typeof segment.first === 'number' &&
    typeof segment.count === 'number' &&
    isManifestFile(segment.postingsFile) &&
    isManifestFile(segment.wordsFile) &&
    isManifestFile(segment.textFile)
  );
}

const NEWLINE = 0x0a;

function sameFields(fields: readonly string[]): boolean {
  return fields.length === LUNR_FIELDS.length && LUNR_FIELDS.every((field, position) => fields[position] === field);
}

async function removeIndexFiles(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const name of await fs.readdir(dir)) {
    // Only files this module writes are removed, including the single-file index of the earlier layout.
    if (name === MANIFEST_FILE || name === DOCUMENTS_FILE || name === 'documents.json' || name === 'search-index.json' || /^segment-\d+\.(lunr\.json|postings\.bin|words\.bin|text\.json|text\.jsonl)$/.test(name)) {
      await fs.rm(path.join(dir, name), { force: true });
    }
  }
}

function indexDir(store: CaseStore): string {
  return path.join(store.dir, CASE_LAYOUT.index);
}
