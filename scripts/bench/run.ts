// Entry point of `npm run bench`: times Mailcase against node-pop3 and getmail6 acquiring synthetic mailboxes from
// a real Dovecot on loopback, times the DotUnstuffer, prints the tables and writes bench-results/latest.json.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { writeFileAtomic } from '../../electron/evidence/atomic-file.js';
import { canRunDovecot, DOVECOT_BINARY } from '../../test/helpers/dovecot.js';
import { benchAcquisition } from './acquisition-bench.js';
import { benchDotUnstuffer } from './dot-unstuff-bench.js';
import { benchAgainstGetmail, type GetmailScenarioResult } from './getmail-bench.js';
import { canRunGetmail, getmailVersion, GETMAIL_BINARY } from './peer-getmail.js';
import { buildReport, formatReport, reportToJson, type BenchParameters, type MachineInfo } from './report.js';
import { benchSearch } from './search-bench.js';
import { generateSyntheticMailbox } from './synthetic-mailbox.js';

const execFileAsync = promisify(execFile);

const PEER_NAMES = ['node-pop3', 'getmail6'] as const;

/** The acquisition benchmark's parameters plus what the runner alone uses. */
interface RunParameters extends BenchParameters {
  only: 'all' | 'acquisition' | 'search';
  searchSizes: number[];
}

const DEFAULT_PARAMETERS: BenchParameters = {
  messages: 2000,
  seed: 1939,
  runs: 3,
  microMib: 50,
  peers: [...PEER_NAMES],
  getmailMessages: 10_000,
  latencyMessages: 300,
  latencyMs: 20,
  getmailRuns: 1,
  messageOctets: 2048,
  cpuProfileDir: null,
};

/**
 * Upper bounds of the options. The runner keeps the whole mailbox in memory (about 0.8 GiB at 20,000 messages),
 * and the stream stays below the DotUnstuffer's default limit of 256 MiB per message.
 */
const MAX_MESSAGES = 20_000;
const MAX_RUNS = 9;
const MAX_MICRO_MIB = 200;
const MAX_LATENCY_MS = 1000;

