// Imports messages from files into a case as evidence: .eml files, folders of them, maildirs and mbox files.
// Each message's octets are stored unchanged under their SHA-256, and the custody log names the source file,
// that file's own SHA-256 and the byte range the message came from.
import { randomUUID } from 'node:crypto';
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import type { ImportFormat, ImportProblem, ImportProgress, ImportSummary, MboxVariant } from '../../shared/import-types.js';
import { EVIDENCE_BATCH_MESSAGES, EVIDENCE_BATCH_OCTETS, MAX_MESSAGE_OCTETS } from '../../shared/limits.js';
import { ACQUISITION_LOCK_FILE } from '../acquisition/acquire-mailbox.js';
import type { CaseStore } from '../evidence/case-store.js';
import { EvidenceBatch } from '../evidence/evidence-batch.js';
import { hashFile } from '../evidence/hash-file.js';
import type { HashingEvidenceWriter } from '../evidence/hashing-writer.js';
import { acquireLockFile } from '../evidence/lock-file.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { collectImportFiles, describeFsError, type ImportFile } from './collect-import-files.js';
import { planContentLengthMessages, type MessageRange } from './mbox-content-length.js';
import { MboxSplitter, malformed, startsWithFrom, type MessageSink } from './mbox-splitter.js';

const log = createLogger('import');

/** Octets read from an imported file at a time. */
const READ_CHUNK_OCTETS = 1024 * 1024;

export interface ImportMessagesOptions {
  store: CaseStore;
  /** Files and folders to import, as the investigator named them. */
  paths: string[];
  /** Format forced on every named file; 'auto' (the default) detects each file's format from its content. */
  format?: ImportFormat;
  onProgress?: (progress: ImportProgress) => void;
  /** Stops the import after the message being read; what was read is stored and logged first. */
  signal?: AbortSignal;
}

/** Thrown inside an import when its signal is aborted, to leave the file loops; never escapes importMessages. */
class ImportCancelled extends Error {
  constructor() {
    super('Import cancelled');
    this.name = 'ImportCancelled';
  }
}

/** Container format recorded in custody entries and message sources. */
type SourceFormat = 'eml' | 'mbox' | 'maildir';

/** Layout of one file: one whole message, or an mbox of the given variant. */
type FileLayout = { kind: 'message' } | { kind: 'mbox'; variant: 'mboxo' | 'mboxrd' } | { kind: 'mboxcl2'; ranges: MessageRange[] };

/** State shared by the steps of one import. */
interface ImportContext {
  store: CaseStore;
  importId: string;
  batch: EvidenceBatch;
  summary: ImportSummary;
  importLog: Logger;
  signal: AbortSignal | undefined;
}

/**
 * Imports the messages in `paths` into the case. Logs 'import-started', one 'message-imported' per message
 * (duplicates included, with isNew false), one 'import-problem' per file or message that could not be
 * imported, and 'import-finished' with the counts. A bad file is reported with its path and reason and the
 * import goes on with the next. Evidence files are stored in durable batches before their custody entries.
 * A failure to write to the case stops the import, which then logs 'import-failed' and throws the error.
 *
 * The import holds the case's acquisition lock, because an acquisition starts by clearing the temporary
 * files that an import is still writing. Throws CASE_LOCKED while an acquisition or another import runs.
 */
export async function importMessages(options: ImportMessagesOptions): Promise<ImportSummary> {
  if (options.paths.length === 0) {
    throw new MailcaseError('INVALID_INPUT', 'No files or folders to import', { userMessage: 'Name at least one file or folder to import.' });
  }
  const releaseLock = await acquireLockFile(path.join(options.store.dir, ACQUISITION_LOCK_FILE), {
    timeoutMs: 0,
    heldMessage: 'An acquisition or another import is running on this case. Wait for it to finish and try again.',
  });
  try {
    return await runImport(options);
  } finally {
    await releaseLock();
  }
}

