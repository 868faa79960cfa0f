// The contract's channel names, without the zod schemas, so the preload bundle stays small.

/** Every IPC channel, named `domain:verb`. contract.ts declares one schema for each and checks the two lists agree. */
export const CHANNEL_NAMES = [
  'case:open',
  'mailbox:test',
  'acquisition:start',
  'acquisition:cancel',
  'job:get',
  'messages:list',
  'message:get',
  'search:run',
  'rules:run',
  'rules:get',
  'rules:save',
  'rules:packs',
  'bundle:export',
  'bundle:verify',
  'credentials:status',
  'credentials:forget',
  'app:diagnostics',
  'review:get',
  'review:update',
  'demo:start',
  'case:import',
] as const;

export type ChannelName = (typeof CHANNEL_NAMES)[number];
