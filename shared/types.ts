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

/** Decoding chain of one MIME part, from raw octets to the text Mailcase indexed. */
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

/** Attachment truth table: the type the sender declared, the type the name implies, and the type of the bytes. */
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
  /** Reason text extraction failed, or null. */
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

/** One message a search found. A hit inside an embedded message names the stored message that contains it. */
export interface SearchHit {
  /** SHA-256 of the stored message (the evidence file) the hit is in. */
  sha256: string;
  /** The record that matched: the stored message's SHA-256, or `${parent.sha256}/${partPath}` for an embedded message. */
  recordId: string;
  /** True when the matching record is a message embedded in the stored one. */
  embedded: boolean;
  date: string | null;
  from: string;
  subject: string;
  score: number;
  /** Excerpt around the first match as one line, whitespace collapsed. */
  snippet: string;
  /** Excerpts with highlight offsets into the extracted text of the part each came from. */
  snippets: import('./search-types.js').SearchSnippet[];
}

export interface SearchResult {
  /** Records the whole query matches, whatever the limit. */
  total: number;
  hits: SearchHit[];
  sort: import('./search-types.js').SearchSort;
  /** SHA-256 of every stored message with a match, sorted; filled only when the caller asks for all matches. */
  sha256s?: string[];
  /** Something the investigator should know about this search, such as an index rebuilt because it was damaged. */
  notice?: string;
  /** Plain-words reading of the query, filled when the caller requests it. */
  explanation?: string;
}

/** One explainable rule hit: where it matched, the text matched, and why, in words. */
export interface RuleMatch {
  /** Detector that produced the hit ("domains", "payment-card", ...), or "query" / "not" for those conditions. */
  detector: string;
  /** Finer kind: "domain", "lookalike", "display-name", "to-webmail", "forward-to-own-name", an attachment kind, or the detector. */
  kind: string;
  /** Short label of the place: a header name ("to"), "subject", "body", "attachment:report.pdf", "attachment:a.zip!b.txt". */
  field: string;
  /** Kind of place: a header, the body text, an attachment's (or archive member's) text, an attachment file name, or the message as a whole. */
  area: 'header' | 'body' | 'attachment' | 'filename' | 'message';
  /** Lower-case header name for header hits ("subject" included), else null. */
  header: string | null;
  /** MIME part path of the body or attachment, else null. */
  partPath: string | null;
  /** Archive member path ("a/b.txt", nested archives joined with "!"), else null. */
  member: string | null;
  /** Character offsets (UTF-16 code units, end exclusive) into that part's extracted text or the header value, or null. */
  start: number | null;
  end: number | null;
  /** The text or value that matched (an address, the matched text). */
  value: string;
  /** The rule entry responsible (a listed domain, keyword, pattern), or '' when none applies. */
  entry: string;
  confidence: 'low' | 'medium' | 'high';
  /** Decoding chain of the part the hit is in (from record.parts), or null for headers and the message as a whole. */
  decoding: MimePartInfo | null;
  /** One English sentence saying why this is a hit. */
  explanation: string;
}

/** Hits of one rule in one message record (an evidence message, or a message embedded in it). */
export interface RuleMessageHit {
  /** SHA-256 of the evidence message. */
  sha256: string;
  /** For a message embedded in the evidence message: the MIME part paths leading to it, joined with "/", else null. */
  embeddedPath: string | null;
  /** SHA-256 of the embedded message's own octets, else null. */
  embeddedSha256: string | null;
  matches: RuleMatch[];
}

/** A rule that could not finish on one message, for example a regex that ran out of time. */
export interface RuleAbort {
  sha256: string;
  embeddedPath: string | null;
  reason: string;
}

export interface RuleResult {
  id: string;
  name: string;
  /** Version of the rule as the pack states it. */
  version: number;
  severity: 'low' | 'medium' | 'high';
  tags: string[];
  /** Condition in words, e.g. "domains AND query". */
  type: string;
  /** False for a template rule that was listed but not run. */
  enabled: boolean;
  /** Number of evidence messages hit. */
  hits: number;
  /** SHA-256 of each evidence message hit, sorted. */
  messages: string[];
  details: RuleMessageHit[];
  aborted: RuleAbort[];
}

/**
 * The run record of one rule run. `contentSha256` is the SHA-256 (lower-case hex) of the UTF-8 bytes of
 * canonicalJson (sorted keys, no whitespace) of this object without the fields `ranAt` and `contentSha256`.
 * Two runs of the same pack on the same evidence therefore state the same hash. The 'rules-run' custody
 * entry names both this hash and the SHA-256 of the saved file (recordSha256), which also covers `ranAt`.
 */
export interface RuleRunResult {
  schemaVersion: number;
  appVersion: string;
  ranAt: string;
  /** SHA-256 of the rule pack's exact UTF-8 bytes. */
  rulesSha256: string;
  /** Name of the rule pack. */
  packName: string;
  /** SHA-256 of the sorted evidence hashes, each as 64 lower-case hex digits followed by "\n". */
  evidenceSha256: string;
  /** Number of evidence messages that evidenceSha256 covers. */
  messageCount: number;
  /** Evidence messages without a parsed record, which the rules could not check. */
  unparsed: string[];
  rules: RuleResult[];
  contentSha256: string;
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

/** Reviewer state of one message: tags, flag and notes, kept in the custody log as review entries. */
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
