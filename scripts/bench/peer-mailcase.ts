// Benchmark child: acquires the whole mailbox with Mailcase's acquireMailbox into a fresh temporary case, then
// checks the stored SHA-256 of every message against the originals and removes the case.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { acquireMailbox } from '../../electron/acquisition/acquire-mailbox.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { readMaxRss, readPeakRss, servePeerTask, type PeerResult, type PeerTask } from './peer-protocol.js';

/** Runs one timed acquisition; the case folder is created before and removed after the timed part. */
async function runMailcase(task: PeerTask): Promise<PeerResult> {
  const caseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-bench-case-'));
  try {
    const store = await CaseStore.create(caseDir, 'benchmark');
    const mailbox = { host: task.host, port: task.port, security: task.security, user: task.user };
    const sessionOptions = task.ca === undefined ? undefined : { ca: task.ca };
    const startRssBytes = readPeakRss();

    const started = performance.now();
    const summary = await acquireMailbox({ store, mailbox, password: task.password, sessionOptions });
    const wallMs = performance.now() - started;

    const peakRssBytes = readPeakRss();
    const maxRssBytes = readMaxRss();

    let identical = 0;
    for (const [index, expected] of task.expected.entries()) {
      if (summary.newMessages[index] === expected.sha256) identical += 1;
    }
    const messageCount = summary.serverMessageCount;
    return {
      peer: 'mailcase',
      wallMs,
      messageCount,
      startRssBytes,
      peakRssBytes,
      maxRssBytes,
      comparison: { identical, differing: Math.max(messageCount, task.expected.length) - identical, causes: null },
    };
  } finally {
    await fs.rm(caseDir, { recursive: true, force: true });
  }
}

servePeerTask(runMailcase);
