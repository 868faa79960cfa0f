// Turns the benchmark results into the printed table and the JSON record in bench-results/latest.json.
import { canonicalJson } from '../../shared/canonical-json.js';
import { APP_VERSION } from '../../shared/version.js';
import type { AcquisitionBenchResult, PeerSummary } from './acquisition-bench.js';
import type { DotUnstuffBenchResult } from './dot-unstuff-bench.js';
import type { GetmailScenarioResult } from './getmail-bench.js';
import type { OutputComparison } from './peer-protocol.js';
import type { SyntheticMailbox } from './synthetic-mailbox.js';

/** Version of the layout of bench-results/latest.json. */
export const BENCH_RESULTS_SCHEMA_VERSION = 2;

const MIB = 1024 * 1024;

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryBytes: number;
  node: string;
  platform: string;
  kernel: string;
  dovecot: string;
  /** getmail's version line, or null when getmail6 was not compared. */
  getmail: string | null;
  /** One-minute load average when the benchmark started; other work on the machine slows every figure. */
  loadAverage: number;
}

export interface BenchParameters {
  messages: number;
  seed: number;
  runs: number;
  microMib: number;
  /** Peers compared with Mailcase: 'node-pop3', 'getmail6'. */
  peers: string[];
  getmailMessages: number;
  latencyMessages: number;
  /** Delay the latency proxy adds in each direction, in milliseconds. */
  latencyMs: number;
  getmailRuns: number;
  /** Approximate size of each message in the getmail comparison mailboxes. */
  messageOctets: number;
  cpuProfileDir: string | null;
}

/** Everything one benchmark run measured, as written to JSON. */
export interface BenchReport {
  schemaVersion: number;
  appVersion: string;
  generatedAt: string;
  machine: MachineInfo;
  parameters: BenchParameters;
  mailbox: { messageCount: number; totalOctets: number; dotLineCount: number; eightBitMessageCount: number; largeMessageCount: number };
  /** The node-pop3 comparison, or null when node-pop3 was not among the peers. */
  acquisition: AcquisitionBenchResult | null;
  /** Mailcase against getmail6 over POP3S, directly and through the latency proxy. */
  getmail: GetmailScenarioResult[];
  /** Mailcase value divided by node-pop3 value for each median; null when either client has no successful run. */
  ratios: { wallTime: number; messagesPerSecond: number; mibPerSecond: number; peakRss: number } | null;
  dotUnstuffer: DotUnstuffBenchResult;
}

/** Assembles the report and computes the Mailcase/node-pop3 ratios. */
export function buildReport(input: {
  machine: MachineInfo;
  parameters: BenchParameters;
  mailbox: SyntheticMailbox;
  acquisition: AcquisitionBenchResult | null;
  getmail: GetmailScenarioResult[];
  dotUnstuffer: DotUnstuffBenchResult;
}): BenchReport {
  const ours = input.acquisition?.mailcase.medians;
  const theirs = input.acquisition?.nodePop3.medians;
  return {
    schemaVersion: BENCH_RESULTS_SCHEMA_VERSION,
    appVersion: APP_VERSION,
    generatedAt: new Date().toISOString(),
    machine: input.machine,
    parameters: input.parameters,
    mailbox: {
      messageCount: input.mailbox.messages.length,
      totalOctets: input.mailbox.totalOctets,
      dotLineCount: input.mailbox.dotLineCount,
      eightBitMessageCount: input.mailbox.eightBitMessageCount,
      largeMessageCount: input.mailbox.largeMessageCount,
    },
    acquisition: input.acquisition,
    getmail: input.getmail,
    ratios:
      ours && theirs
        ? {
            wallTime: ours.wallMs / theirs.wallMs,
            messagesPerSecond: ours.messagesPerSecond / theirs.messagesPerSecond,
            mibPerSecond: ours.mibPerSecond / theirs.mibPerSecond,
            peakRss: ours.peakRssBytes / theirs.peakRssBytes,
          }
        : null,
    dotUnstuffer: input.dotUnstuffer,
  };
}

