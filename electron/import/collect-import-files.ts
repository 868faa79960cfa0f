// Expands the paths an investigator names for an import into the files to read: named files as they are,
// folders recursively, and maildirs, whose messages are the files in cur/ and new/.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { ImportProblem } from '../../shared/import-types.js';

/** One file to import. Maildir messages are plain messages but their source records the maildir format. */
export interface ImportFile {
  path: string;
  inMaildir: boolean;
  /** True when the investigator named the file itself rather than a folder holding it. */
  isNamed: boolean;
}

export interface CollectedFiles {
  files: ImportFile[];
  problems: ImportProblem[];
  skipped: string[];
}

/** File names imported from inside a folder; any file named directly is imported whatever its name. */
const FOLDER_FILE_PATTERN = /\.(eml|mbox|mbx)$/i;

/**
 * Lists the files behind the given paths in a stable order: the paths in the order given, folder entries
 * sorted by name. A path that does not exist or cannot be read becomes a problem. Symbolic links inside
 * folders are skipped, so a link cannot pull files from elsewhere into the import or loop forever.
 */
export async function collectImportFiles(paths: string[]): Promise<CollectedFiles> {
  const collected: CollectedFiles = { files: [], problems: [], skipped: [] };
  for (const given of paths) {
    const absolute = path.resolve(given);
    const stat = await fs.stat(absolute).catch((error: NodeJS.ErrnoException) => error);
    if (stat instanceof Error) {
      collected.problems.push({ path: absolute, byteStart: null, reason: describeFsError(stat) });
      continue;
    }

    if (stat.isDirectory()) await collectFolder(absolute, collected);
    else if (stat.isFile()) collected.files.push({ path: absolute, inMaildir: false, isNamed: true });
    else collected.problems.push({ path: absolute, byteStart: null, reason: 'not a regular file or folder' });
  }
  return collected;
}

async function collectFolder(folder: string, collected: CollectedFiles): Promise<void> {
  const entries = await readFolder(folder, collected);
  if (entries === null) return;

  const isMaildir = entries.some((entry) => entry.isDirectory() && (entry.name === 'cur' || entry.name === 'new'));
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (isMaildir && (entry.name === 'cur' || entry.name === 'new') && entry.isDirectory()) {
      await collectMaildirMessages(full, collected);
    } else if (isMaildir && entry.name === 'tmp') {
      // A maildir's tmp/ contains messages still being delivered, which are not part of the mailbox yet.
      continue;
    } else if (entry.isDirectory()) {
      await collectFolder(full, collected);
    } else if (entry.isFile() && FOLDER_FILE_PATTERN.test(entry.name)) {
      collected.files.push({ path: full, inMaildir: false, isNamed: false });
    } else {
      collected.skipped.push(full);
    }
  }
}

/** Adds every file of a maildir's cur/ or new/; the flags after the colon in a name are ignored. */
async function collectMaildirMessages(folder: string, collected: CollectedFiles): Promise<void> {
  const entries = await readFolder(folder, collected);
  if (entries === null) return;

  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isFile() && !entry.name.startsWith('.')) collected.files.push({ path: full, inMaildir: true, isNamed: false });
    else collected.skipped.push(full);
  }
}

async function readFolder(folder: string, collected: CollectedFiles) {
  try {
    const entries = await fs.readdir(folder, { withFileTypes: true });
    // Names within one folder are unique, so the order is total.
    return entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch (error) {
    collected.problems.push({ path: folder, byteStart: null, reason: describeFsError(error as NodeJS.ErrnoException) });
    return null;
  }
}

/** Describes a file system error in plain words for the import report. */
export function describeFsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'not found';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return `could not be read (${error.code ?? error.message})`;
  }
}
