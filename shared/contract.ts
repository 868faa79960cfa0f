// The typed contract between the renderer and the Node side. Each channel is declared once here with a
// zod schema for its input and a type for its output. The Electron IPC bridge and the browser review
// server both serve exactly these channels through one handler table.
import { z } from 'zod';

import type { ChannelName } from './channel-names.js';
import type { DemoStartReply } from './demo-types.js';
import type { SerializedError } from './errors.js';
import { IMPORT_FORMATS, type CaseImportReply } from './import-types.js';
import type {
  BundleExportResult,
  BundleVerification,
  CaseSummary,
  ConnectionTestResult,
  JobStatus,
  MessageRecord,
  MessageSummary,
  ReviewState,
  RuleRunResult,
  SearchResult,
} from './types.js';
import { MAX_QUERY_LENGTH, MAX_RULE_FILE_BYTES } from './limits.js';

const caseDir = z.string().min(1, 'Case folder is required').max(4096);
/** A SHA-256 fingerprint: 64 hex digits in either case, optionally with a colon after each byte. */
const FINGERPRINT_PATTERN = /^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'Expected a lower-case hex SHA-256');

export const mailboxSchema = z.object({
  host: z.string().trim().min(1, 'Host is required').max(255),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'none']),
  user: z.string().min(1, 'User is required').max(1024),
  trustFingerprint: z
    .string()
    .trim()
    .regex(FINGERPRINT_PATTERN, 'Expected a SHA-256 fingerprint (64 hex digits)')
    .optional(),
  auth: z.enum(['auto', 'apop']).optional(),
});

const password = z.string().min(1, 'Password is required').max(1024);

/** Rule file text as typed or loaded; parseRuleFile checks its size in UTF-8 bytes and its content. */
const rulesText = z.string().max(MAX_RULE_FILE_BYTES);

/** Reply of 'bundle:verify': the verification plus how the signer's key compares with keys the investigator trusts. */
export interface BundleVerifyReply extends BundleVerification {
  /** True when the signer's fingerprint equals the trusted fingerprint given, false when not, null when none was given or the signer is unreadable. */
  signerTrusted: boolean | null;
  /** True when the bundle was signed with this installation's own key, null when there is no own key or the signer is unreadable. */
  signerIsOwnKey: boolean | null;
  /** Time stated in the bundle's RFC 3161 time-stamp, or null when it has none. */
  timestampTime?: string | null;
  /** Subject of the certificate that signed the time-stamp, or null. */
  timestampSigner?: string | null;
}

/** Availability of remembered mailbox passwords (OS keychain) here, and whether one is saved for a mailbox. */
export interface CredentialStatus {
  available: boolean;
  saved: boolean;
}

/** A rule pack that ships with Mailcase: the default pack (active when a case has none saved) and the demo pack. */
export interface BuiltinRulePack {
  id: 'default' | 'demo';
  name: string;
  text: string;
}

/** Saved rule file of a case and the result of its last rule run; either is null when there is none. */
export interface CaseRules {
  rulesText: string | null;
  latest: RuleRunResult | null;
}

export const channels = {
  'case:open': {
    input: z.object({ dir: caseDir, create: z.boolean().default(false), name: z.string().max(200).optional() }),
    output: {} as CaseSummary,
  },
  'mailbox:test': {
    input: z.object({ mailbox: mailboxSchema, password: password.optional(), rememberPassword: z.boolean().default(false) }),
    output: {} as ConnectionTestResult,
  },
  'acquisition:start': {
    input: z.object({ dir: caseDir, mailbox: mailboxSchema, password: password.optional(), rememberPassword: z.boolean().default(false) }),
    output: {} as { jobId: string },
  },
  'acquisition:cancel': {
    input: z.object({ jobId: z.string().min(1).max(100) }),
    output: {} as { cancelRequested: boolean },
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
    input: z.object({
      dir: caseDir,
      query: z.string().max(MAX_QUERY_LENGTH),
      sort: z.enum(['relevance', 'date']).optional(),
      explain: z.boolean().optional(),
    }),
    output: {} as SearchResult,
  },
  'rules:run': {
    input: z.object({ dir: caseDir, rulesJson: rulesText }),
    output: {} as RuleRunResult,
  },
  'rules:get': {
    input: z.object({ dir: caseDir }),
    output: {} as CaseRules,
  },
  'rules:save': {
    input: z.object({ dir: caseDir, rulesText }),
    output: {} as { rulesSha256: string },
  },
  'rules:packs': {
    input: z.object({}),
    output: {} as { packs: BuiltinRulePack[] },
  },
  'bundle:export': {
    input: z.object({
      dir: caseDir,
      outFile: z.string().min(1).max(4096),
      query: z.string().max(MAX_QUERY_LENGTH).optional(),
      investigator: z.string().trim().max(200).optional(),
      organisation: z.string().trim().max(200).optional(),
      caseReference: z.string().trim().max(200).optional(),
      includeMbox: z.boolean().optional(),
      /** RFC 3161 time-stamping authority; no time-stamp is requested without it. */
      timestampUrl: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    }),
    output: {} as BundleExportResult & { timestampTime: string | null },
  },
  'credentials:status': {
    input: z.object({ mailbox: mailboxSchema }),
    output: {} as CredentialStatus,
  },
  'credentials:forget': {
    input: z.object({ mailbox: mailboxSchema }),
    output: {} as CredentialStatus,
  },
  'app:diagnostics': {
    input: z.object({}),
    output: {} as { text: string },
  },
  'review:get': {
    input: z.object({ dir: caseDir, sha256 }),
    output: {} as ReviewState,
  },
  'review:update': {
    input: z.discriminatedUnion('action', [
      z.object({ dir: caseDir, sha256, action: z.literal('add-tag'), tag: z.string().max(64, 'A tag can hold at most 64 characters') }),
      z.object({ dir: caseDir, sha256, action: z.literal('remove-tag'), tag: z.string().max(200) }),
      z.object({ dir: caseDir, sha256, action: z.literal('set-flag'), flagged: z.boolean() }),
      z.object({ dir: caseDir, sha256, action: z.literal('add-note'), text: z.string().max(10_000, 'A note can hold at most 10,000 characters') }),
    ]),
    output: {} as ReviewState,
  },
  'bundle:verify': {
    input: z.object({
      file: z.string().min(1).max(4096),
      trustedFingerprint: z
        .string()
        .trim()
        .regex(FINGERPRINT_PATTERN, 'Expected a SHA-256 key fingerprint (64 hex digits)')
        .optional(),
    }),
    output: {} as BundleVerifyReply,
  },
  'demo:start': {
    // Without a folder, the demo case is created in a new folder under the user's Mailcase folder.
    input: z.object({ dir: caseDir.optional() }),
    output: {} as DemoStartReply,
  },
  'case:import': {
    input: z.object({
      dir: caseDir,
      paths: z.array(z.string().min(1).max(4096)).min(1, 'Choose at least one file or folder to import').max(10_000),
      format: z.enum(IMPORT_FORMATS).default('auto'),
    }),
    output: {} as CaseImportReply,
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

/** The API the renderer calls; the preload bridge and the review-mode client both back it. */
export type MailcaseApi = {
  invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelReply<C>>;
};

/** Bridge the Electron preload exposes as window.mailcase: one function per channel of the contract, nothing else. */
export type MailcaseBridge = {
  readonly [C in Channel]: (input: ChannelInput<C>) => Promise<ChannelReply<C>>;
};
