// Shapes of a message import (files, folders, maildirs and mbox files into a case), shared by the CLI,
// the IPC contract and the renderer.

/** Format an import may be forced to; 'auto' detects it per file from the content and the folder layout. */
export const IMPORT_FORMATS = ['auto', 'eml', 'mbox', 'mboxo', 'mboxrd', 'mboxcl2'] as const;

export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * Variant of mbox quoting, which decides how "From " lines inside a message are restored. mboxo turns ">From " back into "From " only. mboxrd removes
 * one ">" from every line that matches /^>+From /. mboxcl2 takes exactly the octets that each message's
 * Content-Length header names and unquotes nothing.
 */
export type MboxVariant = 'mboxo' | 'mboxrd' | 'mboxcl2';

/** A file, or a part of one, that could not be imported; the rest of the import went on. */
export interface ImportProblem {
  path: string;
  /** Offset of the message in the file when the problem concerns one message of an mbox, else null. */
  byteStart: number | null;
  reason: string;
}

export interface ImportProgress {
  /** Files read so far, failed ones included. */
  filesDone: number;
  filesTotal: number;
  /** Messages found so far, duplicates included. */
  messages: number;
}

export interface ImportSummary {
  importId: string;
  /** Files read: .eml files, mbox files and maildir messages. */
  files: number;
  /** Messages found in those files, duplicates included. */
  messages: number;
  /** Messages the case did not hold before and that were stored. */
  newCount: number;
  /** Messages whose octets the case already held, from earlier or from this import; they are recorded, not stored again. */
  duplicates: number;
  /** SHA-256 of each message found, in import order, duplicates included. */
  sha256s: string[];
  problems: ImportProblem[];
  /** Files inside named folders that were not imported because their name does not end in .eml, .mbox or .mbx. */
  skipped: string[];
  /** True when the import was cancelled; the fields then describe the part done, all of it stored and logged. */
  cancelled: boolean;
}

/** Reply of 'case:import': the import summary and the parse of the messages it stored. */
export interface CaseImportReply extends ImportSummary {
  parsed: number;
  parseErrors: number;
}
