// Keeps one open case's derived records and index in step with its stored messages, so every channel that
// reads records finds each stored message, also after a failed acquisition or a deleted derived/ folder.
import { createHash } from 'node:crypto';

import type { CaseStore } from '../evidence/case-store.js';
import { processCase, type ProcessCaseOptions, type ProcessCaseResult } from '../parsing/process-case.js';

export interface EnsureProcessedOptions extends ProcessCaseOptions {
  /** Runs processCase even when the stored messages have not changed since the last run, e.g. when a case is opened. */
  force?: boolean;
}

/**
 * Runs processCase for one case, one run at a time, and skips it while the stored messages stay the same.
 * NOTE: records deleted while the case is open, with no new message stored, are rebuilt only by the next
 * forced run, which 'case:open' makes.
 */
export class CaseProcessor {
  private queue: Promise<unknown> = Promise.resolve();
  /** Digest of the stored message list at the end of the last successful run, or null before one. */
  private processedListing: string | null = null;

  constructor(private readonly store: CaseStore) {}

  /**
   * Parses stored messages that have no record yet and rebuilds the index. Returns null when it skipped the
   * run because the list of stored messages equals the one the last run finished with.
   */
  ensureProcessed(options: EnsureProcessedOptions = {}): Promise<ProcessCaseResult | null> {
    // Runs queue behind each other because two processCase calls would parse the same messages and race on the index file.
    const run = this.queue.then(() => this.processIfChanged(options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async processIfChanged(options: EnsureProcessedOptions): Promise<ProcessCaseResult | null> {
    const listing = await this.digestListing();
    if (!options.force && listing === this.processedListing) return null;

    const result = await processCase(this.store, options.onProgress ? { onProgress: options.onProgress } : {});
    this.processedListing = listing;
    return result;
  }

  /** Hashes the sorted list of stored message SHA-256s; evidence is only ever added, so a new message changes it. */
  private async digestListing(): Promise<string> {
    const hashes = [...(await this.store.listMessages())].sort();
    return createHash('sha256').update(hashes.join('\n')).digest('hex');
  }
}
