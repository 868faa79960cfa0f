// Acquires one POP3 mailbox into a case. It lists the mailbox, fetches every message not already held
// (pipelined when the server allows) and stores the raw octets in durable batches under their SHA-256.
// Each step goes into the custody log, and the protocol transcript is kept. Read-only towards the server.
import { randomUUID } from 'node:crypto';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import { EVIDENCE_BATCH_MESSAGES, EVIDENCE_BATCH_OCTETS } from '../../shared/limits.js';
import type { AcquisitionProgress, AcquisitionSummary, AcquisitionWarning, MailboxConfig, RetrieveFailure } from '../../shared/types.js';
import { acquireLockFile } from '../evidence/lock-file.js';
import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import { EvidenceBatch } from '../evidence/evidence-batch.js';
import type { CommittedEvidence, HashingEvidenceWriter } from '../evidence/hashing-writer.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { ProgressMeter } from './progress-meter.js';
import { planSync, readMailboxHistory, type PlannedMessage, type SyncPlan } from './mailbox-history.js';
import { recordInterruptedRuns } from './interrupted-runs.js';
import { Pop3Session, type Pop3SessionOptions } from './pop3-session.js';
import { Transcript } from './transcript.js';

const log = createLogger('acquisition');

export interface AcquireMailboxOptions {
  store: CaseStore;
  mailbox: MailboxConfig;
  password: string;
  onProgress?: (progress: AcquisitionProgress) => void;
  /** Cancels the run; see `acquireMailbox` for what happens to the messages in flight. */
  signal?: AbortSignal;
  /** Timeouts, extra CAs and pipeline depth for the POP3 session; tests set these. */
  sessionOptions?: Omit<Pop3SessionOptions, 'transcript'>;
}

/** A fetched message whose size differed from LIST, kept unplaced until its retry decides which copy to store. */
interface MismatchedCopy {
  writer: HashingEvidenceWriter;
  sha256: string;
  size: number;
  message: PlannedMessage;
  position: number;
}

/** State shared by the steps of one run. */
interface RunContext {
  store: CaseStore;
  mailbox: MailboxConfig;
  runId: string;
  runLog: Logger;
  batch: EvidenceBatch;
  meter: ProgressMeter;
  /** Stored files that no custody entry names yet; fetching one again adopts it with `recovered: true`. */
  orphans: Set<string>;
  /** SHA-256 of each fetched message by its position in the fetch plan. */
  fetchedHashes: (string | undefined)[];
  warnings: AcquisitionWarning[];
  failed: RetrieveFailure[];
  bytes: number;
  /** Writer receiving the message currently streamed, discarded when the run fails. */
  current: HashingEvidenceWriter | null;
  mismatched: Map<number, MismatchedCopy>;
}

/**
 * Runs one acquisition. Removes temporary files left in evidence/incoming by an interrupted run, connects,
 * logs 'acquisition-started', logs in and lists the mailbox. UIDLs already acquired from the same host, port
 * and user are not fetched again. The other messages are streamed to disk and stored in batches: each
 * batch's files are fsynced and renamed before its 'message-acquired' entries are appended, so no entry ever
 * names a missing file. A file stored by a crashed run without its entry is adopted when fetched again, and
 * its entry then carries `recovered: true`. A transcript that a killed run saved without logging the end of
 * its run gets an 'acquisition-failed' entry with `interrupted: true`. A message whose size differs from LIST
 * is fetched once more at the end; a difference that persists becomes a size-mismatch warning. Without UIDL
 * support every message is fetched, an 'acquisition-warning' entry records that, and identical octets are stored once.
 *
 * The run ends with QUIT, then saves the transcript at custody/transcripts/<runId>.log and logs
 * 'acquisition-finished' with the run record and the transcript's SHA-256.
 *
 * Cancel: when `signal` aborts, no further RETR is sent; the messages already requested are read to their
 * end and stored, 'acquisition-cancelled' is logged with the counts, QUIT is sent, and the promise resolves
 * with the partial summary (`cancelled: true`).
 *
 * On any failure the partial message is discarded, complete messages already received are stored and
 * logged, 'acquisition-failed' is logged with the transcript's SHA-256, and the error is rethrown.
 *
 * Only one acquisition runs on a case at a time: a second one, from this or another process, fails at once
 * with CASE_LOCKED, because each run starts by clearing the temporary files that an interrupted run left.
 */
export async function acquireMailbox(options: AcquireMailboxOptions): Promise<AcquisitionSummary> {
  const releaseLock = await acquireLockFile(path.join(options.store.dir, ACQUISITION_LOCK_FILE), {
    timeoutMs: 0,
    heldMessage: 'Another acquisition is running on this case. Wait for it to finish, or cancel it, and try again.',
  });
  try {
    return await runAcquisition(options);
  } finally {
    await releaseLock();
  }
}

