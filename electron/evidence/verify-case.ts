// Checks a case's evidence against itself: every stored file re-hashed against its name, every file matched
// to a custody log entry and back, every acquisition transcript against its logged hash, no unlisted files,
// and the custody log's hash chain intact.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { CASE_LAYOUT, type CaseStore } from './case-store.js';
import { hashFile } from './hash-file.js';

export interface CaseProblem {
  /** Path relative to the case folder, e.g. "evidence/messages/ab/<sha256>.eml". */
  file: string;
  reason: string;
}

export interface CaseVerification {
  valid: boolean;
  messagesChecked: number;
  problems: CaseProblem[];
}

const MESSAGE_NAME = /^([0-9a-f]{64})\.eml$/;

/** Case-relative transcript paths as acquireMailbox writes them; anything else in a log entry is not trusted. */
const TRANSCRIPT_FILE = /^custody\/transcripts\/[0-9a-f-]{36}\.log$/;

/** Custody entries that end an acquisition run and name its transcript. */
/** Custody entries that record a message entering the case. */
const EVIDENCE_ENTRY_TYPES: ReadonlySet<string> = new Set(['message-acquired', 'message-imported']);

const RUN_END_TYPES: ReadonlySet<string> = new Set(['acquisition-finished', 'acquisition-failed', 'acquisition-cancelled']);

/**
 * Re-hashes every file in evidence/messages and compares it with its name. Checks that every SHA-256 in a
 * 'message-acquired' or 'message-imported' entry is stored and every stored message is in the log. Re-hashes every transcript
 * named by the entry that ends a run, reports files under custody/ and evidence/ that nothing lists, and
 * verifies the log's chain. Temporary files in evidence/incoming are skipped, because each acquisition
 * removes them at its start. Returns every problem found, each naming the file concerned, and never throws
 * for damaged evidence.
 */
export async function verifyCase(store: CaseStore): Promise<CaseVerification> {
  const problems: CaseProblem[] = [];
  const logFile = CASE_LAYOUT.custodyLog;

  for (const problem of await store.custodyLog.verifyChain()) {
    problems.push({ file: logFile, reason: `line ${problem.line}: ${problem.reason}` });
  }

  const logged = new Set<string>();
  const transcripts = new Map<string, string>();
  try {
    // Entries before and after a damaged line still count, so messages they record are not reported as unlogged.
    for (const entry of await store.custodyLog.readParsable()) {
      if (EVIDENCE_ENTRY_TYPES.has(entry.type) && typeof entry.data.sha256 === 'string') logged.add(entry.data.sha256);
      const transcript = entry.data.transcript as { file?: unknown; sha256?: unknown } | null | undefined;
      if (RUN_END_TYPES.has(entry.type) && typeof transcript?.file === 'string' && typeof transcript.sha256 === 'string') {
        transcripts.set(transcript.file, transcript.sha256);
      }
    }
  } catch (error) {
    // verifyChain already reported an unreadable line; the cross-checks below then report every file.
    problems.push({ file: logFile, reason: `could not be read: ${(error as Error).message}` });
  }

  const stored = new Set<string>();
  let messagesChecked = 0;
  for (const file of await listEvidenceFiles(store.dir)) {
    const relative = path.posix.join(CASE_LAYOUT.messages, file.bucket, file.name);
    const match = MESSAGE_NAME.exec(file.name);
    if (!match || file.bucket !== file.name.slice(0, 2)) {
      problems.push({ file: relative, reason: 'unexpected file in the evidence folder (not <sha256>.eml in its bucket)' });
      continue;
    }

    const expected = match[1] as string;
    messagesChecked += 1;
    stored.add(expected);

    let actual: string;
    try {
      actual = await hashFile(path.join(store.dir, CASE_LAYOUT.messages, file.bucket, file.name));
    } catch (error) {
      problems.push({ file: relative, reason: `could not be read: ${(error as Error).message}` });
      continue;
    }
    if (actual !== expected) {
      problems.push({ file: relative, reason: `content SHA-256 is ${actual}, but the file name says ${expected}` });
    }
    if (!logged.has(expected)) {
      problems.push({ file: relative, reason: 'stored message has no message-acquired or message-imported entry in the custody log' });
    }
  }

  for (const sha256 of [...logged].sort()) {
    if (!stored.has(sha256)) {
      const relative = path.posix.join(CASE_LAYOUT.messages, sha256.slice(0, 2), `${sha256}.eml`);
      problems.push({ file: relative, reason: 'message recorded in the custody log is missing' });
    }
  }

  problems.push(...(await checkTranscripts(store.dir, transcripts)));
  problems.push(...(await findUnlistedFiles(store.dir, new Set(transcripts.keys()))));
  return { valid: problems.length === 0, messagesChecked, problems };
}

async function checkTranscripts(caseDir: string, transcripts: Map<string, string>): Promise<CaseProblem[]> {
  const problems: CaseProblem[] = [];
  for (const [file, expected] of [...transcripts].sort(([a], [b]) => a.localeCompare(b))) {
    if (!TRANSCRIPT_FILE.test(file)) {
      problems.push({ file: CASE_LAYOUT.custodyLog, reason: `names a transcript outside custody/transcripts: ${JSON.stringify(file.slice(0, 200))}` });
      continue;
    }
    let actual: string;
    try {
      actual = await hashFile(path.join(caseDir, file));
    } catch {
      problems.push({ file, reason: 'transcript recorded in the custody log is missing' });
      continue;
    }
    if (actual !== expected) problems.push({ file, reason: `content SHA-256 is ${actual}, but the custody log says ${expected}` });
  }
  return problems;
}

/**
 * The custody log's lock file. A process killed during an append leaves it until the next append removes it;
 * it holds only a process id, so it is not reported.
 */
const CUSTODY_LOCK_FILE = `${CASE_LAYOUT.custodyLog}.lock`;

/** Lists files under custody/ and evidence/ other than the log, its lock, listed transcripts and message evidence. */
async function findUnlistedFiles(caseDir: string, transcriptFiles: Set<string>): Promise<CaseProblem[]> {
  const skipped = new Set([CASE_LAYOUT.messages, CASE_LAYOUT.incoming]);
  const problems: CaseProblem[] = [];
  for (const top of ['custody', 'evidence']) {
    for (const file of await listFilesBelow(caseDir, top, skipped)) {
      if (file === CASE_LAYOUT.custodyLog || file === CUSTODY_LOCK_FILE || transcriptFiles.has(file)) continue;
      problems.push({ file, reason: 'file is not listed in the custody log' });
    }
  }
  return problems;
}

async function listFilesBelow(caseDir: string, relative: string, skipped: ReadonlySet<string>): Promise<string[]> {
  if (skipped.has(relative)) return [];
  const entries = await fs.readdir(path.join(caseDir, relative), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.posix.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...(await listFilesBelow(caseDir, child, skipped)));
    else files.push(child);
  }
  return files;
}

async function listEvidenceFiles(caseDir: string): Promise<{ bucket: string; name: string }[]> {
  const root = path.join(caseDir, CASE_LAYOUT.messages);
  const files: { bucket: string; name: string }[] = [];
  const buckets = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  for (const bucket of buckets.sort((a, b) => a.name.localeCompare(b.name))) {
    // Anything directly in the messages folder is out of place; an empty bucket makes it fail the name check.
    if (!bucket.isDirectory()) {
      files.push({ bucket: '', name: bucket.name });
      continue;
    }
    const names = await fs.readdir(path.join(root, bucket.name)).catch(() => [] as string[]);
    for (const name of names.sort()) files.push({ bucket: bucket.name, name });
  }
  return files;
}
