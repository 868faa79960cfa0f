// Records the end of acquisition runs that were killed after moving their transcript into the case and before
// logging 'acquisition-finished', so that every transcript in custody/transcripts is named by the custody log.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { CASE_LAYOUT, type CaseStore } from '../evidence/case-store.js';
import type { CustodyEntry } from '../evidence/custody-log.js';
import { hashFile } from '../evidence/hash-file.js';
import type { Logger } from '../logging/logger.js';

/** Custody entries that end a run and name its transcript. verify-case checks the same three. */
const RUN_END_TYPES: ReadonlySet<string> = new Set(['acquisition-finished', 'acquisition-failed', 'acquisition-cancelled']);

const TRANSCRIPT_NAME = /^([0-9a-f-]{36})\.log$/;

/**
 * Logs an 'acquisition-failed' entry with `interrupted: true` for each transcript in custody/transcripts that
 * no run-end entry in `entries` names, and returns how many it logged. The entry carries the transcript's
 * SHA-256, as a normal run end does. Call it while holding the acquisition lock, so that no run in progress
 * is mistaken for an interrupted one.
 */
export async function recordInterruptedRuns(store: CaseStore, entries: CustodyEntry[], currentRunId: string, runLog: Logger): Promise<number> {
  const names = await fs.readdir(path.join(store.dir, CASE_LAYOUT.transcripts)).catch(() => [] as string[]);
  const runIds = names.map((name) => TRANSCRIPT_NAME.exec(name)?.[1]).filter((runId): runId is string => runId !== undefined);
  if (runIds.length === 0) return 0;

  const named = new Set<unknown>();
  for (const entry of entries) {
    if (RUN_END_TYPES.has(entry.type)) named.add((entry.data.transcript as { file?: unknown } | null | undefined)?.file);
  }

  let recorded = 0;
  for (const runId of runIds.sort()) {
    const file = store.transcriptFile(runId);
    if (named.has(file)) continue;

    const sha256 = await hashFile(path.join(store.dir, file));
    await store.custodyLog.append('acquisition-failed', {
      runId,
      code: 'INTERNAL',
      message: `The run was interrupted after it saved its transcript and before it logged its end. Run ${currentRunId} recorded it.`,
      interrupted: true,
      recordedByRunId: currentRunId,
      transcript: { file, sha256 },
    });
    runLog.warn('recorded the end of an interrupted run', { interruptedRunId: runId });
    recorded += 1;
  }
  return recorded;
}
