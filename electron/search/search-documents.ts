// Turns message records into search documents: one per record, embedded messages included. Each document has
// a compact metadata row for structured filters and the texts that lunr indexes and phrases are checked on.
import type { AddressEntry, MessageRecord } from '../../shared/types.js';

/** Address field numbers used in metadata rows; participant and domain conditions look at all of them. */
export const ADDRESS_FIELD_CODES = { from: 0, to: 1, cc: 2, bcc: 3, replyTo: 4 } as const;

/** Bits of DocumentMeta.bits. */
export const DOCUMENT_BITS = { hasAttachment: 1, encrypted: 2 } as const;

/** Content flag kinds that mean some content could not be read without a key or password. */
const ENCRYPTED_FLAG_KINDS: ReadonlySet<string> = new Set([
  'encrypted-zip',
  'encrypted-pdf',
  'encrypted-office',
  'encrypted-archive',
  'smime-encrypted',
  'pgp-encrypted',
]);

/** One address in a metadata row: field code, then lower-case display name, address, ASCII and Unicode domain. */
export type AddressRow = [number, string, string, string, string];

/** Structured data of one searchable record, kept in memory for every document of the case. */
export interface DocumentMeta {
  /** Record id: the stored message's SHA-256, or `${parent.sha256}/${partPath}` for an embedded message. */
  id: string;
  /** SHA-256 of the stored message (evidence file) the record belongs to. */
  root: string;
  /** Date as UTC milliseconds, or null. */
  date: number | null;
  size: number;
  subject: string;
  /** First From address as displayed in results. */
  from: string;
  bits: number;
  addresses: AddressRow[];
  /** Lower-case attachment file names. */
  filenames: string[];
  /** True types of attachments and archive members, detected from their bytes (lower-case extensions). */
  filetypes: string[];
}

/** One piece of text a document's words come from. */
export interface TextUnit {
  source: 'subject' | 'body' | 'attachment' | 'filename' | 'names';
  /** MIME path of the part, with "!member/path" for an archive member, or null for subject and names. */
  partPath: string | null;
  text: string;
}

/** The texts of one document, stored per segment for phrase checks and snippets. */
export interface DocumentText {
  units: TextUnit[];
}

/** A document as lunr indexes it; `ref` is the document's ordinal in the case. */
export interface LunrDocument {
  ref: string;
  subject: string;
  body: string;
  attachment: string;
  names: string;
}

/** Fields of the lunr index. `names` contains display names and addresses, for terms written without a field. */
export const LUNR_FIELDS = ['subject', 'body', 'attachment', 'names'] as const;

/** Returns the search documents of a stored message's record: the record itself, then its embedded records, depth first. */
export function documentsOfRecord(record: MessageRecord): { meta: DocumentMeta; text: DocumentText }[] {
  const documents: { meta: DocumentMeta; text: DocumentText }[] = [];
  const visit = (current: MessageRecord, id: string): void => {
    documents.push({ meta: metaOf(current, id, record.sha256), text: textOf(current) });
    for (const child of current.embedded ?? []) {
      const partPath = child.parent?.partPath ?? '?';
      visit(child, `${current.sha256}/${partPath}`);
    }
  };
  visit(record, record.sha256);
  return documents;
}

/** Builds the lunr document of a search document from its texts. */
export function toLunrDocument(ordinal: number, text: DocumentText): LunrDocument {
  const pick = (sources: ReadonlySet<TextUnit['source']>): string =>
    text.units
      .filter((unit) => sources.has(unit.source))
      .map((unit) => (unit.source === 'filename' ? withNameParts(unit.text) : unit.text))
      .join('\n');
  return {
    ref: String(ordinal),
    subject: pick(new Set(['subject'])),
    body: pick(new Set(['body'])),
    attachment: pick(new Set(['attachment', 'filename'])),
    names: pick(new Set(['names'])),
  };
}