/** Serialises the report as canonical JSON (sorted keys) with a final newline. */
export function reportToJson(report: BenchReport): string {
  return canonicalJson(report) + '\n';
}

/** Formats the report as the plain-text tables printed to stdout. */
export function formatReport(report: BenchReport): string {
  const { machine, parameters, dotUnstuffer } = report;
  const lines: string[] = [];

  lines.push(`Mailcase ${report.appVersion} benchmark, ${report.generatedAt}`);
  lines.push(`Machine: ${machine.cores} cores, ${machine.cpuModel}, ${(machine.memoryBytes / 1024 ** 3).toFixed(1)} GiB RAM, ${machine.platform} ${machine.kernel}`);
  lines.push(`Node ${machine.node}, Dovecot ${machine.dovecot} on 127.0.0.1, ${machine.getmail ?? 'getmail6 not compared'}`);
  lines.push(`Load average ${machine.loadAverage.toFixed(2)} at start`);
  lines.push('');
  if (report.acquisition) lines.push(...formatNodePop3Comparison(report, report.acquisition));
  for (const scenario of report.getmail) lines.push(...formatGetmailComparison(scenario, parameters));
  lines.push(...formatDotUnstuffer(dotUnstuffer));
  return lines.join('\n') + '\n';
}

function formatNodePop3Comparison(report: BenchReport, acquisition: AcquisitionBenchResult): string[] {
  const { parameters, mailbox, ratios } = report;
  const lines: string[] = [];
  lines.push(
    `Mailbox: ${mailbox.messageCount} messages, ${(mailbox.totalOctets / MIB).toFixed(1)} MiB, ${mailbox.largeMessageCount} of 2 MiB, ` +
      `${mailbox.dotLineCount} dot-led lines, ${mailbox.eightBitMessageCount} messages with 8-bit octets (seed ${parameters.seed})`,
  );
  const ours = acquisition.mailcase.medians;
  const theirs = acquisition.nodePop3.medians;
  lines.push(`Acquisition of the whole mailbox, median of ${parameters.runs} runs per client, each run in its own process`);
  lines.push(
    ...formatTable(
      ['', 'Mailcase', 'node-pop3 0.11.0', 'Mailcase/node-pop3'],
      [
        ['wall time (s)', seconds(ours?.wallMs), seconds(theirs?.wallMs), ratio(ratios?.wallTime)],
        ['messages/s', fixed(ours?.messagesPerSecond, 0), fixed(theirs?.messagesPerSecond, 0), ratio(ratios?.messagesPerSecond)],
        ['MiB/s', fixed(ours?.mibPerSecond, 1), fixed(theirs?.mibPerSecond, 1), ratio(ratios?.mibPerSecond)],
        ['peak RSS (MiB)', mib(ours?.peakRssBytes), mib(theirs?.peakRssBytes), ratio(ratios?.peakRss)],
        ['RSS before connecting (MiB)', mib(ours?.startRssBytes), mib(theirs?.startRssBytes), ''],
        ['identical to originals', identicalShare(acquisition.mailcase), identicalShare(acquisition.nodePop3), ''],
      ],
    ),
  );
  lines.push(...describeFailures(acquisition.mailcase), ...describeFailures(acquisition.nodePop3));
  lines.push(...describeAlterations(acquisition.nodePop3.comparison));
  lines.push('Mailcase also hashes every message, stores it durably (fsync) in a case folder and records it in the');
  lines.push('custody log. node-pop3 returns each message in memory as a UTF-8 decoded string and stores nothing.');
  lines.push('');
  return lines;
}

