// Acquires one POP3 mailbox into a case: lists it, fetches every message not already held, stores each one's
// raw octets under its SHA-256 and records each step in the custody log. Read-only towards the server.
import { randomUUID } from 'node:crypto';

import { MailcaseError } from '../../shared/errors.js';
import type { AcquisitionProgress, AcquisitionSummary, AcquisitionWarning, MailboxConfig } from '../../shared/types.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { Pop3Session, type Pop3SessionOptions } from './pop3-session.js';

const log = createLogger('acquisition');


export interface AcquireMailboxOptions {
  store: CaseStore;
  mailbox: MailboxConfig;
  password: string;
  onProgress?: (progress: AcquisitionProgress) => void;
  /** Timeouts and extra CAs for the POP3 session; tests set these. */
  sessionOptions?: Pop3SessionOptions;
}

interface PlannedMessage {
  messageNumber: number;
  uidl: string | null;
  listSize: number;
}

/**
 * Runs one acquisition: logs 'acquisition-started', skips UIDLs already acquired from the same host, port and
 * user, streams every other message into the case, logs 'message-acquired' for each and 'acquisition-finished'
 * at the end. On any failure it logs 'acquisition-failed', discards the partial message and rethrows.
 * Without UIDL support every message is fetched, and identical octets are stored once by their hash.
 */
export async function acquireMailbox(options: AcquireMailboxOptions): Promise<AcquisitionSummary> {
  const { store, mailbox, password } = options;
  const runId = randomUUID();
  const startedAt = new Date().toISOString();
  const report = (progress: AcquisitionProgress): void => options.onProgress?.(progress);
  const runLog = log.child({ runId, host: mailbox.host, port: mailbox.port, user: mailbox.user });

  let session: Pop3Session | null = null;
  try {
    report({ phase: 'connecting', total: 0, done: 0, currentUidl: null });
    session = await Pop3Session.connect(mailbox, options.sessionOptions);
    await store.custodyLog.append('acquisition-started', {
      runId,
      host: mailbox.host,
      port: mailbox.port,
      security: mailbox.security,
      user: mailbox.user,
      tlsFingerprint: session.tlsFingerprint,
      greeting: session.greeting,
    });
    runLog.info('acquisition started', { security: mailbox.security });

    await session.login(mailbox.user, password);

    report({ phase: 'listing', total: 0, done: 0, currentUidl: null });
    const plan = await planDownloads(session);
    const held = await findHeldUidls(store, mailbox);
    const toFetch = plan.filter((message) => message.uidl === null || !held.has(message.uidl));
    const alreadyHeld = plan.length - toFetch.length;

    const newMessages: string[] = [];
    const warnings: AcquisitionWarning[] = [];
    for (const [index, message] of toFetch.entries()) {
      report({ phase: 'downloading', total: toFetch.length, done: index, currentUidl: message.uidl });
      const fetched = await fetchMessage(session, store, mailbox, runId, message);
      newMessages.push(fetched.sha256);
      if (!fetched.sizeMatches) {
        warnings.push({ kind: 'size-mismatch', ...message, receivedSize: fetched.size, sha256: fetched.sha256 });
        runLog.warn('received size differs from LIST size', { messageNumber: message.messageNumber, uidl: message.uidl });
      }
    }

    await store.custodyLog.append('acquisition-finished', {
      runId,
      serverMessageCount: plan.length,
      newCount: newMessages.length,
      alreadyHeld,
    });
    runLog.info('acquisition finished', { serverMessageCount: plan.length, fetched: newMessages.length, alreadyHeld });
    await session.quit();
    report({ phase: 'done', total: toFetch.length, done: toFetch.length, currentUidl: null });

    return {
      runId,
      host: mailbox.host,
      port: mailbox.port,
      user: mailbox.user,
      tlsFingerprint: session.tlsFingerprint,
      serverMessageCount: plan.length,
      newMessages,
      alreadyHeld,
      startedAt,
      finishedAt: new Date().toISOString(),
      warnings,
    };
  } catch (error) {
    session?.close();
    const code = error instanceof MailcaseError ? error.code : 'INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    runLog.error('acquisition failed', { code, error: message });
    await store.custodyLog.append('acquisition-failed', { runId, code, message }).catch((logError: unknown) => {
      runLog.error('could not log the failed acquisition', { error: String(logError) });
    });
    throw error;
  }
}

/** Lists the mailbox with UIDL (when supported) and LIST, in message-number order. */
async function planDownloads(session: Pop3Session): Promise<PlannedMessage[]> {
  const uidls = await session.uidl();
  const sizes = await session.list();
  const uidlByNumber = new Map((uidls ?? []).map((entry) => [entry.messageNumber, entry.value]));

  return sizes
    .map((entry) => ({ messageNumber: entry.messageNumber, uidl: uidlByNumber.get(entry.messageNumber) ?? null, listSize: entry.value }))
    .sort((a, b) => a.messageNumber - b.messageNumber);
}

/** Streams one message into the case and logs it; the partial file is discarded when anything fails. */
async function fetchMessage(
  session: Pop3Session,
  store: CaseStore,
  mailbox: MailboxConfig,
  runId: string,
  message: PlannedMessage,
): Promise<{ sha256: string; size: number; sizeMatches: boolean }> {
  const startedAt = new Date().toISOString();
  const writer = await store.createEvidenceWriter();
  let committed;
  try {
    await session.retr(message.messageNumber, (octets) => writer.write(octets));
    committed = await writer.commit();
  } catch (error) {
    await writer.abort();
    throw error;
  }

  // RFC 1939 section 5: LIST gives the exact size of the message as it would be sent, so a difference is
  // recorded. The octets are still kept, because they are what the server sent.
  const sizeMatches = committed.size === message.listSize;
  await store.custodyLog.append('message-acquired', {
    runId,
    host: mailbox.host,
    port: mailbox.port,
    user: mailbox.user,
    uidl: message.uidl,
    messageNumber: message.messageNumber,
    listSize: message.listSize,
    receivedSize: committed.size,
    sizeMatches,
    sha256: committed.sha256,
    isNew: committed.isNew,
    startedAt,
    finishedAt: new Date().toISOString(),
  });
  return { sha256: committed.sha256, size: committed.size, sizeMatches };
}

/** Collects the UIDLs already acquired from this host, port and user, as recorded in the custody log. */
async function findHeldUidls(store: CaseStore, mailbox: MailboxConfig): Promise<Set<string>> {
  const held = new Set<string>();
  for (const entry of await store.custodyLog.readAll()) {
    if (entry.type !== 'message-acquired') continue;
    const data = entry.data;
    const sameMailbox =
      typeof data.host === 'string' &&
      data.host.toLowerCase() === mailbox.host.toLowerCase() &&
      data.port === mailbox.port &&
      data.user === mailbox.user;
    if (sameMailbox && typeof data.uidl === 'string') held.add(data.uidl);
  }
  return held;
}
