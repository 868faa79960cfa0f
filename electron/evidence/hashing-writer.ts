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
 * Receives one message's octets in order, hashes them and writes them unchanged to a temporary file.
 * `commit` fsyncs and renames the file to its content address; `abort` removes it. The bytes are never
 * decoded or re-encoded.
 *
 * The temporary file is created only once more than WRITE_BUFFER_OCTETS have arrived or at `syncFile`, so a
 * small message costs no file operation while it streams in, and a batch can write many files in parallel.
 */
export class HashingEvidenceWriter {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private handle: FileHandle | null = null;
  private finished = false;
  private aborted = false;
  private digest: string | null = null;
  private buffered: Buffer[] = [];
  private bufferedOctets = 0;
  private synced = false;

  private constructor(
    private readonly temporaryPath: string,
    private readonly resolveTarget: (sha256: string) => string,
  ) {}

  /** Creates a writer whose temporary file will live in `temporaryDir`, which is created when needed. */
  static open(temporaryDir: string, resolveTarget: (sha256: string) => string): Promise<HashingEvidenceWriter> {
    const name = `incoming-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}.tmp`;
    return Promise.resolve(new HashingEvidenceWriter(path.join(temporaryDir, name), resolveTarget));
  }

  get bytesWritten(): number {
    return this.size;
  }

  /** SHA-256 of the octets in hex, available once `finish` has been called. */
  get sha256(): string {
    if (this.digest === null) throw new Error('HashingEvidenceWriter.sha256 needs a finished writer');
    return this.digest;
  }

  /** Appends octets exactly as received. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished || this.aborted) throw new Error('HashingEvidenceWriter is closed');
    if (this.size + chunk.length > MAX_MESSAGE_OCTETS) {
      throw new MailcaseError('POP3_LIMIT_EXCEEDED', `Message exceeds ${MAX_MESSAGE_OCTETS} octets`, {
        userMessage: `A message is larger than the ${MAX_MESSAGE_OCTETS / (1024 * 1024)} MB limit and was not stored.`,
        details: { limit: MAX_MESSAGE_OCTETS },
      });
    }
    this.hash.update(chunk);
    this.size += chunk.length;

    // Chunks are copied because the caller may reuse its buffer, and gathered so the file receives few, large writes.
    this.buffered.push(Buffer.from(chunk));
    this.bufferedOctets += chunk.length;
    if (this.bufferedOctets >= WRITE_BUFFER_OCTETS) await this.flushBuffer();
  }

  /** Creates the temporary file on first use, and its folder when that is missing. */
  private async openFile(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    try {
      this.handle = await fs.open(this.temporaryPath, 'wx', 0o444);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.mkdir(path.dirname(this.temporaryPath), { recursive: true });
      this.handle = await fs.open(this.temporaryPath, 'wx', 0o444);
    }
    return this.handle;
  }

  private async flushBuffer(): Promise<void> {
    const handle = await this.openFile();
    if (this.bufferedOctets === 0) return;
    const data = Buffer.concat(this.buffered, this.bufferedOctets);
    this.buffered = [];
    this.bufferedOctets = 0;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await handle.write(data, offset, data.length - offset);
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
   * Ends writing and returns the SHA-256 and size of the octets written. The octets may still be in memory
   * until `syncFile` or `place`. A batch calls this first so that it can write and fsync many files in parallel.
   */
  finish(): Promise<{ sha256: string; size: number }> {
    if (this.finished || this.aborted) return Promise.reject(new Error('HashingEvidenceWriter is closed'));
    this.finished = true;
    this.digest = this.hash.digest('hex');
    return Promise.resolve({ sha256: this.digest, size: this.size });
  }

  /** Writes what is still in memory, fsyncs and closes the finished temporary file. Batches call this in parallel. */
  async syncFile(): Promise<void> {
    if (this.digest === null || this.aborted) throw new Error('HashingEvidenceWriter.syncFile needs a finished, unplaced writer');
    if (this.synced) return;
    await this.flushBuffer();
    const handle = this.handle as FileHandle;
    await handle.sync();
    this.synced = true;
    this.handle = null;
    await handle.close();
  }

  /**
   * Fsyncs the finished file (unless `syncFile` did) and renames it to its content address, or removes it when that address already
   * contains the same octets. Does not fsync the folder: the caller does that once per batch.
   */
  async place(): Promise<CommittedEvidence> {
    const sha256 = this.digest;
    if (sha256 === null || this.aborted) throw new Error('HashingEvidenceWriter.place needs a finished, unplaced writer');
    await this.syncFile();

    const target = this.resolveTarget(sha256);
    const exists = await fs.stat(target).then(() => true, () => false);
    if (exists) {
      await fs.rm(this.temporaryPath, { force: true });
      return { sha256, size: this.size, path: target, isNew: false };
    }

    try {
      await renameCreatingFolder(this.temporaryPath, target);
    } catch (error) {
      await fs.rm(this.temporaryPath, { force: true });
      throw new MailcaseError('EVIDENCE_WRITE_FAILED', `Could not store message ${sha256}: ${String(error)}`, { cause: error });
    }
    return { sha256, size: this.size, path: target, isNew: true };
  }

  /** Discards the temporary file and the octets in memory. Safe to call more than once. */
  async abort(): Promise<void> {
    this.aborted = true;
    this.buffered = [];
    this.bufferedOctets = 0;
    if (this.handle) {
      const handle = this.handle;
      this.handle = null;
      await handle.close().catch(() => undefined);
    }
    await fs.rm(this.temporaryPath, { force: true });
  }
}

/** Renames `from` to `to`, creating the target folder only when the first attempt finds it missing. */
async function renameCreatingFolder(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.rename(from, to);
  }
}
