// Search benchmark: indexes a synthetic Maildir with Mailcase, `mu index` and `notmuch new`, times 50 fixed
// queries next to `notmuch count`, times adding 1,000 messages, and checks that Mailcase and notmuch return the
// same messages for the queries both can express. Run: node dist-bench/scripts/bench/search-bench.js [--messages 10000,100000]
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

import { createMailboxGenerator, writeMaildir } from '../../electron/demo/generate-mailbox.js';
import type { IndexStepResult, QueryStepResult } from './search-bench-child.js';

const execFileAsync = promisify(execFile);

const CHILD_SCRIPT = fileURLToPath(new URL('./search-bench-child.js', import.meta.url));
const MU_BINARY = '/usr/bin/mu';
const NOTMUCH_BINARY = '/usr/bin/notmuch';
const TIME_BINARY = '/usr/bin/time';

/** Messages added to the indexed case in the "add" step. */
const ADDED_MESSAGES = 1_000;

/** A benchmark query, with the notmuch query that selects the same messages when notmuch can express it. */
interface BenchQuery {
  mailcase: string;
  notmuch: string | null;
  /** True when both engines should return exactly the same messages. */
  compare: boolean;
}

const ANNA = 'anna.lindberg@halvorsen-instruments.example';
const TOM = 'tom.hughes@brightline-logistics.example';

