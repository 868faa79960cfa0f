// The typed contract between the renderer and the Node side. Each channel is declared once here with a
// zod schema for its input and a type for its output; the Electron IPC bridge and the browser review
// server both serve exactly these channels through one handler table.
import { z } from 'zod';

import type { ChannelName } from './channel-names.js';
import type { SerializedError } from './errors.js';
import type {
  BundleExportResult,
  BundleVerification,
  CaseSummary,
  ConnectionTestResult,
  JobStatus,
  MessageRecord,
  MessageSummary,
  RuleRunResult,
  SearchResult,
} from './types.js';
import { MAX_QUERY_LENGTH, MAX_RULE_FILE_BYTES } from './limits.js';

const caseDir = z.string().min(1, 'Case folder is required').max(4096);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'Expected a lower-case hex SHA-256');

export const mailboxSchema = z.object({
  host: z.string().trim().min(1, 'Host is required').max(255),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string().min(1, 'User is required').max(1024),
  trustFingerprint: z
    .string()
    .trim()
    .regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'Expected a SHA-256 fingerprint (64 hex digits)')
    .optional(),
});

const password = z.string().min(1, 'Password is required').max(1024);

export const channels = {
  'case:open': {
    input: z.object({ dir: caseDir, create: z.boolean().default(false), name: z.string().max(200).optional() }),
    output: {} as CaseSummary,
  },
  'mailbox:test': {
    input: z.object({ mailbox: mailboxSchema, password }),
    output: {} as ConnectionTestResult,
  },
  'acquisition:start': {
    input: z.object({ dir: caseDir, mailbox: mailboxSchema, password }),
    output: {} as { jobId: string },
  },
  'job:get': {
    input: z.object({ jobId: z.string().min(1).max(100) }),
    output: {} as JobStatus,
  },
  'messages:list': {
    input: z.object({ dir: caseDir }),
    output: {} as MessageSummary[],
  },
  'message:get': {
    input: z.object({ dir: caseDir, sha256 }),
    output: {} as MessageRecord,
  },
  'search:run': {
    input: z.object({ dir: caseDir, query: z.string().max(MAX_QUERY_LENGTH) }),
    output: {} as SearchResult,
  },
  'rules:run': {
    input: z.object({ dir: caseDir, rulesJson: z.string().max(MAX_RULE_FILE_BYTES) }),
    output: {} as RuleRunResult,
  },
  'bundle:export': {
    input: z.object({ dir: caseDir, outFile: z.string().min(1).max(4096), query: z.string().max(MAX_QUERY_LENGTH).optional() }),
    output: {} as BundleExportResult,
  },
  'bundle:verify': {
    input: z.object({ file: z.string().min(1).max(4096) }),
    output: {} as BundleVerification,
  },
} as const;

export type Channel = keyof typeof channels;
export type ChannelInput<C extends Channel> = z.input<(typeof channels)[C]['input']>;
export type ParsedChannelInput<C extends Channel> = z.output<(typeof channels)[C]['input']>;
export type ChannelOutput<C extends Channel> = (typeof channels)[C]['output'];

export { CHANNEL_NAMES } from './channel-names.js';

// Fails to compile when a channel has a schema but no name in channel-names.ts, or the other way round.
const channelNamesMatchSchemas: [Channel] extends [ChannelName] ? ([ChannelName] extends [Channel] ? true : false) : false = true;
void channelNamesMatchSchemas;

/** Reply envelope used by both transports: a result or a serialised error, never a thrown value. */
export type ChannelReply<C extends Channel> =
  | { ok: true; value: ChannelOutput<C> }
  | { ok: false; error: SerializedError };

/** The API the renderer calls; the preload and the review-mode client both implement it. */
export type MailcaseApi = {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelReply<C>>;
};