/** Lock file, relative to the case folder, held for the whole of an acquisition. */
export const ACQUISITION_LOCK_FILE = 'acquisition.lock';

async function runAcquisition(options: AcquireMailboxOptions): Promise<AcquisitionSummary> {
  const { store, mailbox, password } = options;
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const runLog = log.child({ runId, host: mailbox.host, port: mailbox.port, user: mailbox.user });

  const removed = await store.clearIncoming();
  if (removed > 0) runLog.warn('removed temporary files of an interrupted run', { count: removed });
  const transcript = new Transcript(path.join(store.dir, CASE_LAYOUT.incoming, `transcript-${runId}.tmp`));

  const context: RunContext = {
    store,
    mailbox,
    runId,
    runLog,
    batch: new EvidenceBatch(store),
    meter: new ProgressMeter(options.onProgress),
    orphans: new Set(),
    fetchedHashes: [],
    warnings: [],
    failed: [],
    bytes: 0,
    current: null,
    mismatched: new Map(),
  };

  let session: Pop3Session | null = null;
  try {
    context.meter.phase('connecting');
    session = await Pop3Session.connect(mailbox, { ...options.sessionOptions, transcript });
    await store.custodyLog.append('acquisition-started', {
      runId,
      host: mailbox.host,
      port: mailbox.port,
      security: mailbox.security,
      user: mailbox.user,
      tlsFingerprint: session.tlsFingerprint,
      greeting: session.greeting,
      capabilities: session.capabilities ?? [],
    });
    runLog.info('acquisition started', { security: mailbox.security });

    const authMethod = await session.authenticate(password);
    runLog.info('logged in', { authMethod });

    context.meter.phase('listing');
    const { listing, uidlSupported } = await listMailbox(session);
    const entries = await store.custodyLog.readAll();
    await recordInterruptedRuns(store, entries, runId, runLog);
    const history = readMailboxHistory(entries, mailbox);
    const storedHashes = new Set(await store.listMessages());
    for (const sha256 of storedHashes) {
      if (!history.loggedHashes.has(sha256)) context.orphans.add(sha256);
    }
    if (!uidlSupported) {
      await store.custodyLog.append('acquisition-warning', {
        runId,
        kind: 'no-uidl',
        message: 'The server does not support UIDL, so every message was fetched and identical octets are stored once by SHA-256.',
      });
      runLog.warn('server does not support UIDL; fetching every message');
    }

    const sync = planSync(listing, history, storedHashes);
    if (sync.refetched.length > 0) {
      await store.custodyLog.append('acquisition-warning', {
        runId,
        kind: 'evidence-missing',
        uidls: sync.refetched,
        message: 'Stored files of messages acquired earlier are missing from the case; they are fetched again.',
      });
      runLog.warn('stored messages are missing; fetching them again', { count: sync.refetched.length });
    }
    await fetchAll(session, context, sync.toFetch, options.signal);
    const cancelled = options.signal?.aborted === true;

    await session.quit();
    const transcriptRecord = await saveTranscript(store, runId, transcript);
    const record = {
      runId,
      serverMessageCount: listing.length,
      newCount: context.fetchedHashes.filter((sha256) => sha256 !== undefined).length,
      alreadyHeld: sync.held,
      ...runRecord(sync, context),
      transcript: transcriptRecord,
    };
    await store.custodyLog.append(cancelled ? 'acquisition-cancelled' : 'acquisition-finished', record);
    runLog.info(cancelled ? 'acquisition cancelled' : 'acquisition finished', { serverMessageCount: listing.length, fetched: record.newCount, held: sync.held });
    context.meter.phase('done');

    return {
      runId,
      host: mailbox.host,
      port: mailbox.port,
      user: mailbox.user,
      tlsFingerprint: session.tlsFingerprint,
      serverMessageCount: listing.length,
      newMessages: context.fetchedHashes.filter((sha256): sha256 is string => sha256 !== undefined),
      alreadyHeld: sync.held,
      startedAt,
      finishedAt: new Date().toISOString(),
      warnings: context.warnings,
      ...runRecord(sync, context),
      uidlSupported,
      cancelled,
      transcript: transcriptRecord,
    };
  } catch (error) {
    session?.close();
    await storeWhatIsComplete(context);
    const code = error instanceof MailcaseError ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    runLog.error('acquisition failed', { code, error: message });

    const transcriptRecord = await saveTranscript(store, runId, transcript).catch((saveError: unknown) => {
      runLog.error('could not save the transcript of the failed acquisition', { error: String(saveError) });
      return null;
    });
    await store.custodyLog.append('acquisition-failed', { runId, code, message, transcript: transcriptRecord }).catch((logError: unknown) => {
      runLog.error('could not log the failed acquisition', { error: String(logError) });
    });
    throw error;
  }
}