/** The 50 fixed queries: terms, phrases, fields, boolean, wildcards, fuzzy, proximity, dates and sizes. */
export const BENCH_QUERIES: BenchQuery[] = [
  // Terms without a field: Mailcase also searches names and addresses, so only the counts are shown.
  { mailcase: 'invoice', notmuch: 'invoice', compare: false },
  { mailcase: 'warehouse', notmuch: 'warehouse', compare: false },
  { mailcase: 'customs', notmuch: 'customs', compare: false },
  { mailcase: 'hamburg', notmuch: 'hamburg', compare: false },
  { mailcase: 'forklift', notmuch: 'forklift', compare: false },
  { mailcase: 'freight', notmuch: 'freight', compare: false },
  { mailcase: 'budget', notmuch: 'budget', compare: false },
  { mailcase: 'certificate', notmuch: 'certificate', compare: false },
  // Body terms and phrases.
  { mailcase: 'body:warehouse', notmuch: 'body:warehouse', compare: true },
  { mailcase: 'body:forklift', notmuch: 'body:forklift', compare: true },
  { mailcase: 'body:broker', notmuch: 'body:broker', compare: true },
  { mailcase: 'body:catalogue', notmuch: 'body:catalogue', compare: true },
  { mailcase: 'body:inventory', notmuch: 'body:inventory', compare: true },
  { mailcase: 'body:"purchase order"', notmuch: 'body:"purchase order"', compare: true },
  { mailcase: 'body:"certificate of origin"', notmuch: 'body:"certificate of origin"', compare: true },
  { mailcase: 'body:"stainless flanges"', notmuch: 'body:"stainless flanges"', compare: true },
  { mailcase: 'body:"price increase"', notmuch: 'body:"price increase"', compare: true },
  { mailcase: 'body:"delivery date"', notmuch: 'body:"delivery date"', compare: true },
  { mailcase: 'body:"payment terms"', notmuch: 'body:"payment terms"', compare: true },
  { mailcase: '"spare parts catalogue"', notmuch: '"spare parts catalogue"', compare: false },
  // Subject and address fields.
  { mailcase: 'subject:invoice', notmuch: 'subject:invoice', compare: true },
  { mailcase: 'subject:"delivery schedule"', notmuch: 'subject:"delivery schedule"', compare: true },
  { mailcase: 'subject:quarterly', notmuch: 'subject:quarterly', compare: true },
  { mailcase: `from:${ANNA}`, notmuch: `from:${ANNA}`, compare: true },
  { mailcase: `from:${TOM}`, notmuch: `from:${TOM}`, compare: true },
  { mailcase: 'domain:kappa-components.example', notmuch: null, compare: false },
  { mailcase: `participant:${ANNA}`, notmuch: null, compare: false },
  // Boolean.
  { mailcase: 'body:invoice body:freight', notmuch: 'body:invoice and body:freight', compare: true },
  { mailcase: 'body:invoice OR body:customs', notmuch: 'body:invoice or body:customs', compare: true },
  { mailcase: 'body:warehouse -body:hamburg', notmuch: 'body:warehouse and not body:hamburg', compare: true },
  { mailcase: '(body:customs OR body:freight) subject:shipment', notmuch: '(body:customs or body:freight) and subject:shipment', compare: true },
  { mailcase: `from:${ANNA} NOT body:warehouse`, notmuch: `from:${ANNA} and not body:warehouse`, compare: true },
  // Wildcards and fuzzy terms.
  { mailcase: 'pall*', notmuch: 'pall*', compare: false },
  { mailcase: 'negot*', notmuch: 'negot*', compare: false },
  { mailcase: 'ware*', notmuch: 'ware*', compare: false },
  { mailcase: 'warehose~1', notmuch: null, compare: false },
  { mailcase: 'invoise~1', notmuch: null, compare: false },
  // Proximity.
  { mailcase: 'customs NEAR/5 broker', notmuch: 'customs NEAR/5 broker', compare: false },
  { mailcase: 'price ADJ/2 increase', notmuch: 'price ADJ/2 increase', compare: false },
  { mailcase: '"purchase order" NEAR/10 warehouse', notmuch: null, compare: false },
  { mailcase: 'delivery NEAR/3 date', notmuch: 'delivery NEAR/3 date', compare: false },
  // Dates and sizes.
  { mailcase: 'date:2025-10-01..2025-12-31', notmuch: 'date:2025-10-01..2025-12-31', compare: true },
  { mailcase: 'date:2026-03', notmuch: 'date:2026-03-01..2026-03-31', compare: true },
  { mailcase: 'before:2025-11-01 body:invoice', notmuch: 'date:..2025-10-31 and body:invoice', compare: true },
  { mailcase: 'after:2026-06-01 body:customs', notmuch: 'date:2026-06-01.. and body:customs', compare: true },
  { mailcase: 'date:2026 subject:invoice', notmuch: 'date:2026-01-01..2026-12-31 and subject:invoice', compare: true },
  { mailcase: 'size:>3KB', notmuch: null, compare: false },
  { mailcase: 'size:<2KB invoice', notmuch: null, compare: false },
  { mailcase: `from:${ANNA} date:2025-09..2025-12`, notmuch: `from:${ANNA} and date:2025-09-01..2025-12-31`, compare: true },
  { mailcase: 'body:"price increase" date:2026-01-01..2026-06-30', notmuch: 'body:"price increase" and date:2026-01-01..2026-06-30', compare: true },
];

export interface SizeResult {
  messages: number;
  maildirBytes: number;
  mailcase: IndexStepResult;
  query: QueryStepResult;
  mu: { seconds: number; peakRssBytes: number } | null;
  notmuch: { seconds: number; peakRssBytes: number; countMs: (number | null)[]; counts: (number | null)[] } | null;
  agreement: { query: string; mailcase: number; notmuch: number; onlyMailcase: number; onlyNotmuch: number }[];
}