/** The compiled file sits in dist-bench/scripts/bench/, three levels below the repository root. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS_FILE = path.join(REPOSITORY_ROOT, 'bench-results', 'latest.json');
const SEARCH_RESULTS_FILE = path.join(REPOSITORY_ROOT, 'bench-results', 'search.json');
const DEFAULT_SEARCH_SIZES = [10_000, 100_000];
const MAX_SEARCH_SIZE = 1_000_000;

const HELP = `Usage: npm run bench -- [options]

Runs as root (Dovecot drops to its own users, getmail6 runs as nobody) with the Debian packages dovecot-pop3d,
getmail6 and time installed. Uses loopback only.

  --messages N   messages in the mixed-size mailbox timed against node-pop3 (default ${DEFAULT_PARAMETERS.messages}, at most ${MAX_MESSAGES})
  --runs N       timed runs per client and per decoder; the median is reported (default ${DEFAULT_PARAMETERS.runs}, at most ${MAX_RUNS})
  --seed N       seed of the mailbox generator (default ${DEFAULT_PARAMETERS.seed})
  --micro-mib N  size in MiB of the dot-unstuffing stream (default ${DEFAULT_PARAMETERS.microMib}, at most ${MAX_MICRO_MIB})
  --peers LIST   comma-separated peers to compare with: node-pop3, getmail6, or none (default ${DEFAULT_PARAMETERS.peers.join(',')});
                 without getmail6, Mailcase still acquires the getmail mailboxes, alone
  --getmail-messages N   messages of about 2 KiB in the POP3S mailbox timed against getmail6 (default ${DEFAULT_PARAMETERS.getmailMessages})
  --latency-messages N   messages in the mailbox timed through the latency proxy (default ${DEFAULT_PARAMETERS.latencyMessages})
  --latency-ms N         delay in milliseconds the proxy adds in each direction (default ${DEFAULT_PARAMETERS.latencyMs}, at most ${MAX_LATENCY_MS})
  --getmail-runs N       getmail6 runs per mailbox; it is slow (default ${DEFAULT_PARAMETERS.getmailRuns}, at most ${MAX_RUNS})
  --cpu-prof DIR         write a V8 CPU profile of every Mailcase child in the getmail comparisons into DIR
  --only PART            acquisition or search; both run by default
  --search-sizes LIST    comma-separated case sizes of the search benchmark (default ${DEFAULT_SEARCH_SIZES.join(',')}); it
                         needs the Debian packages maildir-utils and notmuch, and 100,000 messages take about an hour here
  --help         print this text
`;

async function main(): Promise<void> {
  const parameters = readParameters();
  if (!parameters) {
    process.stdout.write(HELP);
    return;
  }
  if (parameters.only !== 'acquisition') {
    await fs.mkdir(path.dirname(SEARCH_RESULTS_FILE), { recursive: true });
    await benchSearch({ sizes: parameters.searchSizes, seed: parameters.seed, workRoot: path.join(os.tmpdir(), 'mailcase-search-bench'), resultsFile: SEARCH_RESULTS_FILE });
    process.stdout.write(`Wrote ${path.relative(process.cwd(), SEARCH_RESULTS_FILE) || SEARCH_RESULTS_FILE}\n`);
    if (parameters.only === 'search') return;
  }
  if (!(await canRunDovecot())) {
    throw new Error(`The benchmark needs root and ${DOVECOT_BINARY} to start Dovecot. Run it as root with the Debian package dovecot-pop3d installed.`);
  }

  const log = (line: string): void => void process.stderr.write(line + '\n');
  const machine = await describeMachine();

  const withGetmail = parameters.peers.includes('getmail6');
  if (withGetmail && !(await canRunGetmail())) {
    throw new Error(`The getmail6 comparison needs ${GETMAIL_BINARY} and /usr/bin/time: install the Debian packages getmail6 and time, or pass --peers node-pop3.`);
  }
  if (withGetmail) machine.getmail = await getmailVersion();

  log(`Generating ${parameters.messages} messages (seed ${parameters.seed})`);
  const mailbox = generateSyntheticMailbox(parameters.messages, parameters.seed);

  let acquisition = null;
  if (parameters.peers.includes('node-pop3')) {
    log('Starting Dovecot on 127.0.0.1 for the node-pop3 comparison');
    acquisition = await benchAcquisition(mailbox, parameters.runs, log);
  }

  const getmail: GetmailScenarioResult[] = [];
  const scenarios = [
    { name: 'loopback', messages: parameters.getmailMessages, delayMs: 0 },
    { name: `${parameters.latencyMs} ms proxy`, messages: parameters.latencyMessages, delayMs: parameters.latencyMs },
  ];
  for (const scenario of scenarios) {
    log(`Generating ${scenario.messages} messages of about ${parameters.messageOctets} octets for the ${scenario.name} run; starting Dovecot`);
    const small = generateSyntheticMailbox(scenario.messages, parameters.seed, { messageOctets: parameters.messageOctets });
    getmail.push(
      await benchAgainstGetmail({
        name: scenario.name,
        mailbox: small,
        delayMs: scenario.delayMs,
        mailcaseRuns: parameters.runs,
        getmailRuns: withGetmail ? parameters.getmailRuns : 0,
        ...(parameters.cpuProfileDir === null ? {} : { cpuProfileDir: parameters.cpuProfileDir }),
        log,
      }),
    );
  }

  log(`Timing the DotUnstuffer on a ${parameters.microMib} MiB stream`);
  const dotUnstuffer = benchDotUnstuffer(mailbox, parameters.microMib, parameters.runs);

  const report = buildReport({ machine, parameters, mailbox, acquisition, getmail, dotUnstuffer });
  process.stdout.write('\n' + formatReport(report));

  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFileAtomic(RESULTS_FILE, reportToJson(report));
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`);
}

/** Parses the command line; returns null when help was requested. Throws on an unknown or invalid option. */
function readParameters(): RunParameters | null {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'micro-mib': { type: 'string' },
      peers: { type: 'string' },
      'getmail-messages': { type: 'string' },
      'latency-messages': { type: 'string' },
      'latency-ms': { type: 'string' },
      'getmail-runs': { type: 'string' },
      'cpu-prof': { type: 'string' },
      only: { type: 'string' },
      'search-sizes': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;
  if (values.only !== undefined && values.only !== 'acquisition' && values.only !== 'search') {
    throw new Error(`Invalid --only ${JSON.stringify(values.only)}: expected acquisition or search.`);
  }

  return {
    only: values.only === 'acquisition' || values.only === 'search' ? values.only : 'all',
    searchSizes: readSizes(values['search-sizes']),
    messages: readInteger('--messages', values.messages, DEFAULT_PARAMETERS.messages, 1, MAX_MESSAGES),
    runs: readInteger('--runs', values.runs, DEFAULT_PARAMETERS.runs, 1, MAX_RUNS),
    seed: readInteger('--seed', values.seed, DEFAULT_PARAMETERS.seed, 0, 0xffff_ffff),
    microMib: readInteger('--micro-mib', values['micro-mib'], DEFAULT_PARAMETERS.microMib, 1, MAX_MICRO_MIB),
    peers: readPeers(values.peers),
    getmailMessages: readInteger('--getmail-messages', values['getmail-messages'], DEFAULT_PARAMETERS.getmailMessages, 1, MAX_MESSAGES),
    latencyMessages: readInteger('--latency-messages', values['latency-messages'], DEFAULT_PARAMETERS.latencyMessages, 1, MAX_MESSAGES),
    latencyMs: readInteger('--latency-ms', values['latency-ms'], DEFAULT_PARAMETERS.latencyMs, 1, MAX_LATENCY_MS),
    getmailRuns: readInteger('--getmail-runs', values['getmail-runs'], DEFAULT_PARAMETERS.getmailRuns, 1, MAX_RUNS),
    messageOctets: DEFAULT_PARAMETERS.messageOctets,
    cpuProfileDir: values['cpu-prof'] === undefined ? null : path.resolve(values['cpu-prof']),
  };
}

/** Parses --search-sizes and throws on anything but a list of whole numbers in range. */
function readSizes(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_SEARCH_SIZES;
  return text.split(',').map((item) => readInteger('--search-sizes', item.trim(), 0, 1, MAX_SEARCH_SIZE));
}

/** Parses --peers and throws on a name that is not a known peer. */
function readPeers(text: string | undefined): string[] {
  if (text === undefined) return DEFAULT_PARAMETERS.peers;
  if (text === 'none') return [];
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(PEER_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`Invalid --peers ${JSON.stringify(text)}: expected a comma-separated list of ${PEER_NAMES.join(', ')}, or none.`);
  return names;
}

function readInteger(option: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(`Invalid ${option} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Collects the core count from `nproc`, the CPU model from /proc/cpuinfo and the Dovecot version. */
async function describeMachine(): Promise<MachineInfo> {
  const nproc = await execFileAsync('nproc').then(({ stdout }) => Number(stdout.trim()), () => os.cpus().length);
  const cpuinfo = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const dovecot = await execFileAsync(DOVECOT_BINARY, ['--version']).then(({ stdout }) => stdout.trim(), () => 'unknown');
  return {
    cores: nproc,
    cpuModel,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: os.platform(),
    kernel: os.release(),
    dovecot,
    getmail: null,
    loadAverage: os.loadavg()[0] ?? 0,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