function metaOf(record: MessageRecord, id: string, root: string): DocumentMeta {
  const dateMs = record.date === null ? Number.NaN : Date.parse(record.date);
  const attachments = record.attachments ?? [];
  const encrypted = (record.flags ?? []).some((flag) => ENCRYPTED_FLAG_KINDS.has(flag.kind));

  const filetypes = new Set<string>();
  for (const attachment of attachments) {
    if (attachment.truth?.detected) filetypes.add(attachment.truth.detected.ext.toLowerCase());
    for (const member of attachment.members ?? []) {
      if (member.detected) filetypes.add(member.detected.ext.toLowerCase());
    }
  }

  return {
    id,
    root,
    date: Number.isNaN(dateMs) ? null : dateMs,
    size: record.size,
    subject: record.subject ?? '',
    from: formatAddress(record.from?.[0]),
    bits: (attachments.length > 0 ? DOCUMENT_BITS.hasAttachment : 0) | (encrypted ? DOCUMENT_BITS.encrypted : 0),
    addresses: addressRows(record),
    filenames: attachmentNames(record),
    filetypes: [...filetypes].sort(),
  };
}

/** Lists the lower-case names of attachments and of named parts such as attached messages, without repeats. */
function attachmentNames(record: MessageRecord): string[] {
  const names = new Set<string>();
  for (const attachment of record.attachments ?? []) {
    if (attachment.filename) names.add(attachment.filename.toLowerCase());
  }
  for (const part of record.parts ?? []) {
    if (part.filename && part.role !== 'body-text' && part.role !== 'body-html') names.add(part.filename.toLowerCase());
  }
  return [...names];
}

function addressRows(record: MessageRecord): AddressRow[] {
  const rows: AddressRow[] = [];
  const add = (code: number, entries: AddressEntry[] | undefined): void => {
    for (const entry of entries ?? []) {
      rows.push([code, entry.name.toLowerCase(), entry.address.toLowerCase(), entry.domainAscii ?? '', entry.domainUnicode ?? '']);
    }
  };
  add(ADDRESS_FIELD_CODES.from, record.from);
  add(ADDRESS_FIELD_CODES.to, record.to);
  add(ADDRESS_FIELD_CODES.cc, record.cc);
  add(ADDRESS_FIELD_CODES.bcc, record.bcc);
  add(ADDRESS_FIELD_CODES.replyTo, record.replyTo);
  return rows;
}

function textOf(record: MessageRecord): DocumentText {
  const units: TextUnit[] = [];
  if (record.subject) units.push({ source: 'subject', partPath: null, text: record.subject });
  if (record.text) units.push({ source: 'body', partPath: record.textPartPath ?? '1', text: record.text });

  for (const attachment of record.attachments ?? []) {
    if (attachment.filename) units.push({ source: 'filename', partPath: attachment.partPath, text: attachment.filename });
    if (attachment.text) units.push({ source: 'attachment', partPath: attachment.partPath, text: attachment.text });
    for (const member of attachment.members ?? []) {
      if (member.text) units.push({ source: 'attachment', partPath: `${attachment.partPath}!${member.path}`, text: member.text });
    }
  }

  // One text per address, so a phrase never runs from one address into the next.
  for (const [, name, address] of addressRows(record)) {
    const line = `${name} ${withNameParts(address)}`.trim();
    if (line !== '') units.push({ source: 'names', partPath: null, text: line });
  }
  return { units };
}

/**
 * Appends the pieces of an address or file name, so a plain term such as "rival" finds bob@rival.example and
 * "report" finds q3.report.pdf.
 */
function withNameParts(name: string): string {
  const pieces = name.split(/[@._+]+/).filter((piece) => piece !== '');
  return pieces.length > 1 ? `${name} ${pieces.join(' ')}` : name;
}

/** Formats an address for a result row: "Name <address>", or whichever part exists. */
export function formatAddress(entry: AddressEntry | undefined): string {
  if (entry === undefined) return '';
  if (entry.name === '') return entry.address;
  if (entry.address === '') return entry.name;
  return `${entry.name} <${entry.address}>`;
}
