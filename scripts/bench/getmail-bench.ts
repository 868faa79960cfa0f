// Times Mailcase and getmail6 acquiring the same mailbox from a real Dovecot over POP3S on loopback, either
// directly or through a proxy that adds latency, in one run side by side.
import { startDovecot } from '../../test/helpers/dovecot.js';
import { describeRun, firstComparison, median, peerDeadlineMs, runPeer, summarise, warmUp, type PeerRun, type PeerSummary } from './acquisition-bench.js';
import { startLatencyProxy, type LatencyProxy } from './latency-proxy.js';
import { runGetmail, type GetmailRun } from './peer-getmail.js';
import type { PeerTask } from './peer-protocol.js';
import type { SyntheticMailbox } from './synthetic-mailbox.js';

const MIB = 1024 * 1024;

/** Extra time getmail may take beyond a Mailcase child's deadline, because it was 15 to 30 times slower in earlier runs. */
const GETMAIL_EXTRA_DEADLINE_MS = 240_000;

export interface GetmailScenarioOptions {
  /** Label printed in the log and the report, for example 'loopback'. */
  name: string;
  mailbox: SyntheticMailbox;
  /** Delay added by the proxy in each direction, or 0 to connect to Dovecot directly. */
  delayMs: number;
  mailcaseRuns: number;
  getmailRuns: number;
  /** When set, each Mailcase child writes a V8 CPU profile into this folder. */
  cpuProfileDir?: string;
  log: (line: string) => void;
}

/** Medians of getmail's successful runs. */
export interface GetmailMedians {
  wallMs: number;
  messagesPerSecond: number;
  peakRssBytes: number | null;
}

export interface GetmailScenarioResult {
  name: string;
  messageCount: number;
  totalOctets: number;
  delayMs: number;
  mailcase: PeerSummary;
  getmail: { runs: GetmailRun[]; medians: GetmailMedians | null; identical: number | null };
  /** Mailcase messages/s divided by getmail's, or null when either has no successful run. */
  throughputRatio: number | null;
}

/**
 * Starts Dovecot with the mailbox and, for a delay above 0, a latency proxy in front of its POP3S port. Then
 * alternates getmail runs and Mailcase runs, Mailcase first, and stops the proxy and Dovecot in every case.
 */
export async function benchAgainstGetmail(options: GetmailScenarioOptions): Promise<GetmailScenarioResult> {
  const { mailbox, log } = options;
  const server = await startDovecot({ messages: mailbox.messages.map((message) => message.octets) });
  let proxy: LatencyProxy | null = null;
  try {
    await warmUp(server);
    if (options.delayMs > 0) proxy = await startLatencyProxy(server.pop3sPort, options.delayMs);
    const port = proxy?.port ?? server.pop3sPort;

    const task: PeerTask = {
      host: server.host,
      port,
      security: 'tls',
      ca: server.certPem,
      user: server.user,
      password: server.password,
      compareOutput: false,
      expected: mailbox.messages.map((message) => ({ sha256: message.sha256, size: message.octets.length })),
    };
    const deadlineMs = peerDeadlineMs(mailbox);
    const execArgv = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];

    const mailcaseRuns: PeerRun[] = [];
    const getmailRuns: GetmailRun[] = [];
    const rounds = Math.max(options.mailcaseRuns, options.getmailRuns);
    for (let round = 0; round < rounds; round += 1) {
      if (round < options.mailcaseRuns) {
        const run = await runPeer('mailcase', task, deadlineMs, execArgv);
        mailcaseRuns.push(run);
        log(`${options.name}: ${describeRun(run, round + 1, options.mailcaseRuns)}`);
      }
      if (round < options.getmailRuns) {
        const run = await runGetmail({
          host: server.host,
          port,
          user: server.user,
          password: server.password,
          caPem: server.certPem,
          expectedSha256s: task.expected.map((message) => message.sha256),
          deadlineMs: deadlineMs + GETMAIL_EXTRA_DEADLINE_MS,
        });
        getmailRuns.push(run);
        log(`${options.name}: ${describeGetmailRun(run, round + 1, options.getmailRuns)}`);
      }
    }

    const mailcase = summarise('mailcase', mailcaseRuns, mailbox, firstComparison(mailcaseRuns));
    const getmail = summariseGetmail(getmailRuns, mailbox);
    const ours = mailcase.medians?.messagesPerSecond;
    const theirs = getmail.medians?.messagesPerSecond;
    return {
      name: options.name,
      messageCount: mailbox.messages.length,
      totalOctets: mailbox.totalOctets,
      delayMs: options.delayMs,
      mailcase,
      getmail,
      throughputRatio: ours !== undefined && theirs !== undefined ? ours / theirs : null,
    };
  } finally {
    await proxy?.stop();
    await server.stop();
  }
}

function summariseGetmail(runs: GetmailRun[], mailbox: SyntheticMailbox): GetmailScenarioResult['getmail'] {
  const results = runs.flatMap((run) => (run.ok ? [run] : []));
  const first = results[0];
  if (first === undefined) return { runs, medians: null, identical: null };

  const wallMs = median(results.map((run) => run.wallMs));
  const rssValues = results.flatMap((run) => (run.peakRssBytes === null ? [] : [run.peakRssBytes]));
  return {
    runs,
    medians: {
      wallMs,
      messagesPerSecond: mailbox.messages.length / (wallMs / 1000),
      peakRssBytes: rssValues.length > 0 ? median(rssValues) : null,
    },
    identical: first.identical,
  };
}

function describeGetmailRun(run: GetmailRun, number: number, total: number): string {
  if (!run.ok) return `getmail6 run ${number}/${total}: failed: ${run.error}`;
  const rss = run.peakRssBytes === null ? 'unknown' : `${(run.peakRssBytes / MIB).toFixed(1)} MiB`;
  return `getmail6 run ${number}/${total}: ${run.messageCount} messages in ${(run.wallMs / 1000).toFixed(2)} s, peak RSS ${rss}`;
}
