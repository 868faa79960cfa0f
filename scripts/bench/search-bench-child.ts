// One measured step of the search benchmark, run as its own process so its peak RSS is its own. Prints one JSON
// line on standard output. Usage: node search-bench-child.js import|index|query JSON-ARGUMENTS
import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { ParseWorkerPool } from '../../electron/parsing/parse-worker-pool.js';
import { processCase } from '../../electron/parsing/process-case.js';
import { maintainIndexOffThread } from '../../electron/search/index-off-thread.js';
import { searchCase, updateIndex } from '../../electron/search/search-index.js';

/** Arguments of the index step: a new case in `caseDir` built from the Maildir `maildir`. */
export interface IndexStepArguments {
  caseDir: string;
  maildir: string;
  /** Also time a second, index-only build, to split parse time from index time. */
  timeIndexAlone: boolean;
}

/** Arguments of the query step: queries on the case, then the added Maildir parsed and indexed. */
export interface QueryStepArguments {
  caseDir: string;
  queries: string[];
  /** File the SHA-256 sets of every query are written to, for the comparison with notmuch. */
  matchesFile: string;
  addedMaildir: string | null;
}

export interface IndexStepResult {
  importSeconds: number;
  processSeconds: number;
  indexAloneSeconds: number | null;
  messages: number;
  /** Peak RSS of importing and processCase: the indexing that the memory goal is about. */
  peakRssBytes: number;
  /** Peak RSS including the extra index-only rebuild, when it ran. */
  peakRssWithIndexAloneBytes: number | null;
  indexBytes: number;
}

export interface QueryStepResult {
  openAndFirstQueryMs: number;
  latenciesMs: number[];
  totals: number[];
  peakRssAfterQueriesBytes: number;
  add: { messages: number; parseSeconds: number; indexSeconds: number } | null;
  peakRssBytes: number;
}

/** Returns the process's peak resident set size (VmHWM) in bytes. */
function peakRss(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += (await fs.stat(`${dir}/${entry.name}`)).size;
  }
  return total;
}

/** Imports the Maildir into a new case. It runs as its own process, so its memory does not count in the index step's. */
async function runImportStep(args: IndexStepArguments): Promise<{ importSeconds: number }> {
  const store = await CaseStore.create(args.caseDir, 'search benchmark');
  const importStart = performance.now();
  await importMessages({ store, paths: [args.maildir] });
  return { importSeconds: (performance.now() - importStart) / 1000 };
}

/** Parses and indexes the imported case: the step whose time and memory the benchmark compares with mu. */
async function runIndexStep(args: IndexStepArguments & { importSeconds: number }): Promise<IndexStepResult> {
  const store = await CaseStore.open(args.caseDir);
  const importSeconds = args.importSeconds;

  const processStart = performance.now();
  const processed = await processCase(store);
  const processSeconds = (performance.now() - processStart) / 1000;
  const peakRssBytes = peakRss();

  let indexAloneSeconds: number | null = null;
  if (args.timeIndexAlone) {
    // The app rebuilds the index in a worker thread with a heap limit, so the bench does too.
    const indexStart = performance.now();
    await maintainIndexOffThread(store, 'rebuild');
    indexAloneSeconds = (performance.now() - indexStart) / 1000;
  }
  return {
    importSeconds,
    processSeconds,
    indexAloneSeconds,
    messages: processed.parsed,
    peakRssBytes,
    peakRssWithIndexAloneBytes: args.timeIndexAlone ? peakRss() : null,
    indexBytes: await folderBytes(store.derivedPath('index')),
  };
}

async function runQueryStep(args: QueryStepArguments): Promise<QueryStepResult> {
  const openStart = performance.now();
  const store = await CaseStore.open(args.caseDir);
  await searchCase(store, args.queries[0] ?? 'invoice', { limit: 20 });
  const openAndFirstQueryMs = performance.now() - openStart;

  const latenciesMs: number[] = [];
  const totals: number[] = [];
  const matches: Record<string, string[]> = {};
  for (const query of args.queries) {
    // The timed search returns a first page of 20 hits with snippets, as the app shows; the complete set of
    // matching messages for the comparison with notmuch is fetched by a second, untimed search.
    const start = performance.now();
    const result = await searchCase(store, query, { limit: 20 });
    latenciesMs.push(performance.now() - start);
    totals.push(result.total);
    matches[query] = (await searchCase(store, query, { limit: 0, allMatches: true })).sha256s ?? [];
  }
  await fs.writeFile(args.matchesFile, JSON.stringify(matches));
  const peakRssAfterQueriesBytes = peakRss();

  let add: QueryStepResult['add'] = null;
  if (args.addedMaildir !== null) add = await addMessages(store, args.addedMaildir);
  return { openAndFirstQueryMs, latenciesMs, totals, peakRssAfterQueriesBytes, add, peakRssBytes: peakRss() };
}

/**
 * Imports, parses and indexes new messages into a case whose index is loaded. The parse runs here rather than
 * through processCase, because processCase rebuilds the whole index after parsing.
 */
async function addMessages(store: CaseStore, maildir: string): Promise<NonNullable<QueryStepResult['add']>> {
  const before = new Set(await store.listMessages());
  await importMessages({ store, paths: [maildir] });
  const added = (await store.listMessages()).filter((sha256) => !before.has(sha256));

  const parseStart = performance.now();
  const pool = new ParseWorkerPool();
  try {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < added.length) {
        const sha256 = added[next] as string;
        next += 1;
        const raw = await store.readMessage(sha256);
        await store.saveRecord(await pool.parse(raw, { sha256, size: raw.length, sources: [] }));
      }
    };
    await Promise.all(Array.from({ length: pool.size * 2 }, lane));
  } finally {
    await pool.close();
  }
  const parseSeconds = (performance.now() - parseStart) / 1000;

  const indexStart = performance.now();
  await updateIndex(store);
  const indexSeconds = (performance.now() - indexStart) / 1000;
  return { messages: added.length, parseSeconds, indexSeconds };
}

async function main(): Promise<void> {
  const [step, json] = process.argv.slice(2);
  const args: unknown = JSON.parse(json ?? '{}');
  let result: unknown;
  if (step === 'import') result = await runImportStep(args as IndexStepArguments);
  else if (step === 'index') result = await runIndexStep(args as IndexStepArguments & { importSeconds: number });
  else result = await runQueryStep(args as QueryStepArguments);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(2);
});