/** Returns the run record fields shared by the custody entry and the summary. */
function runRecord(
  sync: SyncPlan,
  context: RunContext,
): Pick<AcquisitionSummary, 'new' | 'held' | 'vanished' | 'reappeared' | 'sizeChanged' | 'refetched' | 'failed' | 'bytes'> {
  const refetched = new Set(sync.refetched);
  const fetchedUidls = sync.toFetch
    .filter((message, index) => context.fetchedHashes[index] !== undefined && message.uidl !== null)
    .map((message) => message.uidl as string);
  return {
    new: fetchedUidls.filter((uidl) => !refetched.has(uidl)),
    held: sync.held,
    vanished: sync.vanished,
    reappeared: sync.reappeared,
    sizeChanged: sync.sizeChanged,
    refetched: sync.refetched,
    failed: context.failed,
    bytes: context.bytes,
  };
}

/** Lists the mailbox with UIDL (when supported) and LIST, in message-number order. */
async function listMailbox(session: Pop3Session): Promise<{ listing: PlannedMessage[]; uidlSupported: boolean }> {
  const uidls = await session.uidl();
  const sizes = await session.list();
  const uidlByNumber = new Map((uidls ?? []).map((entry) => [entry.messageNumber, entry.value]));

  const listing = sizes
    .map((entry) => ({ messageNumber: entry.messageNumber, uidl: uidlByNumber.get(entry.messageNumber) ?? null, listSize: entry.value }))
    .sort((a, b) => a.messageNumber - b.messageNumber);
  return { listing, uidlSupported: uidls !== null };
}

/** Fetches the planned messages, pipelined when possible, then retries once each whose size differed from LIST. */
async function fetchAll(session: Pop3Session, context: RunContext, toFetch: PlannedMessage[], signal: AbortSignal | undefined): Promise<void> {
  const positionByNumber = new Map(toFetch.map((message, index) => [message.messageNumber, index]));
  const shouldStop = (): boolean => signal?.aborted === true;
  context.meter.startDownload(toFetch.length, toFetch.reduce((sum, message) => sum + message.listSize, 0));

  await session.retrieveMessages(
    toFetch.map((message) => message.messageNumber),
    {
      begin: (messageNumber) => beginMessage(context, toFetch[positionByNumber.get(messageNumber) as number] as PlannedMessage),
      end: async (messageNumber) => {
        const position = positionByNumber.get(messageNumber) as number;
        await endMessage(context, toFetch[position] as PlannedMessage, position);
      },
      rejected: (messageNumber, reply) => recordRejected(context, toFetch[positionByNumber.get(messageNumber) as number] as PlannedMessage, reply),
    },
    shouldStop,
  );
  await context.batch.flush();

  // RFC 1939 section 5: LIST gives the exact size of the message as it would be sent, so a difference is
  // checked with one more RETR before it is recorded.
  const retries = [...context.mismatched.keys()];
  if (retries.length === 0) return;
  if (shouldStop()) {
    storeMismatchedAsReceived(context);
    await context.batch.flush();
    return;
  }
  await session.retrieveMessages(retries, {
    begin: (messageNumber) => beginMessage(context, toFetch[positionByNumber.get(messageNumber) as number] as PlannedMessage),
    end: async (messageNumber) => {
      const position = positionByNumber.get(messageNumber) as number;
      await endRetry(context, toFetch[position] as PlannedMessage, position);
    },
  });
  await context.batch.flush();
}

/** Logs a message the server rejected with -ERR. The run continues with the others, and the next run requests it again. */
async function recordRejected(context: RunContext, message: PlannedMessage, reply: string): Promise<void> {
  context.failed.push({ messageNumber: message.messageNumber, uidl: message.uidl, reply });
  await context.store.custodyLog.append('message-failed', {
    runId: context.runId,
    host: context.mailbox.host,
    port: context.mailbox.port,
    user: context.mailbox.user,
    uidl: message.uidl,
    messageNumber: message.messageNumber,
    reply,
  });
  context.runLog.warn('RETR failed: server replied -ERR', { messageNumber: message.messageNumber, uidl: message.uidl });
}

async function beginMessage(context: RunContext, message: PlannedMessage): Promise<(octets: Buffer) => Promise<void>> {
  const writer = await context.store.createEvidenceWriter();
  context.current = writer;
  context.meter.message(message.uidl);
  return async (octets) => {
    context.bytes += octets.length;
    context.meter.addBytes(octets.length);
    await writer.write(octets);
  };
}

/** Queues a fetched message for the next batch, or keeps it aside for a retry when its size differs from LIST. */
async function endMessage(context: RunContext, message: PlannedMessage, position: number): Promise<void> {
  const writer = context.current as HashingEvidenceWriter;
  context.current = null;
  const { sha256, size } = await writer.finish();

  if (size !== message.listSize) {
    context.mismatched.set(message.messageNumber, { writer, sha256, size, message, position });
    context.runLog.warn('received size differs from LIST size; retrying at the end', { messageNumber: message.messageNumber, uidl: message.uidl });
    return;
  }

  await queueMessage(context, writer, message, position, { sha256, size });
}

