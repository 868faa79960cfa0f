// Stores fetched messages in batches: fsync many files in parallel, rename them, fsync each folder once and
// only then append their custody entries with one fsync, so that no entry ever names a file not yet durable.
import path from 'node:path';

import type { CaseStore } from './case-store.js';
import { fsyncDirectory } from './atomic-file.js';
import type { CommittedEvidence, HashingEvidenceWriter } from './hashing-writer.js';

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
 */
export class EvidenceBatch {
  private pending: PendingMessage[] = [];
  private pendingOctets = 0;

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
   * Fsyncs and places every queued file, fsyncs the folders that received new files, then appends one custody
   * entry per message with a single fsync of the log. Returns the committed messages in the order added.
   * When placing fails, the files not yet placed are discarded and nothing of the batch is logged.
   */
  async flush(): Promise<CommittedEvidence[]> {
    const batch = this.pending;
    this.pending = [];
    this.pendingOctets = 0;
    if (batch.length === 0) return [];

    // The files are fsynced in parallel, then placed one after another so that two identical messages in one
    // batch are stored once: the second finds the first at its address.
    const committed: CommittedEvidence[] = [];
    try {
      await Promise.all(batch.map((message) => message.writer.syncFile()));
      for (const message of batch) committed.push(await message.writer.place());
    } catch (error) {
      await Promise.all(batch.map((message) => message.writer.abort()));
      throw error;
    }

    const folders = new Set(committed.filter((item) => item.isNew).map((item) => path.dirname(item.path)));
    await Promise.all([...folders].map((folder) => fsyncDirectory(folder)));

    const entries = batch.map((message, index) => ({ type: this.entryType, data: message.buildEntry(committed[index] as CommittedEvidence) }));
    await this.store.custodyLog.appendMany(entries);
    return committed;
  }

  /** Discards every queued file without logging anything. */
  async discard(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.pendingOctets = 0;
    await Promise.all(batch.map((message) => message.writer.abort()));
  }
}
