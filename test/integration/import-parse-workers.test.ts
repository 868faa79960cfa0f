// Runs message parsing in real worker threads: the parse worker compiled from source with tsc, and a test
// worker that fails on purpose, to check that one failing message never stops the batch.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { canonicalJson } from '../../shared/canonical-json.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { importMessages } from '../../electron/import/import-messages.js';
import { parseMessage } from '../../electron/parsing/parse-message.js';
import { ParseWorkerPool } from '../../electron/parsing/parse-worker-pool.js';
import { processCase } from '../../electron/parsing/process-case.js';
import { buildParseWorker } from '../helpers/parse-worker-build.js';

const MESSAGES = path.resolve('test/fixtures/messages');

/**
 * The compiled worker goes below node_modules/.cache so that its imports of mailparser and the other packages
 * resolve from the project's node_modules, as they do from dist/.
 */

/** A worker that speaks the parse-worker protocol and fails on purpose for messages carrying an X-Test header. */
const HOSTILE_WORKER = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (request) => {
  const text = Buffer.from(request.raw).toString('latin1');
  if (text.includes('X-Test: throw')) throw new Error('hostile message');
  if (text.includes('X-Test: exit')) process.exit(3);
  if (text.includes('X-Test: hang')) for (;;) {}
  parentPort.postMessage({ type: 'parsed', id: request.id, record: { sha256: request.meta.sha256, parseError: null, text } });
});
parentPort.postMessage({ type: 'ready' });
`;

/** A worker that fails while loading, as a broken build would. */
const BROKEN_WORKER = `throw new Error('cannot load the parser');\n`;

let buildDir: string;
let workerUrl: URL;
let scratch: string;

beforeAll(async () => {
  ({ workerUrl, buildDir } = await buildParseWorker('mailcase-parse-worker-test'));

  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-workers-'));
  await fs.writeFile(path.join(scratch, 'hostile-worker.mjs'), HOSTILE_WORKER);
  await fs.writeFile(path.join(scratch, 'broken-worker.mjs'), BROKEN_WORKER);
});

afterAll(async () => {
  await fs.rm(buildDir, { recursive: true, force: true });
  await fs.rm(scratch, { recursive: true, force: true });
});

function meta(sha256: string, raw: Buffer) {
  return { sha256, size: raw.length, sources: [] };
}

describe('ParseWorkerPool with the compiled parse worker', () => {
  it('parses in worker threads like the main thread', async () => {
    const names = ['plain-falcon.eml', 'attachments.eml', 'html-only.eml', 'hostile/deep-nesting.eml'];
    const pool = new ParseWorkerPool({ workerUrl });
    try {
      expect(pool.usesWorkers).toBe(true);
      for (const [index, name] of names.entries()) {
        const raw = await fs.readFile(path.join(MESSAGES, name));
        const sha256 = String(index).repeat(64);

        const inWorker = await pool.parse(raw, meta(sha256, raw));
        const inThread = await parseMessage(raw, meta(sha256, raw));

        expect(canonicalJson(inWorker), name).toBe(canonicalJson(inThread));
      }
      expect(pool.usesWorkers).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('runs processCase through the workers', async () => {
    const caseDir = path.join(scratch, 'case');
    const store = await CaseStore.create(caseDir, 'workers');
    await importMessages({ store, paths: [MESSAGES] });
    const progress: [number, number][] = [];

    const result = await processCase(store, { parseWorkerUrl: workerUrl, onProgress: (done, total) => progress.push([done, total]) });
    const records = await store.loadRecords();

    expect(result.parsed).toBe(9);
    expect(records.length).toBe(9);
    expect(progress.at(-1)).toEqual([9, 9]);
  });
});

describe('ParseWorkerPool with a failing worker', () => {
  const hostileUrl = (): URL => pathToFileURL(path.join(scratch, 'hostile-worker.mjs'));

  it('records a throwing message and parses the rest', async () => {
    const pool = new ParseWorkerPool({ workerUrl: hostileUrl(), size: 2 });
    try {
      const messages = ['Subject: a\n\na', 'X-Test: throw\n\nb', 'Subject: c\n\nc', 'X-Test: exit\n\nd', 'Subject: e\n\ne'].map((text) => Buffer.from(text));

      const records = await Promise.all(messages.map((raw, index) => pool.parse(raw, meta(String(index).repeat(64), raw))));

      expect(records.map((record) => record.parseError)).toEqual([
        null,
        'Parsing failed because the parse worker failed: hostile message',
        null,
        'Parsing failed because the parse worker stopped with exit code 3',
        null,
      ]);
      expect(pool.usesWorkers).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('stops a message that runs past the time limit', async () => {
    const pool = new ParseWorkerPool({ workerUrl: hostileUrl(), size: 1, timeoutMs: 3_000 });
    try {
      const hang = Buffer.from('X-Test: hang\n\nx');
      const after = Buffer.from('Subject: after\n\ny');

      const [hung, next] = await Promise.all([pool.parse(hang, meta('1'.repeat(64), hang)), pool.parse(after, meta('2'.repeat(64), after))]);

      expect(hung.parseError).toBe('Parsing failed because parsing took longer than 3000 ms');
      expect(next.parseError).toBeNull();
    } finally {
      await pool.close();
    }
  });

  it('parses on the main thread when the worker cannot load', async () => {
    const pool = new ParseWorkerPool({ workerUrl: pathToFileURL(path.join(scratch, 'broken-worker.mjs')) });
    try {
      const raw = await fs.readFile(path.join(MESSAGES, 'plain-falcon.eml'));

      const record = await pool.parse(raw, meta('3'.repeat(64), raw));

      expect(record.parseError).toBeNull();
      expect(record.subject).not.toBe('');
      expect(pool.usesWorkers).toBe(false);
    } finally {
      await pool.close();
    }
  });

  it('parses on the main thread when no compiled worker exists', async () => {
    const pool = new ParseWorkerPool({ workerUrl: pathToFileURL(path.join(scratch, 'missing-worker.js')) });
    try {
      expect(pool.usesWorkers).toBe(false);
    } finally {
      await pool.close();
    }
  });
});
