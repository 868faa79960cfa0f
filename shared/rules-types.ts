// Types of the rule pack format (version 2): rules, their conditions and the detectors a condition can use.
// shared/rules-schema.ts checks untrusted JSON against these shapes with zod.

export const RULE_SEVERITIES = ['low', 'medium', 'high'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

/** Level of certainty that a hit is real, graded in the manner of DLP sensitive-information types. */
export const HIT_CONFIDENCES = ['low', 'medium', 'high'] as const;
export type HitConfidence = (typeof HIT_CONFIDENCES)[number];

/** Header fields the domain detector reads, lower case as in the hit's `header`. */
export const DOMAIN_HEADERS = ['from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'return-path'] as const;
export type DomainHeader = (typeof DOMAIN_HEADERS)[number];

/** Kinds of domain hit: listed domains, their look-alikes, and display names that name them. */
export const DOMAIN_MATCH_KINDS = ['domain', 'lookalike', 'display-name'] as const;
export type DomainMatchKind = (typeof DOMAIN_MATCH_KINDS)[number];

/** Texts a content detector reads: the subject, the body text, attachment text (archive members included), attachment file names. */
export const TEXT_AREAS = ['subject', 'body', 'attachment', 'filename'] as const;
export type TextArea = (typeof TEXT_AREAS)[number];

/** Kinds of webmail hit: mail to personal webmail, and mail to an address with the suspect's own name. */
export const WEBMAIL_MATCH_KINDS = ['to-webmail', 'forward-to-own-name'] as const;
export type WebmailMatchKind = (typeof WEBMAIL_MATCH_KINDS)[number];

/** Attachment properties the attachment detector checks. */
export const ATTACHMENT_KINDS = [
  'type-mismatch',
  'encrypted-zip',
  'encrypted-pdf',
  'encrypted-office',
  'encrypted-archive',
  'encrypted-message',
  'image',
  'executable',
  'size-over',
] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** Supporting keywords near a hit raise its confidence one level. */
export interface SupportOptions {
  supporting: string[];
  /** Maximum distance between the hit and a supporting keyword, in characters. */
  proximity: number;
  /** Hits below this confidence are dropped. */
  minConfidence: HitConfidence;
}

export interface DomainsCondition {
  type: 'domains';
  domains: string[];
  /** Company names looked for in display names, besides the domains themselves. */
  names: string[];
  match: DomainMatchKind[];
  headers: DomainHeader[];
}

export interface WebmailCondition {
  type: 'webmail';
  /** Personal webmail domains (subdomains included). */
  domains: string[];
  /** The suspect's own addresses (work and personal); mail from one of them is mail from the suspect. */
  suspectAddresses: string[];
  /** The suspect's names as they may appear in a personal address, e.g. "Martin Keller". */
  suspectNames: string[];
  match: WebmailMatchKind[];
}

export interface KeywordsCondition extends SupportOptions {
  type: 'keywords';
  keywords: string[];
  in: TextArea[];
}

export interface RegexCondition {
  type: 'regex';
  pattern: string;
  /** Extra RegExp flags: any of "i", "m", "s" (default "i"). "g" and "u" are always set. */
  flags: string;
  in: TextArea[];
}

export interface PaymentCardCondition extends SupportOptions {
  type: 'payment-card';
  in: TextArea[];
}

export interface IbanCondition extends SupportOptions {
  type: 'iban';
  in: TextArea[];
}

export interface SsnCondition extends SupportOptions {
  type: 'ssn';
  in: TextArea[];
}

export interface EmailListCondition extends SupportOptions {
  type: 'email-list';
  addresses: string[];
  in: TextArea[];
}

export interface PhoneListCondition extends SupportOptions {
  type: 'phone-list';
  numbers: string[];
  in: TextArea[];
}

export interface AttachmentsCondition {
  type: 'attachments';
  kinds: AttachmentKind[];
  /** Size in octets above which 'size-over' hits. */
  maxSize: number;
  /** Also check members inside archive attachments. */
  inArchives: boolean;
}

export interface QueryCondition {
  type: 'query';
  /** A query in the search language, evaluated with searchCase over the whole case. */
  query: string;
}

export interface AllCondition {
  type: 'all';
  of: Condition[];
}

export interface AnyCondition {
  type: 'any';
  of: Condition[];
}

export interface NotCondition {
  type: 'not';
  condition: Condition;
}

export type DetectorCondition =
  | DomainsCondition
  | WebmailCondition
  | KeywordsCondition
  | RegexCondition
  | PaymentCardCondition
  | IbanCondition
  | SsnCondition
  | EmailListCondition
  | PhoneListCondition
  | AttachmentsCondition;

export type Condition = DetectorCondition | QueryCondition | AllCondition | AnyCondition | NotCondition;

export interface PackRule {
  id: string;
  name: string;
  /** Version of this rule, raised by the editor of its condition. Hits name it. */
  version: number;
  severity: RuleSeverity;
  /** Reviewer tags added to every message the rule hits. */
  tags: string[];
  /** A disabled rule is a template: it is listed but not run. */
  enabled: boolean;
  description: string;
  condition: Condition;
}

export interface RulePack {
  version: 2;
  name: string;
  description: string;
  rules: PackRule[];
}