/**
 * Decides between the first copy and the retry of a message whose size differed from LIST. When both are
 * identical the first copy is stored; otherwise the retry is stored and its entry names the first copy's
 * size and SHA-256. A size that still differs becomes a warning.
 */
async function endRetry(context: RunContext, message: PlannedMessage, position: number): Promise<void> {
  const writer = context.current as HashingEvidenceWriter;
  context.current = null;
  const retry = await writer.finish();
  const first = context.mismatched.get(message.messageNumber);
  if (!first) throw new MailcaseError('INTERNAL', `No first copy of message ${message.messageNumber} to compare its retry with`);
  context.mismatched.delete(message.messageNumber);

  // NOTE: when the two copies differ, the first one is discarded and only its size and hash go into the
  // retry's custody entry. So a message the server changed between two RETRs is recorded but not preserved.
  let kept: { writer: HashingEvidenceWriter; sha256: string; size: number };
  const extra: Record<string, unknown> = { retried: true };
  if (retry.sha256 === first.sha256) {
    await writer.abort();
    kept = first;
  } else {
    await first.writer.abort();
    kept = { writer, ...retry };
    extra.firstReceivedSize = first.size;
    extra.firstSha256 = first.sha256;
  }

  if (kept.size !== message.listSize) {
    context.warnings.push({ kind: 'size-mismatch', ...message, receivedSize: kept.size, sha256: kept.sha256 });
  }
  await queueMessage(context, kept.writer, message, position, kept, extra);
}

/** Adds a finished writer to the batch with its custody entry, and flushes the batch when it is full. */
async function queueMessage(
  context: RunContext,
  writer: HashingEvidenceWriter,
  message: PlannedMessage,
  position: number,
  received: { sha256: string; size: number },
  extra: Record<string, unknown> = {},
): Promise<void> {
  context.fetchedHashes[position] = received.sha256;
  context.batch.add(writer, received.size, entryBuilder(context, message, extra));
  context.meter.messageDone();

  // The full batch commits while the next one streams in, and its custody entries are written before the next batch's.
  if (context.batch.size >= EVIDENCE_BATCH_MESSAGES || context.batch.octets >= EVIDENCE_BATCH_OCTETS) await context.batch.startFlush();
}

/** Returns the builder of a message's 'message-acquired' entry; it runs once the file is placed. */
function entryBuilder(context: RunContext, message: PlannedMessage, extra: Record<string, unknown>): (committed: CommittedEvidence) => Record<string, unknown> {
  const startedAt = context.meter.messageStartedAt;
  const finishedAt = new Date().toISOString();
  return (committed) => {
    const recovered = !committed.isNew && context.orphans.delete(committed.sha256);
    return {
      runId: context.runId,
      host: context.mailbox.host,
      port: context.mailbox.port,
      user: context.mailbox.user,
      uidl: message.uidl,
      messageNumber: message.messageNumber,
      listSize: message.listSize,
      receivedSize: committed.size,
      sizeMatches: committed.size === message.listSize,
      sha256: committed.sha256,
      isNew: committed.isNew,
      startedAt,
      finishedAt,
      ...(recovered ? { recovered: true } : {}),
      ...extra,
    };
  };
}

/** Queues the messages held for a size retry as first received, for a run that stops before the retry. */
function storeMismatchedAsReceived(context: RunContext): void {
  for (const copy of context.mismatched.values()) {
    context.runLog.warn('storing a size-mismatched message without its retry', { messageNumber: copy.message.messageNumber });
    context.fetchedHashes[copy.position] = copy.sha256;
    context.warnings.push({ kind: 'size-mismatch', ...copy.message, receivedSize: copy.size, sha256: copy.sha256 });
    context.batch.add(copy.writer, copy.size, entryBuilder(context, copy.message, { retried: false }));
  }
  context.mismatched.clear();
}

/** After a failure: discards the partial message and stores the complete ones still queued. */
async function storeWhatIsComplete(context: RunContext): Promise<void> {
  await context.current?.abort().catch(() => undefined);
  context.current = null;

  try {
    storeMismatchedAsReceived(context);
    await context.batch.flush();
  } catch (error) {
    context.runLog.error('could not store the messages received before the failure', { error: String(error) });
    await context.batch.discard();
  }
}

async function saveTranscript(store: CaseStore, runId: string, transcript: Transcript): Promise<{ file: string; sha256: string }> {
  const file = store.transcriptFile(runId);
  const sha256 = await transcript.save(path.join(store.dir, file));
  return { file, sha256 };
}
