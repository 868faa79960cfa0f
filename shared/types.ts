// Data shapes shared by the services, the CLI and the renderer. Persisted shapes carry a schema version.

export const SCHEMA_VERSION = 1;

export type MailboxSecurity = 'tls' | 'starttls' | 'none';

/** A suspect's POP3 mailbox as the investigator entered it. The password is never part of it. */
export interface MailboxConfig {
  host: string;
  port: number;
  security: MailboxSecurity;
  user: string;
  /** SHA-256 fingerprint (hex, colon-separated or not) of a server certificate trusted explicitly. */
  trustFingerprint?: string | undefined;
  /**
   * Login method. 'auto' (the default) picks the strongest the server offers: SASL PLAIN, then LOGIN, then
   * USER/PASS. 'apop' sends APOP (RFC 1939 section 7) and fails when the greeting has no timestamp.
   */
  auth?: MailboxAuth | undefined;
}

export type MailboxAuth = 'auto' | 'apop';

/** Result of "test connection". */
export interface ConnectionTestResult {
  ok: true;
  greeting: string;
  messageCount: number;
  mailboxOctets: number;
  capabilities: string[];
  /** SHA-256 fingerprint of the server certificate, colon-separated upper-case hex; null without TLS. */
  tlsFingerprint: string | null;
}

export interface AddressEntry {
  name: string;
  address: string;
}

export interface AttachmentSummary {
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
}

/** Origin of a stored message: a POP3 mailbox or an imported file. */
export type MessageSource =
  | { kind: 'pop3'; host: string; port: number; user: string; uidl: string; messageNumber: number }
  | { kind: 'import'; path: string };

/** The derived, parsed view of one stored message; rebuilt from the raw octets at any time. */
export interface MessageRecord {
  schemaVersion: number;
  sha256: string;
  size: number;
  sources: MessageSource[];
  /** Reason mailparser failed, or null. A message that fails to parse stays stored and is flagged. */
  parseError: string | null;
  messageId: string | null;
  /** Date header as UTC ISO 8601, or null when missing or invalid. */
  date: string | null;
  /** Date header exactly as written, or null when the message has none; kept even when `date` is null. */
  rawDate: string | null;
  subject: string;
  from: AddressEntry[];
  to: AddressEntry[];
  cc: AddressEntry[];
  bcc: AddressEntry[];
  replyTo: AddressEntry[];
  /** Plain text of the body; HTML-only bodies are converted to text. */
  text: string;
  attachments: AttachmentSummary[];
}

/** Returns a record with every parsed field empty, for a message that failed to parse or as a base for tests. */
export function createEmptyRecord(sha256: string, size: number, sources: MessageSource[] = []): MessageRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    sha256,
    size,
    sources,
    parseError: null,
    messageId: null,
    date: null,
    rawDate: null,
    subject: '',
    from: [],
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    text: '',
    attachments: [],
  };
}

/** One row of a message list or search result. */
export interface MessageSummary {
  sha256: string;
  date: string | null;
  from: string;
  subject: string;
  size: number;
  attachmentCount: number;
  parseError: string | null;
}

export interface SearchHit {
  sha256: string;
  date: string | null;
  from: string;
  subject: string;
  score: number;
  snippet: string;
}

export interface SearchResult {
  total: number;
  hits: SearchHit[];
}

/** Explanation of one rule match: the field, the matched value and the rule entry. */
export interface RuleMatch {
  /** Field that matched, e.g. "from", "cc", "subject", "body", "attachment:report.pdf". */
  field: string;
  /** The value in the message that matched (an address, or the matched text). */
  value: string;
  /** The rule entry responsible (a listed domain or keyword). */
  entry: string;
}

export interface RuleMessageHit {
  sha256: string;
  matches: RuleMatch[];
}

export interface RuleResult {
  id: string;
  name: string;
  type: string;
  hits: number;
  messages: string[];
  details: RuleMessageHit[];
}