/** Runs the whole benchmark at one mailbox size in `workDir`, which it fills and leaves for inspection. */
export async function benchSearchAt(messages: number, seed: number, workDir: string, log: (line: string) => void): Promise<SizeResult> {
  const maildir = path.join(workDir, 'maildir');
  const addedMaildir = path.join(workDir, 'added');
  await fs.rm(workDir, { recursive: true, force: true });
  await fs.mkdir(workDir, { recursive: true });

  log(`search bench: writing ${messages} messages to ${maildir}`);
  await writeMaildir(maildir, { seed, count: messages, attachments: false });
  await writeAddedMaildir(addedMaildir, seed, messages);
  const maildirBytes = await maildirSize(maildir);

  log('search bench: Mailcase import, then parse and index');
  const indexArguments = { caseDir: path.join(workDir, 'case'), maildir, timeIndexAlone: messages <= 20_000 };
  const imported = await runChild<{ importSeconds: number }>('import', indexArguments);
  const mailcase = await runChild<IndexStepResult>('index', { ...indexArguments, importSeconds: imported.importSeconds });
  log(`search bench: index step ${JSON.stringify(mailcase)}`);

  log('search bench: Mailcase queries and adding messages');
  const matchesFile = path.join(workDir, 'mailcase-matches.json');
  const query = await runChild<QueryStepResult>('query', {
    caseDir: path.join(workDir, 'case'),
    queries: BENCH_QUERIES.map((entry) => entry.mailcase),
    matchesFile,
    addedMaildir,
  });
  log(`search bench: query step ${JSON.stringify({ ...query, latenciesMs: undefined, totals: undefined })}`);

  log('search bench: mu index');
  const mu = await runMu(maildir, path.join(workDir, 'mu-home'));
  log(`search bench: mu ${JSON.stringify(mu)}`);
  log('search bench: notmuch new and counts');
  const notmuch = await runNotmuch(maildir, workDir);

  log('search bench: comparing result sets with notmuch');
  const mailcaseMatches = JSON.parse(await fs.readFile(matchesFile, 'utf8')) as Record<string, string[]>;
  const agreement = notmuch === null ? [] : await compareWithNotmuch(workDir, mailcaseMatches);
  return { messages, maildirBytes, mailcase, query, mu, notmuch, agreement };
}

/** Writes the messages that follow the benchmark mailbox, to be added to the indexed case. */
async function writeAddedMaildir(dir: string, seed: number, first: number): Promise<void> {
  const generator = createMailboxGenerator({ seed, count: first + ADDED_MESSAGES, attachments: false });
  for (const sub of ['cur', 'new', 'tmp']) await fs.mkdir(path.join(dir, sub), { recursive: true });
  for (let index = first; index < first + ADDED_MESSAGES; index += 1) {
    const message = await generator.message(index);
    await fs.writeFile(path.join(dir, 'cur', `${index}.M${index}.mailcase-added:2,S`), message.raw);
  }
}

async function maildirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(path.join(dir, 'cur'))) total += (await fs.stat(path.join(dir, 'cur', name))).size;
  return total;
}

function runChild<T>(step: 'import' | 'index' | 'query', args: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD_SCRIPT, step, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`search bench step ${step} failed with exit code ${String(code)}: ${stderr.slice(-2000)}`));
        return;
      }
      resolve(JSON.parse(line) as T);
    });
  });
}

