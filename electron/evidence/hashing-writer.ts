// Streams raw message octets to disk while hashing them, then commits the file under its SHA-256.
import { createHash, type Hash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

import { MailcaseError } from '../../shared/errors.js';
import { MAX_MESSAGE_OCTETS } from '../../shared/limits.js';
import { fsyncDirectory } from './atomic-file.js';

/** Octets gathered in memory before one write to the temporary file (256 KiB). */
const WRITE_BUFFER_OCTETS = 256 * 1024;

export interface CommittedEvidence {
  sha256: string;
  size: number;
  path: string;
  /** False when a file with the same hash was already stored; the new copy is then discarded. */
  isNew: boolean;
}

/**
 * Receives one message's octets in order, writes them unchanged to a temporary file and hashes them.
 * `commit` fsyncs and renames the file to its content address; `abort` removes it. The bytes are never
 * decoded or re-encoded.
 */
export class HashingEvidenceWriter {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private handle: FileHandle | null = null;
  private finished = false;
  private digest: string | null = null;
  private buffered: Buffer[] = [];
  private bufferedOctets = 0;
  private synced = false;

  private constructor(
    private readonly temporaryPath: string,
    private readonly resolveTarget: (sha256: string) => string,
  ) {}

  /** Opens a writer whose temporary file lives in `temporaryDir`. */
  static async open(temporaryDir: string, resolveTarget: (sha256: string) => string): Promise<HashingEvidenceWriter> {
    await fs.mkdir(temporaryDir, { recursive: true });
    const name = `incoming-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.tmp`;
    const writer = new HashingEvidenceWriter(path.join(temporaryDir, name), resolveTarget);
    writer.handle = await fs.open(writer.temporaryPath, 'wx', 0o444);
    return writer;
  }

  get bytesWritten(): number {
    return this.size;
  }

  /** Appends octets exactly as received. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.handle || this.finished) throw new Error('HashingEvidenceWriter is closed');
    if (this.size + chunk.length > MAX_MESSAGE_OCTETS) {
      throw new MailcaseError('POP3_LIMIT_EXCEEDED', `Message exceeds ${MAX_MESSAGE_OCTETS} octets`, {
        userMessage: `A message is larger than the ${MAX_MESSAGE_OCTETS / (1024 * 1024)} MB limit and was not stored.`,
        details: { limit: MAX_MESSAGE_OCTETS },
      });
    }
    this.hash.update(chunk);
    this.size += chunk.length;

    // Small chunks are copied and gathered so that the file receives few, large writes.
    this.buffered.push(Buffer.from(chunk));
    this.bufferedOctets += chunk.length;
    if (this.bufferedOctets >= WRITE_BUFFER_OCTETS) await this.flushBuffer();
  }

  private async flushBuffer(): Promise<void> {
    if (!this.handle || this.bufferedOctets === 0) return;
    const data = Buffer.concat(this.buffered, this.bufferedOctets);
    this.buffered = [];
    this.bufferedOctets = 0;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset);
      offset += bytesWritten;
    }
  }

  /** Fsyncs and moves the file to its content address, then fsyncs its folder. Returns the hash, size and final path. */
  async commit(): Promise<CommittedEvidence> {
    await this.finish();
    const committed = await this.place();
    if (committed.isNew) await fsyncDirectory(path.dirname(committed.path));
    return committed;
  }

  /**
   * Ends writing and returns the SHA-256 and size of the octets written. The file stays temporary until
   * `place`; a batch calls this first so that it can fsync many files in parallel.
   */
  async finish(): Promise<{ sha256: string; size: number }> {
    if (!this.handle || this.finished) throw new Error('HashingEvidenceWriter is closed');
    await this.flushBuffer();
    this.finished = true;
    this.digest = this.hash.digest('hex');
    return { sha256: this.digest, size: this.size };
  }

  /** Fsyncs the finished temporary file; `place` then only renames it. Batches call this in parallel. */
  async syncFile(): Promise<void> {
    if (this.digest === null || !this.handle) throw new Error('HashingEvidenceWriter.syncFile needs a finished, unplaced writer');
    if (this.synced) return;
    await this.handle.sync();
    this.synced = true;
  }

  /**
   * Fsyncs the finished file (unless `syncFile` did) and renames it to its content address, or removes it when that address already
   * contains the same octets. Does not fsync the folder: the caller does that once per batch.
   */
  async place(): Promise<CommittedEvidence> {
    const sha256 = this.digest;
    if (sha256 === null || !this.handle) throw new Error('HashingEvidenceWriter.place needs a finished, unplaced writer');
    if (!this.synced) await this.handle.sync();
    this.synced = true;
    await this.handle.close();
    this.handle = null;

    const target = this.resolveTarget(sha256);
    await fs.mkdir(path.dirname(target), { recursive: true });

    const exists = await fs.stat(target).then(() => true, () => false);
    if (exists) {
      await fs.rm(this.temporaryPath, { force: true });
      return { sha256, size: this.size, path: target, isNew: false };
    }

    try {
      await fs.rename(this.temporaryPath, target);
    } catch (error) {
      await fs.rm(this.temporaryPath, { force: true });
      throw new MailcaseError('EVIDENCE_WRITE_FAILED', `Could not store message ${sha256}: ${String(error)}`, { cause: error });
    }
    return { sha256, size: this.size, path: target, isNew: true };
  }

  /** Discards the temporary file. Safe to call more than once. */
  async abort(): Promise<void> {
    this.finished = true;
    if (this.handle) {
      await this.handle.close().catch(() => undefined);
      this.handle = null;
    }
    await fs.rm(this.temporaryPath, { force: true });
  }
}
