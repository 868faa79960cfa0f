// Shapes of the investigator's query language and of search results, shared by the search service, the CLI
// and the renderer (which shows parse trees and highlighted snippets).

/** Fields whose words are in the full-text index. A term without a field searches all of them. */
export const TEXT_FIELDS = ['subject', 'body', 'attachment'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** Fields matched against the addresses of a message; participant means any address field. */
export const ADDRESS_FIELDS = ['from', 'to', 'cc', 'bcc', 'participant'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];

/** Result order: best score first, or newest first (messages without a date last). */
export type SearchSort = 'relevance' | 'date';

/** Character range of a query node in the query text: start inclusive, end exclusive. */
export interface QuerySpan {
  start: number;
  end: number;
}

/** A word to find in the text fields. `fuzzy` is the edit distance, or 0 for an exact (stemmed) match. */
export interface TermNode extends QuerySpan {
  kind: 'term';
  field: TextField | null;
  text: string;
  wildcard: boolean;
  fuzzy: number;
}

/** Words that must follow each other in the text, separated only by whitespace, line breaks or punctuation. */
export interface PhraseNode extends QuerySpan {
  kind: 'phrase';
  field: TextField | null;
  words: string[];
}

/**
 * Two words or phrases at most `distance` words apart in the same text. `ordered` (ADJ/n) requires the
 * left one first; NEAR/n accepts either order.
 */
export interface ProximityNode extends QuerySpan {
  kind: 'proximity';
  distance: number;
  ordered: boolean;
  left: TermNode | PhraseNode;
  right: TermNode | PhraseNode;
}

export interface AndNode extends QuerySpan {
  kind: 'and';
  children: QueryNode[];
}

export interface OrNode extends QuerySpan {
  kind: 'or';
  children: QueryNode[];
}

export interface NotNode extends QuerySpan {
  kind: 'not';
  child: QueryNode;
}

/** An address field condition: a whole address, its local part, its domain or a word of the display name. */
export interface AddressNode extends QuerySpan {
  kind: 'address';
  field: AddressField;
  value: string;
  wildcard: boolean;
}

/** A domain in any address field, subdomains included. */
export interface DomainNode extends QuerySpan {
  kind: 'domain';
  value: string;
}

/** An attachment file name: the whole name or a word of it. */
export interface FilenameNode extends QuerySpan {
  kind: 'filename';
  value: string;
  wildcard: boolean;
}

/** The true type of an attachment, detected from its bytes (a file extension such as "pdf"). */
export interface FiletypeNode extends QuerySpan {
  kind: 'filetype';
  value: string;
}

export interface HasAttachmentNode extends QuerySpan {
  kind: 'has-attachment';
}

export interface IsEncryptedNode extends QuerySpan {
  kind: 'is-encrypted';
}

export interface IsFlaggedNode extends QuerySpan {
  kind: 'is-flagged';
}

export interface TagNode extends QuerySpan {
  kind: 'tag';
  value: string;
}

/** Messages dated in [from, to): UTC milliseconds, null for an open end. Messages without a date never match. */
export interface DateNode extends QuerySpan {
  kind: 'date';
  from: number | null;
  to: number | null;
}

/** Message size in octets compared with `bytes`. */
export interface SizeNode extends QuerySpan {
  kind: 'size';
  operator: '<' | '<=' | '=' | '>=' | '>';
  bytes: number;
}

export type QueryNode =
  | TermNode
  | PhraseNode
  | ProximityNode
  | AndNode
  | OrNode
  | NotNode
  | AddressNode
  | DomainNode
  | FilenameNode
  | FiletypeNode
  | HasAttachmentNode
  | IsEncryptedNode
  | IsFlaggedNode
  | TagNode
  | DateNode
  | SizeNode;

/** Character range of a highlighted match inside the extracted text of one part. */
export interface HighlightRange {
  start: number;
  end: number;
}

/**
 * An excerpt of the text a hit was found in. `excerptStart` and every highlight are offsets into the whole
 * extracted text of that part (the body text, the subject, or one attachment's text), not into `excerpt`.
 */
export interface SearchSnippet {
  source: 'subject' | 'body' | 'attachment';
  /** MIME path of the part the text came from, or null for the subject. */
  partPath: string | null;
  excerpt: string;
  excerptStart: number;
  highlights: HighlightRange[];
}