async function runImport(options: ImportMessagesOptions): Promise<ImportSummary> {
  const { store } = options;
  const format = options.format ?? 'auto';
  const importId = randomUUID();
  const importLog = log.child({ caseId: store.info.caseId, importId });
  const collected = await collectImportFiles(options.paths);

  const context: ImportContext = {
    store,
    importId,
    batch: new EvidenceBatch(store, 'message-imported'),
    importLog,
    signal: options.signal,
    summary: { importId, files: 0, messages: 0, newCount: 0, duplicates: 0, sha256s: [], problems: [], skipped: collected.skipped, cancelled: false },
  };
  const paths = options.paths.map((given) => path.resolve(given));
  await store.custodyLog.append('import-started', { importId, paths, format, files: collected.files.length });
  importLog.info('import started', { files: collected.files.length, format });

  try {
    for (const problem of collected.problems) await recordProblem(context, problem);

    const progress = { filesDone: 0, filesTotal: collected.files.length, messages: 0 };
    options.onProgress?.({ ...progress });
    for (const file of collected.files) {
      if (options.signal?.aborted) throw new ImportCancelled();
      await importFile(context, file, format);
      context.summary.files += 1;
      progress.filesDone += 1;
      progress.messages = context.summary.messages;
      options.onProgress?.({ ...progress });
    }
    await context.batch.flush();
  } catch (error) {
    if (error instanceof ImportCancelled) return finishCancelled(context);
    await context.batch.discard();
    const serialized = error instanceof MailcaseError ? error.code : 'INTERNAL';
    await store.custodyLog.append('import-failed', { importId, code: serialized, message: error instanceof Error ? error.message : String(error) });
    importLog.error('import failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  }

  const { summary } = context;
  await store.custodyLog.append('import-finished', {
    importId,
    files: summary.files,
    messages: summary.messages,
    newCount: summary.newCount,
    duplicates: summary.duplicates,
    problems: summary.problems.length,
  });
  importLog.info('import finished', { files: summary.files, messages: summary.messages, newCount: summary.newCount, problems: summary.problems.length });
  return summary;
}

/** Stores and logs every message read before the import was cancelled, then logs 'import-cancelled'. */
async function finishCancelled(context: ImportContext): Promise<ImportSummary> {
  await context.batch.flush();
  const { summary, importId } = context;
  summary.cancelled = true;
  await context.store.custodyLog.append('import-cancelled', {
    importId,
    files: summary.files,
    messages: summary.messages,
    newCount: summary.newCount,
    duplicates: summary.duplicates,
    problems: summary.problems.length,
  });
  context.importLog.info('import cancelled', { files: summary.files, messages: summary.messages });
  return summary;
}

/** Imports one file. Problems with the file or one of its messages are recorded; only case errors are thrown. */
async function importFile(context: ImportContext, file: ImportFile, format: ImportFormat): Promise<void> {
  let layout: FileLayout;
  try {
    // A maildir contains one message per file, so a maildir message that starts with "From " is still one message.
    layout = await detectLayout(file.path, file.inMaildir ? 'eml' : format);
  } catch (error) {
    await recordProblem(context, { path: file.path, byteStart: null, reason: describeFileError(error) });
    return;
  }

  if (layout.kind === 'message') {
    await importWholeFile(context, file);
    return;
  }

  let before: Stats;
  let fileSha256: string;
  try {
    before = await fs.stat(file.path);
    fileSha256 = await hashFile(file.path);
  } catch (error) {
    await recordProblem(context, { path: file.path, byteStart: null, reason: describeFileError(error) });
    return;
  }

  const variant: MboxVariant = layout.kind === 'mboxcl2' ? 'mboxcl2' : layout.variant;
  const collector = new MessageCollector(context, { path: file.path, fileSha256, format: 'mbox', mboxVariant: variant });
  try {
    if (layout.kind === 'mboxcl2') await copyRanges(file.path, layout.ranges, collector);
    else await splitMbox(file.path, layout.variant, collector);
  } catch (error) {
    await collector.abort();
    if (isCaseWriteError(error) || error instanceof ImportCancelled) throw error;
    await recordProblem(context, { path: file.path, byteStart: null, reason: describeFileError(error) });
    return;
  }
  await collector.reportProblems();

  // The file's hash was taken before it was split; a file that changed in between would make that hash wrong.
  const after = await fs.stat(file.path).catch(() => null);
  if (after === null || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    await recordProblem(context, { path: file.path, byteStart: null, reason: 'the file changed while it was imported; import it again' });
  }
}

/**
 * Decides how to read a file. 'auto' treats a file that starts with "From " as an mbox and any other as one
 * message, except that a file named .mbox or .mbx must start with "From ". An mbox whose Content-Length headers
 * match its message boundaries throughout is read as mboxcl2, any other as mboxrd.
 * NOTE: mboxo and mboxrd cannot be distinguished from the file's content. They differ only for lines that start with two
 * or more ">" before "From ", which mboxrd unquotes once and mboxo keeps; --format mboxo forces the other reading.
 */
async function detectLayout(filePath: string, format: ImportFormat): Promise<FileLayout> {
  const handle = await fs.open(filePath, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw malformedFile('the file is empty');
    if (format === 'eml') return { kind: 'message' };

    const head = Buffer.alloc(5);
    await handle.read(head, 0, 5, 0);
    const startsLikeMbox = startsWithFrom(head, 0);
    if (format === 'auto' && !startsLikeMbox) {
      if (/\.(mbox|mbx)$/i.test(filePath)) throw malformed('it does not start with a "From " separator line');
      return { kind: 'message' };
    }
    if (!startsLikeMbox) throw malformed('it does not start with a "From " separator line');

    if (format === 'mboxo' || format === 'mboxrd') return { kind: 'mbox', variant: format };
    const ranges = await planContentLengthMessages(handle, size);
    if (ranges !== null) return { kind: 'mboxcl2', ranges };
    if (format === 'mboxcl2') throw malformed('its Content-Length headers do not match the message boundaries');
    return { kind: 'mbox', variant: 'mboxrd' };
  } finally {
    await handle.close();
  }
}

/** Stores a file that is one message: an .eml file or a maildir message. Its hash is the message's hash. */
async function importWholeFile(context: ImportContext, file: ImportFile): Promise<void> {
  const format: SourceFormat = file.inMaildir ? 'maildir' : 'eml';
  const collector = new MessageCollector(context, { path: file.path, fileSha256: null, format, mboxVariant: null });
  try {
    const size = (await fs.stat(file.path)).size;
    if (size > MAX_MESSAGE_OCTETS) throw malformedFile(`the file is larger than ${MAX_MESSAGE_OCTETS} octets, the largest message Mailcase stores`);
    await collector.begin(0);
    for await (const chunk of createReadStream(file.path, { highWaterMark: READ_CHUNK_OCTETS })) await collector.write(chunk as Buffer);
    await collector.end(size);
  } catch (error) {
    await collector.abort();
    if (isCaseWriteError(error) || error instanceof ImportCancelled) throw error;
    await recordProblem(context, { path: file.path, byteStart: null, reason: describeFileError(error) });
    return;
  }
  await collector.reportProblems();
}

async function splitMbox(filePath: string, variant: 'mboxo' | 'mboxrd', sink: MessageSink): Promise<void> {
  const splitter = new MboxSplitter(variant, sink);
  for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_OCTETS })) await splitter.push(chunk as Buffer);
  await splitter.end();
}

