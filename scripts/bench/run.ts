// Entry point of `npm run bench`: generates the synthetic mailbox, times Mailcase and node-pop3 acquiring it from
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
import { buildReport, formatReport, reportToJson, type BenchParameters, type MachineInfo } from './report.js';
import { generateSyntheticMailbox } from './synthetic-mailbox.js';

const execFileAsync = promisify(execFile);

const DEFAULT_PARAMETERS: BenchParameters = { messages: 2000, seed: 1939, runs: 3, microMib: 50 };

/**
 * Upper bounds of the options. The runner holds the whole mailbox in memory (about 0.8 GiB at 20,000 messages),
 * and the stream stays below the DotUnstuffer's default limit of 256 MiB per message.
 */
const MAX_MESSAGES = 20_000;
const MAX_RUNS = 9;
const MAX_MICRO_MIB = 200;

/** The compiled file sits in dist-bench/scripts/bench/, three levels below the repository root. */
const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RESULTS_FILE = path.join(REPOSITORY_ROOT, 'bench-results', 'latest.json');

const HELP = `Usage: npm run bench -- [options]

Runs as root (Dovecot drops to its own users) with Debian's dovecot-pop3d installed; uses loopback only.

  --messages N   messages in the synthetic mailbox (default ${DEFAULT_PARAMETERS.messages}, at most ${MAX_MESSAGES})
  --runs N       timed runs per client and per decoder; the median is reported (default ${DEFAULT_PARAMETERS.runs}, at most ${MAX_RUNS})
  --seed N       seed of the mailbox generator (default ${DEFAULT_PARAMETERS.seed})
  --micro-mib N  size in MiB of the dot-unstuffing stream (default ${DEFAULT_PARAMETERS.microMib}, at most ${MAX_MICRO_MIB})
  --help         print this text
`;

async function main(): Promise<void> {
  const parameters = readParameters();
  if (!parameters) {
    process.stdout.write(HELP);
    return;
  }
  if (!(await canRunDovecot())) {
    throw new Error(`The benchmark needs root and ${DOVECOT_BINARY} to start Dovecot. Run it as root with the Debian package dovecot-pop3d installed.`);
  }

  const log = (line: string): void => void process.stderr.write(line + '\n');
  const machine = await describeMachine();

  log(`Generating ${parameters.messages} messages (seed ${parameters.seed})`);
  const mailbox = generateSyntheticMailbox(parameters.messages, parameters.seed);

  log('Starting Dovecot on 127.0.0.1');
  const acquisition = await benchAcquisition(mailbox, parameters.runs, log);

  log(`Timing the DotUnstuffer on a ${parameters.microMib} MiB stream`);
  const dotUnstuffer = benchDotUnstuffer(mailbox, parameters.microMib, parameters.runs);

  const report = buildReport({ machine, parameters, mailbox, acquisition, dotUnstuffer });
  process.stdout.write('\n' + formatReport(report));

  await fs.mkdir(path.dirname(RESULTS_FILE), { recursive: true });
  await writeFileAtomic(RESULTS_FILE, reportToJson(report));
  process.stdout.write(`\nWrote ${path.relative(process.cwd(), RESULTS_FILE) || RESULTS_FILE}\n`);
}

/** Parses the command line; returns null when help was requested. Throws on an unknown or invalid option. */
function readParameters(): BenchParameters | null {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      'micro-mib': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return null;

  return {
    messages: readInteger('--messages', values.messages, DEFAULT_PARAMETERS.messages, 1, MAX_MESSAGES),
    runs: readInteger('--runs', values.runs, DEFAULT_PARAMETERS.runs, 1, MAX_RUNS),
    seed: readInteger('--seed', values.seed, DEFAULT_PARAMETERS.seed, 0, 0xffff_ffff),
    microMib: readInteger('--micro-mib', values['micro-mib'], DEFAULT_PARAMETERS.microMib, 1, MAX_MICRO_MIB),
  };
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
    loadAverage: os.loadavg()[0] ?? 0,
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
