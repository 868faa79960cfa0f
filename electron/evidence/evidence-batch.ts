// Stores fetched messages in batches: fsync many files in parallel, rename them, fsync each folder once and
// only then append their custody entries with one fsync, so that no entry ever names a file not yet durable.
import path from 'node:path';

import type { CaseStore } from './case-store.js';
import { fsyncDirectory } from './atomic-file.js';
import type { CommittedEvidence, HashingEvidenceWriter } from './hashing-writer.js';

/**
 * Commits that may write their files at the same time. Overlapping them keeps the file system busy while one
 * commit waits for its fsyncs. In back-to-back scripts/bench runs of 10,000 messages of 2 KiB on a loaded 2-core
 * virtual machine, 6 took 7.4 to 8.6 s and 3 took 9.6 to 10.2 s. Other load moved single runs by as much.
 */
const MAX_COMMITS_IN_FLIGHT = 6;

/**
 * Octets of messages in commits still running after which `startFlush` waits for the oldest. Small messages
 * stay in memory until their commit writes them, so this bounds that memory whatever the message sizes.
 */
const MAX_IN_FLIGHT_OCTETS = 16 * 1024 * 1024;

/** Builds a custody entry's data once the message's final location and isNew are known. */
export type EntryBuilder = (committed: CommittedEvidence) => Record<string, unknown>;

interface PendingMessage {
  writer: HashingEvidenceWriter;
  octets: number;
  buildEntry: EntryBuilder;
}

/**
 * Collects finished evidence writers and commits them together. After a crash at any point, a message file
 * may exist without its custody entry (the next acquisition adopts it by hash), but never the reverse.
 *
 * `startFlush` lets batches commit while the caller keeps receiving the next one. Up to
 * MAX_COMMITS_IN_FLIGHT commits write and fsync their files at the same time, but each appends its custody
 * entries only after the one before it, so entries keep the order in which messages were added.
 */
export class EvidenceBatch {
  private pending: PendingMessage[] = [];
  private pendingOctets = 0;
  /** Commits started by `startFlush` and not yet awaited by the caller, oldest first. */
  private inFlight: { commit: Promise<CommittedEvidence[]>; octets: number }[] = [];
  private inFlightOctets = 0;
  /** Placing of each SHA-256 still under way, so a second copy waits for the first. */
  private readonly placing = new Map<string, Promise<unknown>>();
  /** The commit started last. The next one appends its custody entries only after this one has. */
  private lastCommit: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: CaseStore,
    private readonly entryType = 'message-acquired',
  ) {}

  /** Messages waiting for `flush`. */
  get size(): number {
    return this.pending.length;
  }

  /** Octets of the messages waiting for `flush`. */
  get octets(): number {
    return this.pendingOctets;
  }

  /** Queues a writer whose `finish` has been called, with the builder of its custody entry. */
  add(writer: HashingEvidenceWriter, octets: number, buildEntry: EntryBuilder): void {
    this.pending.push({ writer, octets, buildEntry });
    this.pendingOctets += octets;
  }

  /**
   * Starts committing the queued messages without waiting for it. Waits first for the oldest commit still
   * running when MAX_COMMITS_IN_FLIGHT are, and rejects with its error if it failed.
   */
  async startFlush(): Promise<void> {
    while (this.inFlight.length >= MAX_COMMITS_IN_FLIGHT || (this.inFlight.length > 0 && this.inFlightOctets >= MAX_IN_FLIGHT_OCTETS)) {
      await this.awaitOldest();
    }
    const octets = this.pendingOctets;
    const batch = this.takePending();
    if (batch.length === 0) return;
    const commit = this.commit(batch, this.lastCommit);
    // The rejection is handled when the caller next awaits `startFlush`, `flush` or `discard`.
    commit.catch(() => undefined);
    this.inFlight.push({ commit, octets });
    this.inFlightOctets += octets;
    this.lastCommit = commit;
  }

  /**
   * Waits for the commits already running, then fsyncs and places every queued file, fsyncs the folders that
   * received new files, and appends one custody entry per message with a single fsync of the log. Returns the
   * messages committed since the last `flush`, in the order added. When placing fails, the files not yet
   * placed are discarded and nothing of that batch is logged.
   */
  async flush(): Promise<CommittedEvidence[]> {
    const committed: CommittedEvidence[] = [];
    while (this.inFlight.length > 0) committed.push(...(await this.awaitOldest()));
    const last = this.commit(this.takePending(), this.lastCommit);
    this.lastCommit = last;
    committed.push(...(await last));
    return committed;
  }

  /** Waits for the commits already running, ignoring their failures, and discards every queued file without logging it. */
  async discard(): Promise<void> {
    const running = this.inFlight;
    this.inFlight = [];
    this.inFlightOctets = 0;
    await Promise.all(running.map((item) => item.commit.catch(() => undefined)));
    await Promise.all(this.takePending().map((message) => message.writer.abort()));
  }

  /** Removes the oldest running commit from the list, waits for it and rejects with its error. */
  private async awaitOldest(): Promise<CommittedEvidence[]> {
    const oldest = this.inFlight.shift();
    if (oldest === undefined) return [];
    this.inFlightOctets -= oldest.octets;
    return oldest.commit;
  }

  /** Places `writer` once `synced` and the placing of any earlier copy of the same octets have settled. */
  private placeAfterEarlierCopies(writer: HashingEvidenceWriter, synced: Promise<void>): Promise<CommittedEvidence> {
    const sha256 = writer.sha256;
    const earlier = this.placing.get(sha256) ?? Promise.resolve();
    const placed = Promise.all([synced, earlier.catch(() => undefined)]).then(() => writer.place());
    this.placing.set(sha256, placed);
    const forget = (): void => {
      if (this.placing.get(sha256) === placed) this.placing.delete(sha256);
    };
    placed.then(forget, forget);
    return placed;
  }

  private takePending(): PendingMessage[] {
    const batch = this.pending;
    this.pending = [];
    this.pendingOctets = 0;
    return batch;
  }

  /** Writes, fsyncs and places the batch's files, then appends their custody entries once `previous` has settled. */
  private async commit(batch: PendingMessage[], previous: Promise<unknown>): Promise<CommittedEvidence[]> {
    if (batch.length === 0) return [];

    // Every file is written and fsynced in parallel, and placed once its own fsync is done. A copy of octets
    // queued earlier, in this commit or one started before, is placed first, so the later copy finds it at its
    // address: the message is stored once and only the first copy counts as new.
    const placements = batch.map((message) => this.placeAfterEarlierCopies(message.writer, message.writer.syncFile()));
    const outcomes = await Promise.allSettled(placements);
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failure) {
      await Promise.all(batch.map((message) => message.writer.abort()));
      throw failure.reason;
    }
    const committed = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<CommittedEvidence>).value);

    const folders = new Set(committed.filter((item) => item.isNew).map((item) => path.dirname(item.path)));
    await Promise.all([...folders].map((folder) => fsyncDirectory(folder)));

    // The entries are built only now, in batch order: a builder may depend on state that earlier entries changed.
    await previous.catch(() => undefined);
    const entries = batch.map((message, index) => ({ type: this.entryType, data: message.buildEntry(committed[index] as CommittedEvidence) }));
    await this.store.custodyLog.appendMany(entries);
    return committed;
  }
}