/** Streams each planned Content-Length message's octets into the sink, unchanged. */
async function copyRanges(filePath: string, ranges: MessageRange[], sink: MessageSink): Promise<void> {
  for (const range of ranges) {
    await sink.begin(range.byteStart);
    if (range.byteEnd > range.byteStart) {
      const stream = createReadStream(filePath, { start: range.byteStart, end: range.byteEnd - 1, highWaterMark: READ_CHUNK_OCTETS });
      for await (const chunk of stream) await sink.write(chunk as Buffer);
    }
    await sink.end(range.byteEnd);
  }
}

interface SourceInfo {
  path: string;
  /** SHA-256 of the whole file, or null when the file is the message itself and its hash is the message's. */
  fileSha256: string | null;
  format: SourceFormat;
  mboxVariant: MboxVariant | null;
}

/**
 * Receives the messages of one file and queues each for the import's evidence batch. A message that is empty
 * or larger than MAX_MESSAGE_OCTETS is not stored; it becomes a problem that names its offset in the file.
 */
class MessageCollector implements MessageSink {
  /** True between `begin` and `end` of a message. */
  private receiving = false;
  /** Created at the message's first octets, so an empty message touches no file. */
  private writer: HashingEvidenceWriter | null = null;
  private byteStart = 0;
  private failure: string | null = null;
  private readonly problems: ImportProblem[] = [];
  /** Empty messages in this file, counted rather than listed, because a file of bare "From " lines contains thousands. */
  private emptyCount = 0;
  private firstEmptyOffset: number | null = null;

  constructor(
    private readonly context: ImportContext,
    private readonly source: SourceInfo,
  ) {}

