// Writes a zip atomically with sorted members and fixed metadata, streaming files from disk and checking
// each one against the SHA-256 and size that the manifest already states for it.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { ZipFile } from 'yazl';

import { MailcaseError } from '../../shared/errors.js';
import { fsyncDirectory, temporaryPathFor } from '../evidence/atomic-file.js';
import { compareCodeUnits } from './bag-format.js';

/**
 * Modification time stored for every member: 2000-01-01 00:00:00 as a DOS date and time. yazl converts the
 * Date through local time, so the Date is built from local fields to give the same DOS fields in every time
 * zone, and forceDosTimestamp leaves out the Unix timestamp extra field, which would differ by zone. A fixed
 * value keeps the archive a function of its content alone.
 */
function memberMtime(): Date {
  return new Date(2000, 0, 1, 0, 0, 0);
}

/** Unix mode stored for every member: a regular file, readable by all, writable by the owner. */
const MEMBER_MODE = 0o100644;

/** A zip member whose content is already in memory. */
export interface BufferMember {
  name: string;
  data: Buffer;
}

/** A zip member streamed from the first `size` octets of a file when its turn comes. */
export interface FileMember {
  name: string;
  sourcePath: string;
  size: number;
  /** SHA-256 that the streamed octets must have. A mismatch aborts the whole write. */
  sha256: string;
}

export type ZipMember = BufferMember | FileMember;

/**
 * Writes the members, sorted by name, to a temporary file beside `outFile`, fsyncs it and moves it to
 * `outFile`, which must not exist. Returns the SHA-256 of the zip file. On any failure the temporary file is
 * removed and nothing is written at `outFile`.
 */
export async function writeZipAtomic(outFile: string, members: readonly ZipMember[]): Promise<string> {
  const folder = path.dirname(outFile);
  const folderStat = await fs.stat(folder).catch(() => null);
  if (!folderStat?.isDirectory()) {
    throw new MailcaseError('INVALID_INPUT', `Output folder missing: ${folder}`, {
      userMessage: `The folder ${folder} does not exist. Create it first or choose another place for the bundle.`,
      details: { file: outFile },
    });
  }
  const temporary = temporaryPathFor(outFile);

  try {
    const sha256 = await streamZip(temporary, members);
    await fsyncFile(temporary);
    await placeWithoutReplacing(temporary, outFile);
    await fsyncDirectory(path.dirname(outFile));
    return sha256;
  } catch (error) {
    await fs.rm(temporary, { force: true });
    if (error instanceof MailcaseError) throw error;
    throw new MailcaseError('EVIDENCE_WRITE_FAILED', `Could not write bundle ${outFile}: ${(error as Error).message}`, {
      userMessage: `The bundle could not be written to ${outFile}: ${(error as Error).message}. Check that the folder exists and has free space, then export again.`,
      details: { file: outFile },
      cause: error,
    });
  }
}

/**
 * Moves the finished zip to `outFile` unless a file of that name exists: a hard link fails atomically when the
 * name is taken. File systems without hard links (FAT, exFAT) get a check before the rename instead.
 */
async function placeWithoutReplacing(temporary: string, outFile: string): Promise<void> {
  try {
    await fs.link(temporary, outFile);
    await fs.rm(temporary, { force: true });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw outputExists(outFile);
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes(code ?? '')) throw error;
  }
  // NOTE: between this check and the rename another process could create the file; only without hard links.
  if (await fs.lstat(outFile).then(() => true, () => false)) throw outputExists(outFile);
  await fs.rename(temporary, outFile);
}

/** Returns the error for an output file that already exists; bundles never replace a file. */
export function outputExists(outFile: string): MailcaseError {
  return new MailcaseError('INVALID_INPUT', `${outFile} already exists`, {
    userMessage: `${outFile} already exists. Choose another file name; an existing file is never overwritten.`,
    details: { file: outFile },
  });
}

async function streamZip(target: string, members: readonly ZipMember[]): Promise<string> {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;

  // yazl neither forwards errors from the streams it reads nor stops on them, so every failure destroys
  // the output stream instead, which makes the pipeline below reject.
  const abort = (error: Error): void => {
    output.destroy(error);
  };
  zip.on('error', abort);

  const sorted = [...members].sort((a, b) => compareCodeUnits(a.name, b.name));
  for (const member of sorted) {
    const options = { mtime: memberMtime(), mode: MEMBER_MODE, forceDosTimestamp: true };
    if ('data' in member) {
      zip.addBuffer(member.data, member.name, options);
      continue;
    }

    // Lazy opening keeps one source file open at a time however many messages the bundle holds.
    zip.addReadStreamLazy(member.name, { ...options, size: member.size }, (callback) => {
      const source = openVerifiedStream(member);
      source.on('error', abort);
      callback(null, source);
    });
  }
  zip.end();

  const hash = createHash('sha256');
  const hashTap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  await pipeline(output, hashTap, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
  return hash.digest('hex');
}

/** Streams a file member's octets, failing with CASE_INVALID when they differ from what the manifest states. */
function openVerifiedStream(member: FileMember): Readable {
  const source = member.size === 0 ? Readable.from([]) : createReadStream(member.sourcePath, { start: 0, end: member.size - 1 });
  const checker = new OctetChecker(member);
  source.on('error', (error: Error) => checker.destroy(error));
  return source.pipe(checker);
}

/** Passes octets through unchanged while hashing and counting them, then compares both at the end. */
class OctetChecker extends Transform {
  private readonly hash = createHash('sha256');
  private octets = 0;

  constructor(private readonly member: FileMember) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.octets += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual === this.member.sha256 && this.octets === this.member.size) {
      callback();
      return;
    }

    callback(
      new MailcaseError('CASE_INVALID', `${this.member.sourcePath} has SHA-256 ${actual} and ${this.octets} octets, expected ${this.member.sha256} and ${this.member.size}`, {
        userMessage: `The stored file ${this.member.sourcePath} does not match its recorded SHA-256, so no bundle was written. Run "Verify case" to check the evidence.`,
        details: { file: this.member.sourcePath, expected: this.member.sha256, actual },
      }),
    );
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
