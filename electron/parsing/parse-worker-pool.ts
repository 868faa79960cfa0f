// A small pool of worker threads that parse messages off the main thread, so the UI and the main process
// stay responsive. A message whose parse throws, crashes its worker or runs too long gets a record with
// parseError, its worker is replaced, and the other messages go on.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { MailcaseError } from '../../shared/errors.js';
import { createEmptyRecord, type MessageRecord } from '../../shared/types.js';
import { createLogger } from '../logging/logger.js';
import { parseMessage, type ParseMeta } from './parse-message.js';
import type { ParseRequest, ParseResponse } from './parse-worker-protocol.js';
import type { StoredMessagePaths, StoredParseMeta } from './stored-parse.js';

const log = createLogger('parse-worker-pool');
const loggedReasons = new Set<string>();

/**
 * Maximum time one message may take to parse in a worker, in milliseconds. Attachment text extraction of a
 * large message can take tens of seconds, while a parse that runs for minutes is stuck on hostile input.
 * The worker is then terminated, which frees its memory.
 */
export const PARSE_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Heap limit of each parse worker, in MB. With a high limit V8 let the workers' heaps grow further before
 * collecting. Parsing the 10,000 messages of the search benchmark peaked at about 235 MiB of process memory with
 * 192 MB, and at about 290 MiB with 2,048 MB. A message that needs more is parsed again with LARGE_MESSAGE_HEAP_MB.
 */
export const PARSE_WORKER_HEAP_MB = 192;

/**
 * Heap limit of the worker that parses a message again after it ran out of memory in an ordinary worker. A message
 * is at most MAX_MESSAGE_OCTETS (256 MB), and the parser keeps decoded parts and extracted text beside it. A
 * message that needs more still ends its worker with an out-of-memory error instead of exhausting the main process.
 */
export const LARGE_MESSAGE_HEAP_MB = 2048;

/**
 * Young-generation size of each parse worker, in MB. A parse leaves mostly short-lived garbage, and V8's larger
 * default let each worker's heap grow further between collections. With 8 MB, parsing the 10,000 messages of the
 * search benchmark corpus peaked about 30 MB lower in RSS, with no measurable change in CPU time. The limit bounds
 * only the space for small new objects: buffer contents live outside the V8 heap, and V8 puts large objects in a
 * space of their own, so it does not limit the size of a message.
 */
const PARSE_WORKER_YOUNG_GENERATION_MB = 8;

/** Maximum number of workers in a pool, because parsing shares the machine with the UI and the evidence writes. */
const MAX_WORKERS = 2;

/**
 * The compiled worker next to this module: dist/electron/parsing/parse-worker.js in a build.
 * NOTE: tested with Node 20 from dist-like output, not inside a packaged Electron app (asar). If the worker
 * cannot start there, the pool parses on the main thread and logs why.
 */
export const DEFAULT_WORKER_URL = new URL('./parse-worker.js', import.meta.url);

export interface ParseWorkerPoolOptions {
  /** Worker script to run; null parses on the calling thread. Defaults to DEFAULT_WORKER_URL. */
  workerUrl?: URL | null;
  /** Number of workers; defaults to min(2, CPU cores). */
  size?: number;
  /** Per-message time limit in milliseconds; defaults to PARSE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Heap limits of ordinary workers and of the worker for a message that ran out of memory, in MB. */
  heapMb?: { ordinary: number; large: number };
}

/**
 * Result of parsing a stored message. `record` is null when the worker wrote the record file, and otherwise the
 * record the caller must save: a message parsed on the calling thread, or one whose parse or write failed.
 */
export interface StoredParseResult {
  parseError: string | null;
  record: MessageRecord | null;
}

/** A message to parse, given as octets or as the paths of a stored message. */
type TaskInput = { raw: Buffer; meta: ParseMeta } | { stored: StoredMessagePaths; meta: StoredParseMeta };

interface Task {
  id: number;
  input: TaskInput;
  resolve: (result: StoredParseResult) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task: Task | null;
  timer: NodeJS.Timeout | null;
  /** A worker with the large heap limit, started for messages that ran out of memory; it is not in `slots`. */
  large: boolean;
}