  async begin(byteStart: number): Promise<void> {
    this.byteStart = byteStart;
    this.failure = null;
    this.receiving = true;
    this.writer = null;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.receiving || this.failure !== null || chunk.length === 0) return;
    this.writer ??= await asCaseWrite(() => this.context.store.createEvidenceWriter());
    const writer = this.writer;
    if (writer.bytesWritten + chunk.length > MAX_MESSAGE_OCTETS) {
      this.failure = `the message is larger than ${MAX_MESSAGE_OCTETS} octets, the largest Mailcase stores`;
      await writer.abort();
      return;
    }
    await asCaseWrite(() => writer.write(chunk));
  }

  async end(byteEnd: number): Promise<void> {
    if (!this.receiving) return;
    this.receiving = false;
    const writer = this.writer;
    this.writer = null;
    if (this.failure !== null) {
      await writer?.abort();
      this.problems.push({ path: this.source.path, byteStart: this.byteStart, reason: this.failure });
      return;
    }
    if (writer === null) {
      this.emptyCount += 1;
      this.firstEmptyOffset ??= this.byteStart;
      return;
    }

    const { sha256, size } = await writer.finish();
    const { context, source } = this;
    const byteStart = this.byteStart;
    context.summary.messages += 1;
    context.batch.add(writer, size, (committed) => {
      context.summary.sha256s.push(committed.sha256);
      if (committed.isNew) context.summary.newCount += 1;
      else context.summary.duplicates += 1;
      return {
        importId: context.importId,
        path: source.path,
        fileSha256: source.fileSha256 ?? sha256,
        byteStart,
        byteEnd,
        format: source.format,
        mboxVariant: source.mboxVariant,
        sha256: committed.sha256,
        size: committed.size,
        isNew: committed.isNew,
      };
    });
    if (context.batch.size >= EVIDENCE_BATCH_MESSAGES || context.batch.octets >= EVIDENCE_BATCH_OCTETS) {
      await asCaseWrite(() => context.batch.startFlush());
    }
    if (context.signal?.aborted) throw new ImportCancelled();
  }

  /** Discards the message being received when reading the file failed. */
  async abort(): Promise<void> {
    this.receiving = false;
    await this.writer?.abort();
    this.writer = null;
    await this.reportProblems();
  }

  /**
   * Records the problems of single messages of this file, after the messages stored before them. Empty
   * messages become one problem for the whole file, naming their count and the first one's offset.
   */
  async reportProblems(): Promise<void> {
    const problems = this.problems.splice(0);
    if (this.emptyCount > 0) {
      const first = this.firstEmptyOffset;
      const reason =
        this.emptyCount === 1
          ? 'the message is empty'
          : `${this.emptyCount} messages are empty (a "From " line followed directly by another), the first at byte ${first}`;
      problems.push({ path: this.source.path, byteStart: first, reason });
      this.emptyCount = 0;
      this.firstEmptyOffset = null;
    }
    for (const problem of problems) await recordProblem(this.context, problem);
  }
}

/** Logs a problem in the custody log after every message queued before it, and adds it to the summary. */
async function recordProblem(context: ImportContext, problem: ImportProblem): Promise<void> {
  await context.batch.flush();
  context.summary.problems.push(problem);
  await context.store.custodyLog.append('import-problem', { importId: context.importId, ...problem });
  context.importLog.warn('could not import', { path: problem.path, byteStart: problem.byteStart, reason: problem.reason });
}

/**
 * Runs a step that writes to the case and turns its failure into EVIDENCE_WRITE_FAILED. Such a failure stops
 * the import, unlike a bad source file, because the case itself cannot take more evidence.
 */
async function asCaseWrite<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isCaseWriteError(error)) throw error;
    throw new MailcaseError('EVIDENCE_WRITE_FAILED', `Could not store an imported message: ${error instanceof Error ? error.message : String(error)}`, {
      userMessage: 'Mailcase could not write to the case folder. Check the free disk space and the folder permissions, then import again.',
      cause: error,
    });
  }
}

function isCaseWriteError(error: unknown): boolean {
  return error instanceof MailcaseError && error.code === 'EVIDENCE_WRITE_FAILED';
}

function malformedFile(reason: string): MailcaseError {
  return new MailcaseError('INVALID_INPUT', reason, { details: { reason } });
}

/** Returns the reason a file could not be read, for the import report. */
function describeFileError(error: unknown): string {
  if (error instanceof MailcaseError) return error.message;
  const errno = error as NodeJS.ErrnoException;
  if (typeof errno?.code === 'string') return describeFsError(errno);
  return error instanceof Error ? error.message : String(error);
}
