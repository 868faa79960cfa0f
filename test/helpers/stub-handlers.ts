// A handler table for tests: every channel of the contract fails unless the test supplies its handler, so
// channels added later need no change here.
import { CHANNEL_NAMES } from '../../shared/contract.js';
import type { HandlerTable } from '../../electron/api/handler-table.js';

/** Builds a table whose handlers throw "handler should not run" unless overridden. */
export function stubHandlers(overrides: Partial<HandlerTable> = {}): HandlerTable {
  const unexpected = async (): Promise<never> => {
    throw new Error('handler should not run');
  };
  const table: Record<string, unknown> = {};
  for (const name of CHANNEL_NAMES) table[name] = unexpected;
  return { ...(table as unknown as HandlerTable), ...overrides };
}
