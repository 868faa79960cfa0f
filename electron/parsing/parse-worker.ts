// Worker thread entry: parses the messages the main thread posts and posts their records back, or writes the
// record files of stored messages itself, so a slow or hostile message blocks or crashes only this thread.
// ParseWorkerPool starts and replaces the workers.
import { parentPort } from 'node:worker_threads';

import { parseMessage } from './parse-message.js';
import type { ParseRequest, ParseResponse } from './parse-worker-protocol.js';
import { parseStoredMessage } from './stored-parse.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker.js must run in a worker thread');

port.on('message', (request: ParseRequest) => {
  void handle(request).then((response) => port.postMessage(response));
});
port.postMessage({ type: 'ready' } satisfies ParseResponse);

async function handle(request: ParseRequest): Promise<ParseResponse> {
  try {
    if ('stored' in request) return await handleStored(request);

    const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
    const record = await parseMessage(raw, request.meta);
    return { type: 'parsed', id: request.id, record };
  } catch (error) {
    return { type: 'failed', id: request.id, reason: error instanceof Error ? error.message : String(error) };
  }
}

async function handleStored(request: Extract<ParseRequest, { stored: unknown }>): Promise<ParseResponse> {
  const outcome = await parseStoredMessage(request.stored, request.meta);
  if (outcome.status === 'unreadable') return { type: 'unreadable', id: request.id, reason: outcome.reason };
  // The main thread saves a record this thread could not write, and reports the error if it fails there too.
  if (outcome.status === 'parsed') return { type: 'parsed', id: request.id, record: outcome.record };
  return { type: 'saved', id: request.id, parseError: outcome.parseError };
}
