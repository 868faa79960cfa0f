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
}

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

/** Where a stored message came from. */
export type MessageSource =
  | { kind: 'pop3'; host: string; port: number; user: string; uidl: string; messageNumber: number }
  | { kind: 'import'; path: string };

/** The derived, parsed view of one stored message; rebuilt from the raw octets at any time. */
export interface MessageRecord {
  schemaVersion: number;
  sha256: string;
  size: number;
  sources: MessageSource[];
  /** Why mailparser failed, or null. A message that fails to parse stays stored and is flagged. */
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

/** Where and why a rule matched one message. */
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
  total: number;
  done: number;
  currentUidl: string | null;
}

/** A message whose received size differs from the size LIST gave for it; its octets are kept as received. */
export interface AcquisitionWarning {
  kind: 'size-mismatch';
  messageNumber: number;
  uidl: string | null;
  listSize: number;
  receivedSize: number;
  sha256: string;
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