function formatGetmailComparison(scenario: GetmailScenarioResult, parameters: BenchParameters): string[] {
  const ours = scenario.mailcase.medians;
  const theirs = scenario.getmail.medians;
  const link = scenario.delayMs > 0 ? `through a proxy adding ${scenario.delayMs} ms each way` : 'directly';
  const lines: string[] = [];
  lines.push(
    `POP3S acquisition, ${link}: ${scenario.messageCount} messages, ${(scenario.totalOctets / MIB).toFixed(1)} MiB; ` +
      `median of ${parameters.runs} Mailcase runs and ${scenario.getmail.runs.length} getmail6 runs`,
  );
  lines.push(
    ...formatTable(
      ['', 'Mailcase', 'getmail6', 'Mailcase/getmail6'],
      [
        ['wall time (s)', seconds(ours?.wallMs), seconds(theirs?.wallMs), ratio(ours && theirs ? ours.wallMs / theirs.wallMs : undefined)],
        ['messages/s', fixed(ours?.messagesPerSecond, 0), fixed(theirs?.messagesPerSecond, 0), ratio(scenario.throughputRatio ?? undefined)],
        ['peak RSS (MiB)', mib(ours?.peakRssBytes), mib(theirs?.peakRssBytes ?? undefined), ratio(ours && theirs?.peakRssBytes ? ours.peakRssBytes / theirs.peakRssBytes : undefined)],
        ['identical to originals', identicalShare(scenario.mailcase), scenario.getmail.identical === null ? 'n/a' : `${scenario.getmail.identical}/${scenario.messageCount}`, ''],
      ],
    ),
  );
  lines.push(...describeFailures(scenario.mailcase));
  lines.push(...scenario.getmail.runs.flatMap((run, index) => (run.ok ? [] : [`getmail6 run ${index + 1} failed: ${run.error.split('\n')[0] ?? ''}`])));
  lines.push('Mailcase time runs from connecting to QUIT inside its child; getmail6 time runs from spawn to exit, Python start included.');
  lines.push('');
  return lines;
}

function formatDotUnstuffer(dotUnstuffer: DotUnstuffBenchResult): string[] {
  const lines: string[] = [];
  const { streaming, reference } = dotUnstuffer;
  lines.push(
    `Dot-unstuffing, ${(dotUnstuffer.wireOctets / MIB).toFixed(1)} MiB wire stream with ${dotUnstuffer.dotLines} stuffed lines, ` +
      `median of ${streaming.runsMs.length} runs`,
  );
  lines.push(
    ...formatTable(
      ['', 'time (ms)', 'wire MiB/s', 'vs reference'],
      [
        [`DotUnstuffer, ${dotUnstuffer.chunkOctets / 1024} KiB chunks`, fixed(streaming.medianMs, 1), fixed(streaming.mibPerSecond, 1), ratio(streaming.mibPerSecond / reference.mibPerSecond)],
        ['whole-buffer reference', fixed(reference.medianMs, 1), fixed(reference.mibPerSecond, 1), ratio(1)],
      ],
    ),
  );
  return lines;
}

function formatTable(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const render = (row: string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [render(header), rule, ...rows.map(render)];
}

function describeFailures(summary: PeerSummary): string[] {
  return summary.runs.flatMap((run, index) => (run.ok ? [] : [`${summary.peer} run ${index + 1} failed: ${run.error.split('\n')[0] ?? ''}`]));
}

function describeAlterations(comparison: OutputComparison | null): string[] {
  if (!comparison?.causes || comparison.differing === 0) return [];
  const { lostFinalCrlf, keptStuffingDot, replacedOctets } = comparison.causes;
  return [
    `node-pop3 output differing from the original: ${comparison.differing} messages; ${lostFinalCrlf} lost the final CRLF, ` +
      `${keptStuffingDot} kept a stuffing dot, ${replacedOctets} had non-UTF-8 octets replaced by U+FFFD.`,
  ];
}

function identicalShare(summary: PeerSummary): string {
  const comparison = summary.comparison;
  if (!comparison) return 'n/a';
  return `${comparison.identical}/${comparison.identical + comparison.differing}`;
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? 'failed' : (ms / 1000).toFixed(2);
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'failed' : (bytes / MIB).toFixed(1);
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? 'failed' : value.toFixed(digits);
}

function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}x`;
}
