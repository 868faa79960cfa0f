// Times acquisition of the synthetic mailbox from a real Dovecot on loopback by Mailcase and by node-pop3,
// each run in its own child process, alternating which client goes first.
import { fork } from 'node:child_process';

import { Pop3Session } from '../../electron/acquisition/pop3-session.js';
import { startDovecot, type DovecotServer } from '../../test/helpers/dovecot.js';
import type { OutputComparison, PeerName, PeerReply, PeerResult, PeerTask } from './peer-protocol.js';
import type { SyntheticMailbox } from './synthetic-mailbox.js';

const MIB = 1024 * 1024;

/** Child entry modules, next to this one in the compiled output. */
const PEER_MODULES: Record<PeerName, URL> = {
  mailcase: new URL('./peer-mailcase.js', import.meta.url),
  'node-pop3': new URL('./peer-node-pop3.js', import.meta.url),
};

/**
 * Time a child may take before it is killed: a fixed allowance plus 4 s per MiB of mailbox, which is 0.25 MiB/s.
 * The slowest client run measured so far moved 0.65 MiB/s on a busy 2-core machine, so a child that reaches the
 * deadline has most likely hung.
 */
const PEER_DEADLINE_BASE_MS = 60_000;
const PEER_DEADLINE_MS_PER_MIB = 4_000;

/** Returns the time a client may take on `mailbox` before it is killed. */
export function peerDeadlineMs(mailbox: SyntheticMailbox): number {
  return PEER_DEADLINE_BASE_MS + (PEER_DEADLINE_MS_PER_MIB * mailbox.totalOctets) / MIB;
}

/** One child run: its measurements, or why it failed. */
export type PeerRun = { ok: true; result: PeerResult } | { ok: false; peer: PeerName; error: string };

/** Medians over the successful timed runs of one client. */
export interface PeerMedians {
  wallMs: number;
  messagesPerSecond: number;
  mibPerSecond: number;
  peakRssBytes: number;
  startRssBytes: number;
}

export interface PeerSummary {
  peer: PeerName;
  runs: PeerRun[];
  medians: PeerMedians | null;
  comparison: OutputComparison | null;
}

export interface AcquisitionBenchResult {
  dovecotPort: number;
  mailcase: PeerSummary;
  nodePop3: PeerSummary;
}

/**
 * Starts Dovecot with the mailbox, lists it once so Dovecot builds its index before any timed run, then runs
 * each client `runs` times and node-pop3 once more to compare its output. Stops Dovecot in every case.
 */
export async function benchAcquisition(mailbox: SyntheticMailbox, runs: number, log: (line: string) => void): Promise<AcquisitionBenchResult> {
  const server = await startDovecot({ messages: mailbox.messages.map((message) => message.octets) });
  try {
    await warmUp(server);
    const task: PeerTask = {
      host: server.host,
      port: server.plainPort,
      security: 'none',
      user: server.user,
      password: server.password,
      compareOutput: false,
      expected: mailbox.messages.map((message) => ({ sha256: message.sha256, size: message.octets.length })),
    };
    const deadlineMs = peerDeadlineMs(mailbox);

    const timed: Record<PeerName, PeerRun[]> = { mailcase: [], 'node-pop3': [] };
    for (let run = 0; run < runs; run += 1) {
      const order: PeerName[] = run % 2 === 0 ? ['mailcase', 'node-pop3'] : ['node-pop3', 'mailcase'];
      for (const peer of order) {
        const outcome = await runPeer(peer, task, deadlineMs);
        timed[peer].push(outcome);
        log(describeRun(outcome, run + 1, runs));
      }
    }

    log('node-pop3: comparing its output with the originals (untimed)');
    const compareRun = await runPeer('node-pop3', { ...task, compareOutput: true }, deadlineMs);
    const nodePop3Comparison = compareRun.ok ? compareRun.result.comparison : null;
    if (!compareRun.ok) log(`node-pop3 comparison run failed: ${compareRun.error}`);

    return {
      dovecotPort: server.plainPort,
      mailcase: summarise('mailcase', timed.mailcase, mailbox, firstComparison(timed.mailcase)),
      nodePop3: summarise('node-pop3', timed['node-pop3'], mailbox, nodePop3Comparison),
    };
  } finally {
    await server.stop();
  }
}

/** Logs in, sends UIDL and LIST, and quits, so Dovecot's index and size cache exist before the first timed run. */
export async function warmUp(server: DovecotServer): Promise<void> {
  const session = await Pop3Session.connect({ host: server.host, port: server.plainPort, security: 'none', user: server.user });
  try {
    await session.login(server.user, server.password);
    await session.uidl();
    await session.list();
    await session.quit();
  } finally {
    session.close();
  }
}

/**
 * Forks one child, sends it the task and waits for its reply, its exit or the deadline. `execArgv` goes to the
 * child's Node, for example `--cpu-prof` to profile it.
 */
export function runPeer(peer: PeerName, task: PeerTask, deadlineMs: number, execArgv: string[] = []): Promise<PeerRun> {
  return new Promise((resolve) => {
    const child = fork(PEER_MODULES[peer], [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let settled = false;
    const settle = (run: PeerRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };

    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle({ ok: false, peer, error: `timed out after ${Math.round(deadlineMs / 1000)} s and was killed` });
    }, deadlineMs);

    child.once('message', (reply: PeerReply) => {
      settle(reply.ok ? { ok: true, result: reply.result } : { ok: false, peer, error: reply.error });
    });
    child.once('error', (error) => settle({ ok: false, peer, error: error.message }));
    child.once('exit', (code, signal) => settle({ ok: false, peer, error: `exited with ${signal ?? `code ${code}`} before replying` }));
    child.send(task);
  });
}

export function describeRun(run: PeerRun, number: number, total: number): string {
  if (!run.ok) return `${run.peer} run ${number}/${total}: failed: ${run.error}`;
  const { peer, wallMs, messageCount, peakRssBytes } = run.result;
  return `${peer} run ${number}/${total}: ${messageCount} messages in ${(wallMs / 1000).toFixed(2)} s, peak RSS ${(peakRssBytes / MIB).toFixed(1)} MiB`;
}

export function firstComparison(runs: PeerRun[]): OutputComparison | null {
  for (const run of runs) if (run.ok && run.result.comparison) return run.result.comparison;
  return null;
}

export function summarise(peer: PeerName, runs: PeerRun[], mailbox: SyntheticMailbox, comparison: OutputComparison | null): PeerSummary {
  const results = runs.flatMap((run) => (run.ok ? [run.result] : []));
  if (results.length === 0) return { peer, runs, medians: null, comparison };

  const wallMs = median(results.map((result) => result.wallMs));
  return {
    peer,
    runs,
    medians: {
      wallMs,
      messagesPerSecond: mailbox.messages.length / (wallMs / 1000),
      mibPerSecond: mailbox.totalOctets / MIB / (wallMs / 1000),
      peakRssBytes: median(results.map((result) => result.peakRssBytes)),
      startRssBytes: median(results.map((result) => result.startRssBytes)),
    },
    comparison,
  };
}

/** Returns the median of a non-empty list; for an even count, the mean of the two middle values. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[middle - 1] ?? Number.NaN) + upper) / 2;
}
