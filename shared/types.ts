// Data shapes shared by the services, the CLI and the renderer. Persisted shapes carry a schema version.

export const SCHEMA_VERSION = 1;

/** Version of the MessageRecord shape; a record of another version is parsed again from the evidence. */
export const RECORD_SCHEMA_VERSION = 2;

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
  /** Display name, decoded; empty when the header gives none. */
  name: string;
  /** The address as written, decoded (local part @ domain). */
  address: string;
  /** Domain in lower-case ASCII (punycode "xn--" form for IDN), or '' when the address has none. */
  domainAscii: string;
  /** Domain in lower-case Unicode form, or '' when the address has none. */
  domainUnicode: string;
}

/** How one MIME part was decoded: the chain from raw octets to the text Mailcase indexed. */
export interface MimePartInfo {
  /** MIME path in IMAP BODYSTRUCTURE numbering: "1", "1.2", "1.2.1"; a single-part message is "1". */
  path: string;
  contentType: string;
  /** Content-Transfer-Encoding as declared, lower case, or null. */
  transferEncoding: string | null;
  /** Charset parameter as declared, or null. */
  declaredCharset: string | null;
  /** Charset actually used to decode the text (differs from declared when mislabelled), or null for binary. */
  charsetUsed: string | null;
  /** Filename decoded from RFC 2231 or RFC 2047 parameters, or null. */
  filename: string | null;
  /** Content-Disposition type ("inline", "attachment"), or null. */
  disposition: string | null;
  /** Decoded size in octets. */
  size: number;
  role: 'body-text' | 'body-html' | 'attachment' | 'inline' | 'message' | 'container' | 'other';
}

/** Kinds of content a content filter cannot read, or that deserves the investigator's eye. */
export type ContentFlagKind =
  | 'encrypted-zip'
  | 'encrypted-pdf'
  | 'encrypted-office'
  | 'encrypted-archive'
  | 'smime-encrypted'
  | 'pgp-encrypted'
  | 'image'
  | 'executable'
  | 'type-mismatch'
  | 'extraction-failed'
  | 'limit-reached';

export interface ContentFlag {
  kind: ContentFlagKind;
  /** MIME path of the part, with "!member/path" appended for a member inside an archive. */
  location: string;
  /** One English sentence on why the flag was set. */
  detail: string;
}

/** True file type from magic bytes, or null when no signature matched. */
export interface DetectedType {
  ext: string;
  mime: string;
}

/** The attachment truth table: what the sender declared, what the name says, what the bytes are. */
export interface AttachmentTruth {
  declaredType: string;
  /** Lower-case filename extension without the dot, or null. */
  extension: string | null;
  detected: DetectedType | null;
  /** True when the detected type disagrees with the extension or with the declared Content-Type. */
  mismatch: boolean;
  /** Plain-English reason for the mismatch, or null. */
  mismatchReason: string | null;
}

/** One member of an archive attachment (ZIP, recursively). */
export interface ArchiveMember {
  /** Path inside the archive; members of nested archives are joined with "!". */
  path: string;
  size: number;
  encrypted: boolean;
  detected: DetectedType | null;
  /** Extracted text, bounded by the text limit; '' when none. */
  text: string;
}

export interface AttachmentSummary {
  /** MIME path of the part. */
  partPath: string;
  filename: string | null;
  contentType: string;
  size: number;
  sha256: string;
  truth: AttachmentTruth;
  /** Extracted text (document text, archive members' text excluded), bounded; '' when none. */
  text: string;
  /** Why text extraction failed, or null. */
  textError: string | null;
  members: ArchiveMember[];
  flags: ContentFlag[];
}

/** Returns an attachment summary with the given basics and no extracted content, for builders and tests. */
export function createAttachment(
  fields: Pick<AttachmentSummary, 'filename' | 'contentType' | 'size' | 'sha256'> & Partial<AttachmentSummary>,
): AttachmentSummary {
  return {
    partPath: '2',
    text: '',
    textError: null,
    members: [],
    flags: [],
    truth: { declaredType: fields.contentType, extension: null, detected: null, mismatch: false, mismatchReason: null },
    ...fields,
  };
}

/** Returns an address entry, deriving the domain forms by lower-casing what follows the last "@". */
export function createAddress(name: string, address: string): AddressEntry {
  const at = address.lastIndexOf('@');
  const domain = at === -1 ? '' : address.slice(at + 1).toLowerCase();
  return { name, address, domainAscii: domain, domainUnicode: domain };
}

/** Origin of a stored message: a POP3 mailbox or an imported file. */
export type MessageSource =
  | { kind: 'pop3'; host: string; port: number; user: string; uidl: string; messageNumber: number }
  | {
      kind: 'import';
      /** The imported file as the investigator named it. */
      path: string;
      /** SHA-256 of the whole imported file (the mbox, or the .eml itself). */
      fileSha256: string;
      /** Byte range of the message inside that file: start inclusive, end exclusive. */
      byteStart: number;
      byteEnd: number;
      /** Container format the message came from. */
      format: 'eml' | 'mbox' | 'maildir';
    };

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
  sender: AddressEntry[];
  returnPath: AddressEntry[];
  deliveredTo: AddressEntry[];
  /** Received headers, unfolded, in the order they appear (newest first). */
  received: string[];
  inReplyTo: string | null;
  references: string[];
  /** Plain text of the body; HTML-only bodies are converted to text. */
  text: string;
  /** MIME path of the part `text` came from, or null. */
  textPartPath: string | null;
  attachments: AttachmentSummary[];
  /** Decoding chain of every MIME part, in document order. */
  parts: MimePartInfo[];
  /** Flags of the message and all its attachments, for quick filtering. */
  flags: ContentFlag[];
  /** Problems with single parts that did not stop parsing, each naming the part path. */
  partErrors: { location: string; reason: string }[];
  /** For a record of an embedded message (message/rfc822, TNEF, digest): where it sits in its parent. */
  parent: { sha256: string; partPath: string } | null;
  /** Records of messages embedded in this one, opened recursively. */
  embedded: MessageRecord[];
}

/** Returns a record with every parsed field empty, for a message that failed to parse or as a base for tests. */
export function createEmptyRecord(sha256: string, size: number, sources: MessageSource[] = []): MessageRecord {
  return {
    schemaVersion: RECORD_SCHEMA_VERSION,
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
    sender: [],
    returnPath: [],
    deliveredTo: [],
    received: [],
    inReplyTo: null,
    references: [],
    text: '',
    textPartPath: null,
    attachments: [],
    parts: [],
    flags: [],
    partErrors: [],
    parent: null,
    embedded: [],
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
  /** Reviewer tags, sorted. */
  tags: string[];
  flagged: boolean;
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

/** What reviewers recorded about one message; kept in the custody log as review entries. */
export interface ReviewState {
  sha256: string;
  tags: string[];
  flagged: boolean;
  notes: { at: string; text: string }[];
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
