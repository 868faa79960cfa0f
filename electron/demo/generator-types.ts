// Types shared by the parts of the demo mailbox generator: what was planted where, and the plan of one message
// before it is written out as RFC 5322 octets.
import type { DemoProfile } from './demo-profile.js';
import type { GeneratorCharset } from './generator-encoding.js';

/** One generated message; `index` counts from 0 and `raw` contains its exact octets with CRLF line endings. */
export interface GeneratedMessage {
  index: number;
  uidl: string;
  raw: Buffer;
}

/** Kinds of item the generator plants for detectors to find. */
export type PlantedKind =
  | 'competitor-domain'
  | 'lookalike-domain'
  | 'competitor-display-name'
  | 'webmail'
  | 'forward-to-own-name'
  | 'codeword'
  | 'payment-card'
  | 'iban'
  | 'ssn'
  | 'encrypted-zip'
  | 'encrypted-pdf'
  | 'image'
  | 'type-mismatch'
  | 'executable';

/**
 * One planted occurrence. Its `value` depends on the kind:
 * - competitor-domain, lookalike-domain: the address's domain in lower-case ASCII;
 * - competitor-display-name: the display name;
 * - webmail, forward-to-own-name: the recipient's address;
 * - codeword: the code word as listed in DEMO_PROFILE.codewords;
 * - payment-card, iban, ssn: the text exactly as written;
 * - encrypted-zip, encrypted-pdf, image, type-mismatch, executable: the attachment's file name.
 */
export interface PlantedItem {
  kind: PlantedKind;
  value: string;
  messageIndex: number;
  uidl: string;
  /**
   * Header name in lower case (e.g. "to", "reply-to", "return-path"), "subject", "body", or
   * "attachment:<filename>". "body" is the message's body text; when a multipart/alternative message carries
   * the item in both its plain and its HTML part, that is one occurrence.
   */
  location: string;
}

/** A planted item a correct detector must NOT report, with the reason. */
export interface NearMiss {
  kind: PlantedKind;
  value: string;
  messageIndex: number;
  uidl: string;
  location: string;
  why: string;
}

/** Summary of one generated message in the ground truth. */
export interface GroundTruthMessage {
  index: number;
  uidl: string;
  sha256: string;
  size: number;
  subject: string;
  /** Date header value as a UTC ISO timestamp. */
  date: string;
}

/** Everything the generator planted in messages 0 to count - 1, for exact precision and recall tests. */
export interface GroundTruth {
  seed: number;
  count: number;
  attachments: boolean;
  profile: DemoProfile;
  planted: PlantedItem[];
  nearMisses: NearMiss[];
  messages: GroundTruthMessage[];
}

/** Options of the generator. */
export interface MailboxGeneratorOptions {
  seed: number;
  count: number;
  /** Whether messages carry attachments; false keeps messages at about 2 KB for benchmarks. Default true. */
  attachments?: boolean;
  /** Date of message 0 as an ISO timestamp; later messages follow at about 97-minute steps. */
  startDate?: string;
}

/** A mailbox owner, correspondent or recipient as written in a header. */
export interface PlanAddress {
  name: string;
  address: string;
  /** Charset of the display name's encoded-word when the name is not ASCII. */
  charset?: GeneratorCharset;
}

/** Layout and transfer encoding of the body. */
export type BodyFormat =
  | 'plain-7bit'
  | 'plain-8bit'
  | 'plain-qp'
  | 'plain-base64'
  | 'alternative-qp'
  | 'alternative-base64'
  | 'html-qp';

/** An attachment to build; `build` runs only when the message is written. */
export interface PlanAttachment {
  filename: string;
  contentType: string;
  build: () => Promise<Buffer>;
}

/** A planted item or near miss of a plan, before the message's index and UIDL are added. */
export interface PlanItem {
  kind: PlantedKind;
  value: string;
  location: string;
  /** Set for near misses only. */
  why?: string;
}

/** Everything needed to write one message. */
export interface MessagePlan {
  index: number;
  date: Date;
  /** UTC offset of the sender, in minutes. */
  offsetMinutes: number;
  from: PlanAddress;
  to: PlanAddress[];
  cc: PlanAddress[];
  bcc: PlanAddress[];
  replyTo: PlanAddress | null;
  returnPath: string;
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  charset: GeneratorCharset;
  format: BodyFormat;
  /** Body paragraphs; each is word-wrapped, and a "\n" inside one forces a line break there. */
  paragraphs: string[];
  /** Lines written as they are after the paragraphs: closing, signature and quoted text. */
  trailer: string[];
  attachments: PlanAttachment[];
  planted: PlanItem[];
  nearMisses: PlanItem[];
  xMailer: string | null;
}
