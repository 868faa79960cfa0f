// Reads what earlier runs recorded about one mailbox in the custody log, and compares it with the server's
// current listing to decide what to fetch and what changed: new, held, vanished, reappeared, size changed.
import type { MailboxConfig } from '../../shared/types.js';
import type { CustodyEntry } from '../evidence/custody-log.js';

/** One message as the server lists it in this run. */
export interface PlannedMessage {
  messageNumber: number;
  uidl: string | null;
  listSize: number;
}

/** Custody log record of one mailbox (same host, port and user). */
export interface MailboxHistory {
  /** LIST size recorded when each UIDL was last acquired, in the order first acquired. */
  heldSizes: Map<string, number>;
  /** SHA-256 recorded when each UIDL was last acquired. */
  heldHashes: Map<string, string>;
  /** UIDLs reported as vanished by an earlier run and not reported back since. */
  vanished: Set<string>;
  /** SHA-256 of every message with a 'message-acquired' (any mailbox) or 'message-imported' entry. */
  loggedHashes: Set<string>;
}

/** The plan of one run and its differences from the history. */
export interface SyncPlan {
  toFetch: PlannedMessage[];
  held: number;
  vanished: string[];
  reappeared: string[];
  sizeChanged: string[];
  /** Held UIDLs whose stored file is missing from the case, fetched again. */
  refetched: string[];
}

/** Run entries whose data carries `vanished` and `reappeared` lists that later runs replay. */
const RUN_END_TYPES: ReadonlySet<string> = new Set(['acquisition-finished', 'acquisition-cancelled']);

/** Collects the held UIDLs, their LIST sizes and the vanished set of `mailbox` from custody log entries. */
export function readMailboxHistory(entries: CustodyEntry[], mailbox: MailboxConfig): MailboxHistory {
  const heldSizes = new Map<string, number>();
  const heldHashes = new Map<string, string>();
  const vanished = new Set<string>();
  const loggedHashes = new Set<string>();
  const runsOfMailbox = new Set<string>();

  for (const entry of entries) {
    const data = entry.data;
    if (entry.type === 'acquisition-started' && isSameMailbox(data, mailbox) && typeof data.runId === 'string') {
      runsOfMailbox.add(data.runId);
    } else if (entry.type === 'message-imported') {
      if (typeof data.sha256 === 'string') loggedHashes.add(data.sha256);
    } else if (entry.type === 'message-acquired') {
      if (typeof data.sha256 === 'string') loggedHashes.add(data.sha256);
      if (isSameMailbox(data, mailbox) && typeof data.uidl === 'string') {
        heldSizes.set(data.uidl, typeof data.listSize === 'number' ? data.listSize : -1);
        if (typeof data.sha256 === 'string') heldHashes.set(data.uidl, data.sha256);
      }
    } else if (RUN_END_TYPES.has(entry.type) && typeof data.runId === 'string' && runsOfMailbox.has(data.runId)) {
      for (const uidl of stringList(data.vanished)) vanished.add(uidl);
      for (const uidl of stringList(data.reappeared)) vanished.delete(uidl);
    }
  }
  return { heldSizes, heldHashes, vanished, loggedHashes };
}

/**
 * Compares the server listing with the history. Messages without a UIDL are always fetched. A vanished
 * UIDL is reported once, in the run that first misses it; a reappeared one is held, so it is not fetched.
 * A held UIDL whose stored file is gone (`storedHashes` lacks its SHA-256) is fetched again and listed in
 * `refetched`, because the custody log alone must never stand in for missing evidence.
 */
export function planSync(listing: PlannedMessage[], history: MailboxHistory, storedHashes?: ReadonlySet<string>): SyncPlan {
  const onServer = new Set<string>();
  const toFetch: PlannedMessage[] = [];
  const sizeChanged: string[] = [];
  const refetched: string[] = [];
  let held = 0;

  for (const message of listing) {
    if (message.uidl === null) {
      toFetch.push(message);
      continue;
    }
    onServer.add(message.uidl);
    const heldSize = history.heldSizes.get(message.uidl);
    if (heldSize === undefined) {
      toFetch.push(message);
      continue;
    }
    const heldHash = history.heldHashes.get(message.uidl);
    if (storedHashes && heldHash !== undefined && !storedHashes.has(heldHash)) {
      toFetch.push(message);
      refetched.push(message.uidl);
      continue;
    }
    held += 1;
    if (heldSize !== message.listSize) sizeChanged.push(message.uidl);
  }

  const vanished = [...history.heldSizes.keys()].filter((uidl) => !onServer.has(uidl) && !history.vanished.has(uidl));
  const reappeared = [...history.vanished].filter((uidl) => onServer.has(uidl));
  return { toFetch, held, vanished, reappeared, sizeChanged, refetched };
}

function isSameMailbox(data: Record<string, unknown>, mailbox: MailboxConfig): boolean {
  return (
    typeof data.host === 'string' &&
    data.host.toLowerCase() === mailbox.host.toLowerCase() &&
    data.port === mailbox.port &&
    data.user === mailbox.user
  );
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
