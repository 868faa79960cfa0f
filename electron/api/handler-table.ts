// The shape of the handler table that serves every IPC channel. Kept apart from the implementation so
// the dispatcher and the review server depend only on types, and tests can pass stub tables.
import type { Channel, ChannelOutput, ParsedChannelInput } from '../../shared/contract.js';

/** One async function per channel; each receives input already checked against the channel's schema. */
export type HandlerTable = {
  [C in Channel]: (input: ParsedChannelInput<C>) => Promise<ChannelOutput<C>>;
};
