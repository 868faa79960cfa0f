// Reads an untrusted bundle zip without extracting it: checks each member name, bounds member count and
// size, and hashes every member as it streams. Only the small tag and signature files are kept in memory.
import { createHash } from 'node:crypto';

import yauzl, { type Entry, type ZipFile } from 'yauzl';

import { MAX_BUNDLE_ENTRIES, MAX_BUNDLE_ENTRY_OCTETS } from '../../shared/limits.js';
import type { BundleProblem } from '../../shared/types.js';

/** A member that passed the name checks and was read to its end. */
export interface BundleMember {
  name: string;
  sha256: string;
  sha512: string;
  /** Octets after decompression. */
  size: number;
  /** Content, kept only for the members the caller asked for. */
  data: Buffer | null;
}

export interface BundleContents {
  members: Map<string, BundleMember>;
  problems: BundleProblem[];
  /** False when the archive as a whole could not be read, so no further check means anything. */
  isReadable: boolean;
}

/** Problem file name for the archive as a whole. */
export const WHOLE_BUNDLE = '(bundle)';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads every member of the zip at `file`, keeping the content of those for which `keepContent` returns
 * true. Bad member names, oversized or unreadable members and duplicates become problems and are left out
 * of `members`. A file that is not a readable zip gives one problem for WHOLE_BUNDLE. Never throws for
 * bad content.
 */
export async function readBundleContents(file: string, keepContent: (name: string) => boolean): Promise<BundleContents> {
  const members = new Map<string, BundleMember>();
  const problems: BundleProblem[] = [];

  let zip: ZipFile;
  try {
    // With decodeStrings on, yauzl aborts the whole read at the first unsafe name. Turning it off hands
    // over raw names, which readEntry decodes and checks so that each bad member gets its own problem.
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (error) {
    problems.push({ file: WHOLE_BUNDLE, reason: `not a readable zip archive: ${messageOf(error)}` });
    return { members, problems, isReadable: false };
  }

  try {
    if (zip.entryCount > MAX_BUNDLE_ENTRIES) {
      problems.push({ file: WHOLE_BUNDLE, reason: `has ${zip.entryCount} entries, more than the limit of ${MAX_BUNDLE_ENTRIES}` });
      return { members, problems, isReadable: false };
    }

    for await (const entry of zip.eachEntry()) {
      await readEntry(zip, entry, members, problems, keepContent);
    }
    return { members, problems, isReadable: true };
  } catch (error) {
    problems.push({ file: WHOLE_BUNDLE, reason: `zip archive is damaged: ${messageOf(error)}` });
    return { members, problems, isReadable: false };
  } finally {
    zip.close();
  }
}

async function readEntry(
  zip: ZipFile,
  entry: Entry,
  members: Map<string, BundleMember>,
  problems: BundleProblem[],
  keepContent: (name: string) => boolean,
): Promise<void> {
  const rawName = entry.fileName as unknown as Buffer;
  const name = decodeEntryName(rawName);
  if (name === null) {
    problems.push({ file: printable(rawName.toString('latin1')), reason: 'entry name is not valid UTF-8' });
    return;
  }

  const unsafe = describeUnsafeEntryName(name);
  if (unsafe) {
    problems.push({ file: printable(name), reason: unsafe });
    return;
  }
  if (name.endsWith('/')) return;

  if (members.has(name)) {
    problems.push({ file: name, reason: 'duplicate entry name' });
    return;
  }
  if (entry.uncompressedSize > MAX_BUNDLE_ENTRY_OCTETS) {
    problems.push({ file: name, reason: `is ${entry.uncompressedSize} octets, more than the limit of ${MAX_BUNDLE_ENTRY_OCTETS}` });
    return;
  }
  if (entry.isEncrypted()) {
    problems.push({ file: name, reason: 'entry is encrypted' });
    return;
  }

  try {
    members.set(name, await hashEntry(zip, entry, name, keepContent(name)));
  } catch (error) {
    problems.push({ file: name, reason: `cannot be read: ${messageOf(error)}` });
  }
}

/**
 * Hashes one member's decompressed octets. yauzl's validateEntrySizes makes the stream fail when the
 * data exceeds the size in the central directory, so the size check above also bounds what is read here.
 */
async function hashEntry(zip: ZipFile, entry: Entry, name: string, keep: boolean): Promise<BundleMember> {
  const hash = createHash('sha256');
  const hash512 = createHash('sha512');
  const chunks: Buffer[] = [];
  let size = 0;

  const stream = await zip.openReadStreamPromise(entry);
  for await (const chunk of stream) {
    const octets = chunk as Buffer;
    hash.update(octets);
    hash512.update(octets);
    size += octets.length;
    if (keep) chunks.push(octets);
  }

  return { name, sha256: hash.digest('hex'), sha512: hash512.digest('hex'), size, data: keep ? Buffer.concat(chunks) : null };
}

function decodeEntryName(raw: Buffer): string | null {
  try {
    return UTF8.decode(raw);
  } catch {
    return null;
  }
}

/**
 * Returns why a member name could escape or confuse an extraction folder, or null when it is safe. A
 * Mailcase bundle is never extracted, but a court expert may unzip it with any tool, so such names are
 * reported rather than silently skipped.
 */
export function describeUnsafeEntryName(name: string): string | null {
  if (name === '') return 'entry name is empty';
  if (name.includes('\\')) return 'entry name contains a backslash';
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return 'entry name is an absolute path';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'entry name contains control characters';

  const segments = name.split('/');
  if (segments.includes('..')) return 'entry name contains a ".." segment';

  const inner = name.endsWith('/') ? segments.slice(0, -1) : segments;
  if (inner.some((segment) => segment === '' || segment === '.')) return 'entry name contains an empty or "." segment';
  return null;
}

/** Replaces control characters so a hostile name cannot forge lines in a report or log. */
function printable(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
