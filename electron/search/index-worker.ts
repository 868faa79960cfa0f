// Worker thread entry that builds or extends a case's search index, so a large build does not block the main
// process. It writes the index files, and the caller then drops its loaded copy and reads them again.
import { parentPort, workerData } from 'node:worker_threads';

import { CaseStore } from '../evidence/case-store.js';
import { rebuildIndex, updateIndex } from './search-index.js';

/** Work the main thread sends: the case folder and whether to rebuild or only add new records. */
export interface IndexWorkerInput {
  caseDir: string;
  mode: 'rebuild' | 'update';
}

/** The one message the worker posts before it exits. */
export type IndexWorkerReply = { ok: true } | { ok: false; message: string };

async function run(input: IndexWorkerInput): Promise<IndexWorkerReply> {
  try {
    const store = await CaseStore.open(input.caseDir);
    if (input.mode === 'rebuild') await rebuildIndex(store);
    else await updateIndex(store);
    return { ok: true };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

parentPort?.postMessage(await run(workerData as IndexWorkerInput));
