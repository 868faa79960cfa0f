// Messages between ParseWorkerPool and its parse-worker threads.
import type { MessageRecord } from '../../shared/types.js';
import type { ParseMeta } from './parse-message.js';
import type { StoredMessagePaths, StoredParseMeta } from './stored-parse.js';

/**
 * A message to parse: either its octets, which are transferred, not copied, and whose record is posted back, or
 * the paths of a stored message, which the worker reads and whose record file it writes itself.
 */
export type ParseRequest =
  | { id: number; raw: Uint8Array; meta: ParseMeta }
  | { id: number; stored: StoredMessagePaths; meta: StoredParseMeta };

/**
 * The worker posts 'ready' once it has loaded the parser, and one reply per request: 'parsed' with the record,
 * 'saved' when it wrote the record file, 'unreadable' when a stored message could not be read, or 'failed'.
 */
export type ParseResponse =
  | { type: 'ready' }
  | { type: 'parsed'; id: number; record: MessageRecord }
  | { type: 'saved'; id: number; parseError: string | null }
  | { type: 'unreadable'; id: number; reason: string }
  | { type: 'failed'; id: number; reason: string };
