// Runs index building in a worker thread when a compiled worker exists, so the main process (the Electron
// window's IPC, the review server) stays responsive. Without one, as under the test runner, it runs in-thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import type { IndexWorkerInput, IndexWorkerReply } from './index-worker.js';
import { forgetLoadedIndexes, runIndexWork } from './search-index.js';

const log = createLogger('index-off-thread');

/**
 * Heap limit of the index worker: a base plus an allowance per stored message. Without a limit V8 lets garbage pile
 * up far beyond what the build keeps alive. A full rebuild of 11,000 messages peaked at about 310 MiB of process
 * memory without the limit, and at about 215 MiB with it, in the same time. A build that needs more than the limit makes
 * the worker fail, and it then runs on the calling thread without one.
 */
const INDEX_WORKER_BASE_HEAP_MB = 160;
const INDEX_WORKER_HEAP_KB_PER_MESSAGE = 2;

/**
 * Young generation of the index worker. The build makes many short-lived objects, and V8's default young
 * generation adds tens of MB to the process while the main thread still keeps the parse step's heap. In one run
 * each of a 10,000-message processCase, 8 MB lowered the peak from 328 to 295 MiB.
 */
const INDEX_WORKER_YOUNG_GENERATION_MB = 8;

/**
 * The compiled worker next to this module: dist/electron/search/index-worker.js in a build.
 * NOTE: not run inside a packaged Electron app (asar) here. If the worker cannot start there, the index is built
 * on the calling thread and the reason is logged.
 */
export const INDEX_WORKER_URL = new URL('./index-worker.js', import.meta.url);

/**
 * Rebuilds the index, or adds new records to it, in a worker thread when possible. Returns where it ran.
 * `heapLimitMb` replaces the limit computed from the case's size.
 */
export async function maintainIndexOffThread(
  store: CaseStore,
  mode: IndexWorkerInput['mode'],
  workerUrl: URL = INDEX_WORKER_URL,
  heapLimitMb?: number,
): Promise<'worker' | 'thread'> {
  // The build runs in the case's turn, so a search on this thread waits for it instead of writing the same files.
  return runIndexWork(store, async (inThread) => {
    if (workerUrl.protocol === 'file:' && existsSync(fileURLToPath(workerUrl))) {
      const messages = (await store.listMessages()).length;
      const limitMb = heapLimitMb ?? INDEX_WORKER_BASE_HEAP_MB + Math.ceil((messages * INDEX_WORKER_HEAP_KB_PER_MESSAGE) / 1024);
      const reply = await runWorker(workerUrl, { caseDir: store.dir, mode }, limitMb);
      if (reply.ok) {
        // The worker wrote new index files, so the copy this thread loaded earlier is out of date.
        forgetLoadedIndexes();
        return 'worker';
      }
      log.warn('index worker failed; building on this thread', { caseId: store.info.caseId, mode, reason: reply.message });
    }
    if (mode === 'rebuild') await inThread.rebuild();
    else await inThread.update();
    return 'thread';
  });
}

function runWorker(workerUrl: URL, input: IndexWorkerInput, heapLimitMb: number): Promise<IndexWorkerReply> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (reply: IndexWorkerReply): void => {
      if (settled) return;
      settled = true;
      resolve(reply);
    };
    let worker: Worker;
    try {
      worker = new Worker(workerUrl, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: heapLimitMb, maxYoungGenerationSizeMb: INDEX_WORKER_YOUNG_GENERATION_MB } });
    } catch (error) {
      settle({ ok: false, message: error instanceof Error ? error.message : String(error) });
      return;
    }
    worker.once('message', (reply: IndexWorkerReply) => settle(reply));
    worker.once('error', (error) => settle({ ok: false, message: error.message }));
    worker.once('exit', (code) => settle({ ok: false, message: `the index worker exited with code ${code} before replying` }));
  });
}
