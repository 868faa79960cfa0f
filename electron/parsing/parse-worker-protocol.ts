// Messages between ParseWorkerPool and its parse-worker threads.
import type { MessageRecord } from '../../shared/types.js';
import type { ParseMeta } from './parse-message.js';

/** A message to parse; `raw` is transferred, not copied. */
export interface ParseRequest {
  id: number;
  raw: Uint8Array;
  meta: ParseMeta;
}

/** The worker posts 'ready' once it has loaded the parser, and one 'parsed' or 'failed' reply per request. */
export type ParseResponse =
  | { type: 'ready' }
  | { type: 'parsed'; id: number; record: MessageRecord }
  | { type: 'failed'; id: number; reason: string };