/**
 * Parses messages in worker threads. `parse` resolves, never rejects, with the message's record. When the
 * worker script does not exist (running from TypeScript source, as under vitest) or a worker fails before it
 * has loaded the parser, the pool logs why and parses on the calling thread instead.
 */
export class ParseWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  /** Messages that ran out of memory in an ordinary worker, parsed one at a time in a large worker. */
  private readonly largeQueue: Task[] = [];
  private largeSlot: Slot | null = null;
  private readonly heapMb: { ordinary: number; large: number };
  private nextId = 1;
  private workerUrl: URL | null = null;
  private inThreadReason: string | null = null;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(options: ParseWorkerPoolOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? PARSE_TIMEOUT_MS;
    this.heapMb = options.heapMb ?? { ordinary: PARSE_WORKER_HEAP_MB, large: LARGE_MESSAGE_HEAP_MB };
    const workerUrl = options.workerUrl === undefined ? DEFAULT_WORKER_URL : options.workerUrl;
    if (workerUrl === null) {
      this.inThreadReason = 'worker threads were not requested';
      return;
    }
    if (workerUrl.protocol === 'file:' && !existsSync(fileURLToPath(workerUrl))) {
      this.useInThread(`no compiled parse worker at ${fileURLToPath(workerUrl)}`);
      return;
    }

    this.workerUrl = workerUrl;
    const size = Math.max(1, Math.min(options.size ?? MAX_WORKERS, os.availableParallelism?.() ?? os.cpus().length));
    for (let index = 0; index < size; index += 1) this.slots.push(this.startWorker(workerUrl, false));
  }

  /** True when messages are parsed in worker threads, false when on the calling thread. */
  get usesWorkers(): boolean {
    return this.inThreadReason === null;
  }

  /** Number of workers; callers keep about twice this many messages queued, so the queue stays short. */
  get size(): number {
    return Math.max(1, this.slots.length);
  }

  /** Parses one message. Resolves with a record whose parseError gives the reason when the parse failed. */
  async parse(raw: Buffer, meta: ParseMeta): Promise<MessageRecord> {
    const result = await this.enqueue({ raw, meta });
    // A task given octets always comes back with its record, because no worker writes it.
    return result.record ?? failedRecord(meta, 'Parsing failed: the parse worker returned no record');
  }

  /**
   * Parses a stored message. A worker reads the message file and writes the record file itself, so neither the
   * octets nor the record pass through this thread. Resolves with the record when the caller must save it (see
   * StoredParseResult). Rejects with MESSAGE_NOT_FOUND when the message file cannot be read.
   */
  parseStored(paths: StoredMessagePaths, meta: StoredParseMeta): Promise<StoredParseResult> {
    return this.enqueue({ stored: paths, meta });
  }

  private enqueue(input: TaskInput): Promise<StoredParseResult> {
    if (this.closed) return Promise.reject(new Error('ParseWorkerPool is closed'));
    if (this.inThreadReason !== null) return runInThread(input);

    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker, which would otherwise keep the process alive. Messages still queued are parsed on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    if (this.largeSlot !== null) slots.push(this.largeSlot);
    this.largeSlot = null;
    this.queue.push(...this.largeQueue.splice(0));
    for (const slot of slots) {
      if (slot.timer) clearTimeout(slot.timer);
      if (slot.task) this.queue.unshift(slot.task);
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
    for (const task of this.queue.splice(0)) await runInThread(task.input).then(task.resolve, task.reject);
  }

  private startWorker(workerUrl: URL, large: boolean): Slot {
    const worker = new Worker(workerUrl, {
      resourceLimits: { maxOldGenerationSizeMb: large ? this.heapMb.large : this.heapMb.ordinary, maxYoungGenerationSizeMb: PARSE_WORKER_YOUNG_GENERATION_MB },
    });
    const slot: Slot = { worker, ready: false, task: null, timer: null, large };

    worker.on('message', (response: ParseResponse) => this.onResponse(slot, response));
    worker.on('error', (error) => this.onWorkerFailure(slot, `the parse worker failed: ${error.message}`, isOutOfMemory(error)));
    worker.on('exit', (code) => this.onWorkerFailure(slot, `the parse worker stopped with exit code ${code}`));
    return slot;
  }

  private onResponse(slot: Slot, response: ParseResponse): void {
    if (response.type === 'ready') {
      slot.ready = true;
      if (slot.large) this.dispatchLarge();
      else this.dispatch();
      return;
    }

    const task = slot.task;
    if (task === null || task.id !== response.id) return;
    this.finishTask(slot);
    settleTask(task, response);
    if (slot.large) this.dispatchLarge();
    else this.dispatch();
  }

  /**
   * Handles a worker's error or exit. Its message, if any, gets parseError, or goes to a large worker when it ran
   * out of memory in an ordinary one, and a new worker takes the failed one's place.
   */
  private onWorkerFailure(slot: Slot, reason: string, outOfMemory = false): void {
    if (slot.large) {
      this.onLargeWorkerFailure(slot, reason);
      return;
    }
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    if (slot.timer) clearTimeout(slot.timer);
    const stopped = slot.worker.terminate();

    if (!slot.ready) {
      // A worker that dies before loading the parser points at a broken build, not at a message.
      this.useInThread(`the parse worker could not start: ${reason}`);
      return;
    }

    const task = slot.task;
    slot.task = null;
    if (task && outOfMemory) {
      log.warn('parse worker ran out of memory; parsing the message again in a large worker', { sha256: task.input.meta.sha256 });
      // The ordinary worker may be writing the record file, so the large worker starts once it has stopped.
      const retry = (): void => {
        this.largeQueue.push(task);
        this.dispatchLarge();
      };
      void stopped.then(retry, retry);
    } else if (task) {
      log.warn('parse worker failed on a message; starting a new worker', { sha256: task.input.meta.sha256, reason });
      // A worker given a stored message may be writing its record file. The failed record is handed to the caller
      // only once the thread has stopped, so the worker cannot overwrite the caller's copy afterwards.
      const finish = (): void => void failedResult(task.input, `Parsing failed because ${reason}`).then(task.resolve);
      void stopped.then(finish, finish);
    }
    if (!this.closed && this.workerUrl !== null) this.slots.push(this.startWorker(this.workerUrl, false));
    this.dispatch();
  }

  /** Runs the next message that ran out of memory in the large worker, starting it when needed, or stops it when none is left. */
  private dispatchLarge(): void {
    if (this.closed || this.workerUrl === null) return;
    const slot = this.largeSlot;
    if (slot === null) {
      if (this.largeQueue.length > 0) this.largeSlot = this.startWorker(this.workerUrl, true);
      return;
    }
    if (!slot.ready || slot.task !== null) return;

    const task = this.largeQueue.shift();
    if (task !== undefined) {
      this.run(slot, task);
      return;
    }
    // The large worker keeps a large heap, so it stops as soon as it has nothing to do.
    this.largeSlot = null;
    void slot.worker.terminate();
  }

  /** Handles the failure of the large worker: its message gets parseError, and the next one gets a new large worker. */
  private onLargeWorkerFailure(slot: Slot, reason: string): void {
    if (this.largeSlot !== slot) return;
    this.largeSlot = null;
    if (slot.timer) clearTimeout(slot.timer);
    const stopped = slot.worker.terminate();
    if (!slot.ready) {
      // A large worker that cannot start would fail again for every message, so the waiting ones fail now.
      for (const waiting of this.largeQueue.splice(0)) void failedResult(waiting.input, `Parsing failed because ${reason}`).then(waiting.resolve);
      return;
    }
    const task = slot.task;
    slot.task = null;
    if (task) {
      log.warn('the large parse worker failed on a message', { sha256: task.input.meta.sha256, reason });
      const finish = (): void => {
        void failedResult(task.input, `Parsing failed because ${reason}`).then(task.resolve);
        this.dispatchLarge();
      };
      void stopped.then(finish, finish);
      return;
    }
    this.dispatchLarge();
  }

  private dispatch(): void {
    if (this.inThreadReason !== null) return;
    for (const slot of this.slots) {
      if (!slot.ready || slot.task !== null) continue;
      const task = this.queue.shift();
      if (task === undefined) break;
      this.run(slot, task);
    }
  }

  private run(slot: Slot, task: Task): void {
    slot.task = task;
    slot.timer = setTimeout(() => this.onTimeout(slot, task), this.timeoutMs);

    if ('stored' in task.input) {
      const request: ParseRequest = { id: task.id, stored: task.input.stored, meta: task.input.meta };
      slot.worker.postMessage(request);
      return;
    }

    // The octets are copied into their own buffer and transferred, so the worker does not share the case's read buffer.
    const raw = new Uint8Array(task.input.raw);
    const request: ParseRequest = { id: task.id, raw, meta: task.input.meta };
    slot.worker.postMessage(request, [raw.buffer]);
  }

  private onTimeout(slot: Slot, task: Task): void {
    if (slot.task !== task) return;
    slot.timer = null;
    this.onWorkerFailure(slot, `parsing took longer than ${this.timeoutMs} ms`);
  }

  private finishTask(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.task = null;
  }

  /** Switches to parsing on the calling thread and moves every waiting message there. */
  private useInThread(reason: string): void {
    // Logged once per reason and process, because every processCase call creates a pool.
    if (this.inThreadReason === null && !loggedReasons.has(reason)) {
      loggedReasons.add(reason);
      log.warn('parsing on the main thread instead of worker threads', { reason });
    }
    this.inThreadReason = reason;

    const slots = this.slots.splice(0);
    const pending = [...slots.flatMap((slot) => (slot.task ? [slot.task] : [])), ...this.queue.splice(0)];
    for (const slot of slots) {
      if (slot.timer) clearTimeout(slot.timer);
      void slot.worker.terminate();
    }
    for (const task of pending) void runInThread(task.input).then(task.resolve, task.reject);
  }
}