/** Runs a command under GNU time and returns its wall time and peak RSS. */
async function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; peakRssBytes: number }> {
  const { stderr } = await execFileAsync(TIME_BINARY, ['-f', 'MAILCASE_TIME %e %M', command, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
  const match = /MAILCASE_TIME ([\d.]+) (\d+)/.exec(stderr);
  if (match === null) throw new Error(`${command} printed no timing: ${stderr.slice(-500)}`);
  return { seconds: Number(match[1]), peakRssBytes: Number(match[2]) * 1024 };
}

async function isExecutable(file: string): Promise<boolean> {
  return fs.access(file, fs.constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function runMu(maildir: string, muHome: string): Promise<SizeResult['mu']> {
  if (!(await isExecutable(MU_BINARY))) return null;
  await execFileAsync(MU_BINARY, ['init', `--muhome=${muHome}`, `--maildir=${maildir}`]);
  return timed(MU_BINARY, ['index', `--muhome=${muHome}`], process.env);
}

function notmuchEnv(workDir: string): NodeJS.ProcessEnv {
  // notmuch reads dates in the local time zone; UTC makes its date ranges equal Mailcase's.
  return { ...process.env, NOTMUCH_CONFIG: path.join(workDir, 'notmuch-config'), TZ: 'UTC' };
}

async function runNotmuch(maildir: string, workDir: string): Promise<SizeResult['notmuch']> {
  if (!(await isExecutable(NOTMUCH_BINARY))) return null;
  const config = ['[database]', `path=${maildir}`, '[new]', 'tags=', '[search]', 'exclude_tags=', '[maildir]', 'synchronize_flags=false', ''].join('\n');
  await fs.writeFile(path.join(workDir, 'notmuch-config'), config);
  const env = notmuchEnv(workDir);
  const indexing = await timed(NOTMUCH_BINARY, ['new', '--quiet'], env);

  const countMs: (number | null)[] = [];
  const counts: (number | null)[] = [];
  for (const query of BENCH_QUERIES) {
    if (query.notmuch === null) {
      countMs.push(null);
      counts.push(null);
      continue;
    }
    const start = performance.now();
    const { stdout } = await execFileAsync(NOTMUCH_BINARY, ['count', query.notmuch], { env });
    countMs.push(performance.now() - start);
    counts.push(Number(stdout.trim()));
  }
  return { ...indexing, countMs, counts };
}

async function compareWithNotmuch(workDir: string, mailcaseMatches: Record<string, string[]>): Promise<SizeResult['agreement']> {
  const env = notmuchEnv(workDir);
  const fileHashes = new Map<string, string>();
  const hashOf = async (file: string): Promise<string> => {
    let hash = fileHashes.get(file);
    if (hash === undefined) {
      hash = createHash('sha256').update(await fs.readFile(file)).digest('hex');
      fileHashes.set(file, hash);
    }
    return hash;
  };

  const agreement: SizeResult['agreement'] = [];
  for (const query of BENCH_QUERIES) {
    if (!query.compare || query.notmuch === null) continue;
    const { stdout } = await execFileAsync(NOTMUCH_BINARY, ['search', '--output=files', query.notmuch], { env, maxBuffer: 256 * 1024 * 1024 });
    const files = stdout.split('\n').filter((line) => line !== '');
    const notmuchSet = new Set<string>();
    for (const file of files) notmuchSet.add(await hashOf(file));

    const mailcaseSet = new Set(mailcaseMatches[query.mailcase] ?? []);
    agreement.push({
      query: query.mailcase,
      mailcase: mailcaseSet.size,
      notmuch: notmuchSet.size,
      onlyMailcase: [...mailcaseSet].filter((sha256) => !notmuchSet.has(sha256)).length,
      onlyNotmuch: [...notmuchSet].filter((sha256) => !mailcaseSet.has(sha256)).length,
    });
  }
  return agreement;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] ?? 0;
}

const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);

/** Formats one size's figures as the lines of a plain-text report. */
export function formatSizeResult(result: SizeResult): string {
  const { mailcase, query, mu, notmuch } = result;
  const rate = result.messages / mailcase.processSeconds;
  const lines = [
    `Search benchmark, ${result.messages} messages (${mib(result.maildirBytes)} MiB Maildir)`,
    `  Mailcase parse + index: ${mailcase.processSeconds.toFixed(1)} s (${rate.toFixed(0)} msg/s), peak RSS ${mib(mailcase.peakRssBytes)} MiB, index ${mib(mailcase.indexBytes)} MiB`,
  ];

  if (mailcase.indexAloneSeconds !== null) {
    const peak = mailcase.peakRssWithIndexAloneBytes === null ? '' : `, peak RSS of the step with it ${mib(mailcase.peakRssWithIndexAloneBytes)} MiB`;
    lines.push(`  Mailcase index alone (rebuild from records): ${mailcase.indexAloneSeconds.toFixed(1)} s${peak}`);
  }
  if (mu !== null) {
    const muRate = result.messages / mu.seconds;
    lines.push(`  mu index: ${mu.seconds.toFixed(1)} s (${muRate.toFixed(0)} msg/s), peak RSS ${mib(mu.peakRssBytes)} MiB; Mailcase/mu throughput ${(rate / muRate).toFixed(2)}`);
  }
  if (notmuch !== null) lines.push(`  notmuch new: ${notmuch.seconds.toFixed(1)} s (${(result.messages / notmuch.seconds).toFixed(0)} msg/s), peak RSS ${mib(notmuch.peakRssBytes)} MiB`);

  lines.push(
    `  Mailcase open + first query: ${query.openAndFirstQueryMs.toFixed(0)} ms; query p50 ${percentile(query.latenciesMs, 0.5).toFixed(1)} ms, p95 ${percentile(query.latenciesMs, 0.95).toFixed(1)} ms, max ${Math.max(...query.latenciesMs).toFixed(1)} ms; peak RSS ${mib(query.peakRssBytes)} MiB`,
  );
  const notmuchMs = (notmuch?.countMs ?? []).filter((value): value is number => value !== null);
  if (notmuchMs.length > 0) lines.push(`  notmuch count (one process per query): p50 ${percentile(notmuchMs, 0.5).toFixed(1)} ms, p95 ${percentile(notmuchMs, 0.95).toFixed(1)} ms`);
  if (query.add !== null) {
    lines.push(`  Adding ${query.add.messages} messages: parse ${query.add.parseSeconds.toFixed(1)} s + index ${query.add.indexSeconds.toFixed(1)} s`);
  }

  lines.push('  Query | Mailcase ms | Mailcase hits | notmuch ms | notmuch count');
  BENCH_QUERIES.forEach((entry, index) => {
    const notmuchCount = notmuch?.counts[index];
    const notmuchTime = notmuch?.countMs[index];
    lines.push(
      `  ${entry.mailcase} | ${(query.latenciesMs[index] ?? 0).toFixed(1)} | ${query.totals[index] ?? 0} | ${notmuchTime == null ? '-' : notmuchTime.toFixed(1)} | ${notmuchCount ?? '-'}`,
    );
  });

  const disagreements = result.agreement.filter((entry) => entry.onlyMailcase > 0 || entry.onlyNotmuch > 0);
  lines.push(`  Same message sets as notmuch: ${result.agreement.length - disagreements.length} of ${result.agreement.length} queries`);
  for (const entry of disagreements) {
    lines.push(`    differs: ${entry.query}: Mailcase ${entry.mailcase}, notmuch ${entry.notmuch}, only Mailcase ${entry.onlyMailcase}, only notmuch ${entry.onlyNotmuch}`);
  }
  return lines.join('\n');
}

/** Runs the search benchmark at every size given and prints the report; the entry point of `--only search`. */
export async function benchSearch(options: { sizes: number[]; seed: number; workRoot: string; resultsFile: string | null }): Promise<SizeResult[]> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const results: SizeResult[] = [];
  for (const size of options.sizes) {
    const result = await benchSearchAt(size, options.seed, path.join(options.workRoot, String(size)), log);
    process.stdout.write(`${formatSizeResult(result)}\n\n`);
    results.push(result);
    if (options.resultsFile !== null) await fs.writeFile(options.resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  }
  return results;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { messages: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1939' }, out: { type: 'string' }, work: { type: 'string' } },
  });
  const sizes = values.messages.split(',').map((value) => Number(value));
  if (sizes.some((size) => !Number.isSafeInteger(size) || size <= 0)) throw new Error(`--messages must list positive integers, got ${values.messages}`);
  await benchSearch({
    sizes,
    seed: Number(values.seed),
    workRoot: values.work ?? path.join(os.tmpdir(), 'mailcase-search-bench'),
    resultsFile: values.out ?? null,
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
