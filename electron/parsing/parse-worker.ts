// Worker thread entry: parses the messages the main thread posts and posts their records back, so a slow
// or hostile message blocks or crashes only this thread. ParseWorkerPool starts and replaces the workers.
import { parentPort } from 'node:worker_threads';

import { parseMessage } from './parse-message.js';
import type { ParseRequest, ParseResponse } from './parse-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('parse-worker.js must run in a worker thread');

port.on('message', (request: ParseRequest) => {
  void handle(request).then((response) => port.postMessage(response));
});
port.postMessage({ type: 'ready' } satisfies ParseResponse);

async function handle(request: ParseRequest): Promise<ParseResponse> {
  try {
    const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
    const record = await parseMessage(raw, request.meta);
    return { type: 'parsed', id: request.id, record };
  } catch (error) {
    return { type: 'failed', id: request.id, reason: error instanceof Error ? error.message : String(error) };
  }
}