/** Tells whether a worker error is V8 running out of the worker's heap limit. */
function isOutOfMemory(error: Error): boolean {
  return (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Settles a task with a worker's reply to it. */
function settleTask(task: Task, response: Exclude<ParseResponse, { type: 'ready' }>): void {
  switch (response.type) {
    case 'parsed':
      task.resolve({ parseError: response.record.parseError, record: response.record });
      return;
    case 'saved':
      task.resolve({ parseError: response.parseError, record: null });
      return;
    case 'unreadable':
      task.reject(messageNotFound(task.input.meta.sha256, response.reason));
      return;
    case 'failed':
      void failedResult(task.input, `Parsing failed: ${response.reason}`).then(task.resolve);
      return;
  }
}

/** Parses a task on the calling thread. The record is returned to the caller to save, never written here. */
async function runInThread(input: TaskInput): Promise<StoredParseResult> {
  let raw: Buffer;
  if ('raw' in input) {
    raw = input.raw;
  } else {
    try {
      raw = await fs.readFile(input.stored.messagePath);
    } catch (error) {
      throw messageNotFound(input.meta.sha256, error instanceof Error ? error.message : String(error));
    }
  }

  const meta: ParseMeta = 'raw' in input ? input.meta : { ...input.meta, size: raw.length };
  let record: MessageRecord;
  try {
    record = await parseMessage(raw, meta);
  } catch (error) {
    record = failedRecord(meta, `Parsing failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { parseError: record.parseError, record };
}

/**
 * Builds the result of a message whose parse failed. A stored message's size is read from its file here, because
 * only the worker read its octets. The record then has the size a parse on this thread would have given it.
 */
async function failedResult(input: TaskInput, reason: string): Promise<StoredParseResult> {
  let size: number;
  if ('raw' in input) size = input.raw.length;
  else size = (await fs.stat(input.stored.messagePath).catch(() => null))?.size ?? 0;

  const record = failedRecord({ ...input.meta, size }, reason);
  return { parseError: record.parseError, record };
}

/** Builds the error CaseStore.readMessage throws for a message that cannot be read. */
function messageNotFound(sha256: string, reason: string): MailcaseError {
  return new MailcaseError('MESSAGE_NOT_FOUND', `Message ${sha256} is not stored in this case: ${reason}`, { details: { sha256 } });
}

function failedRecord(meta: ParseMeta, reason: string): MessageRecord {
  return { ...createEmptyRecord(meta.sha256, meta.size, meta.sources), parseError: reason };
}