export interface RuleRunResult {
  schemaVersion: number;
  appVersion: string;
  ranAt: string;
  /** SHA-256 of the rule file's exact bytes. */
  rulesSha256: string;
  rules: RuleResult[];
}

export interface BundleProblem {
  /** Path inside the bundle the problem concerns, or "(bundle)" for the archive as a whole. */
  file: string;
  reason: string;
}

export interface BundleVerification {
  valid: boolean;
  problems: BundleProblem[];
  messageCount: number;
  /** SHA-256 fingerprint of the public key that signed the bundle, or null when unreadable. */
  signerFingerprint: string | null;
}

export interface BundleExportResult {
  file: string;
  messageCount: number;
  sha256: string;
  signerFingerprint: string;
}

export interface AcquisitionProgress {
  phase: 'connecting' | 'listing' | 'downloading' | 'processing' | 'done';
  /** Messages to fetch in this run. */
  total: number;
  /** Messages fetched and stored so far. */
  done: number;
  currentUidl: string | null;
  /** Octets received so far in this run. */
  bytesDone?: number;
  /** Octets to fetch in this run, as LIST states them. */
  bytesTotal?: number;
  /** Average transfer rate since the first RETR, in octets per second. */
  bytesPerSecond?: number;
  /** Estimated seconds left at the average rate, or null before any octet has arrived. */
  etaSeconds?: number | null;
}

/**
 * A message whose received size differs from the size LIST gave for it, also after one retry; its octets are
 * kept as received.
 */
export interface AcquisitionWarning {
  kind: 'size-mismatch';
  messageNumber: number;
  uidl: string | null;
  listSize: number;
  receivedSize: number;
  sha256: string;
}

/** A message the server rejected with -ERR to RETR. It is not stored, so the next run requests it again. */
export interface RetrieveFailure {
  messageNumber: number;
  uidl: string | null;
  /** The server's -ERR text. */
  reply: string;
}

export interface AcquisitionSummary {
  runId: string;
  host: string;
  port: number;
  user: string;
  tlsFingerprint: string | null;
  serverMessageCount: number;
  /** SHA-256 of each message stored by this run, in server order. */
  newMessages: string[];
  /** UIDLs already held from an earlier run and not fetched again. */
  alreadyHeld: number;
  startedAt: string;
  finishedAt: string;
  warnings: AcquisitionWarning[];
  /** UIDLs fetched by this run, in server order. Servers without UIDL contribute none. */
  new: string[];
  /** Messages on the server that were already held and not fetched again. Equals alreadyHeld. */
  held: number;
  /** UIDLs held from this mailbox that are no longer on the server, first noticed in this run. */
  vanished: string[];
  /** UIDLs that an earlier run reported as vanished and that are on the server again. */
  reappeared: string[];
  /** Held UIDLs whose LIST size now differs from the LIST size recorded when they were acquired. */
  sizeChanged: string[];
  /** Held UIDLs whose stored file was missing from the case, so they were fetched again. */
  refetched: string[];
  /** Messages the server refused to send in this run. */
  failed: RetrieveFailure[];
  /** Message octets received in this run, retries included. */
  bytes: number;
  /** False when the server does not support UIDL: every message was then fetched and de-duplicated by SHA-256. */
  uidlSupported: boolean;
  /** True when the run was cancelled through its AbortSignal; the fields then describe the part done. */
  cancelled: boolean;
  /** Case-relative path of the run's protocol transcript, and its SHA-256. */
  transcript: { file: string; sha256: string } | null;
}

export interface CaseSummary {
  dir: string;
  name: string;
  caseId: string;
  messageCount: number;
  parseErrorCount: number;
}

export type JobState = 'running' | 'succeeded' | 'failed';

export interface JobStatus {
  jobId: string;
  kind: 'acquisition';
  state: JobState;
  progress: AcquisitionProgress;
  result: AcquisitionSummary | null;
  error: import('./errors.js').SerializedError | null;
}
