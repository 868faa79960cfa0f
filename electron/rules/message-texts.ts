// Lists the texts of a message record that content detectors read (subject, body, attachment and archive
// member text, attachment file names), each with where it sits, so hits can name the place and offsets.
import type { MessageRecord, MimePartInfo, RuleMatch } from '../../shared/types.js';
import type { TextArea } from '../../shared/rules-types.js';

/** One text of a message and its place: enough to build the location fields of a RuleMatch. */
export interface MessageText {
  area: TextArea;
  text: string;
  /** Short label, e.g. "subject", "body", "attachment:report.pdf", "attachment:a.zip!b.txt". */
  field: string;
  header: string | null;
  partPath: string | null;
  member: string | null;
  decoding: MimePartInfo | null;
}

/** Location fields of a hit, as RuleMatch stores them. */
export type MatchLocation = Pick<RuleMatch, 'field' | 'area' | 'header' | 'partPath' | 'member' | 'decoding'>;

/** A message record together with its place in the evidence message. */
export interface RecordInContext {
  record: MessageRecord;
  /** SHA-256 of the evidence message the record belongs to. */
  evidenceSha256: string;
  /** MIME part paths leading to an embedded record, joined with "/", or null for the evidence message itself. */
  embeddedPath: string | null;
}

/** Lists a record and every record embedded in it, depth first, each with its embedded path. */
export function flattenRecord(record: MessageRecord): RecordInContext[] {
  const out: RecordInContext[] = [];
  const visit = (current: MessageRecord, embeddedPath: string | null): void => {
    out.push({ record: current, evidenceSha256: record.sha256, embeddedPath });
    for (const child of current.embedded ?? []) {
      const step = child.parent?.partPath ?? '?';
      visit(child, embeddedPath === null ? step : `${embeddedPath}/${step}`);
    }
  };
  visit(record, null);
  return out;
}

/** Returns the decoding chain entry of a MIME part, or null when the record does not list it. */
export function partInfo(record: MessageRecord, partPath: string | null): MimePartInfo | null {
  if (partPath === null) return null;
  return (record.parts ?? []).find((part) => part.path === partPath) ?? null;
}

/** Lists the texts of one record (not its embedded records) in a fixed order, limited to the given areas. */
export function messageTexts(record: MessageRecord, areas: readonly TextArea[]): MessageText[] {
  const selected = new Set(areas);
  const texts: MessageText[] = [];

  if (selected.has('subject') && record.subject) {
    texts.push({ area: 'subject', text: record.subject, field: 'subject', header: 'subject', partPath: null, member: null, decoding: null });
  }
  if (selected.has('body') && record.text) {
    const partPath = record.textPartPath ?? null;
    texts.push({ area: 'body', text: record.text, field: 'body', header: null, partPath, member: null, decoding: partInfo(record, partPath) });
  }

  for (const attachment of record.attachments ?? []) {
    const name = attachment.filename ?? attachment.partPath;
    const decoding = partInfo(record, attachment.partPath);
    if (selected.has('filename') && attachment.filename) {
      texts.push({ area: 'filename', text: attachment.filename, field: `filename:${name}`, header: null, partPath: attachment.partPath, member: null, decoding });
    }
    if (!selected.has('attachment')) continue;

    if (attachment.text) {
      texts.push({ area: 'attachment', text: attachment.text, field: `attachment:${name}`, header: null, partPath: attachment.partPath, member: null, decoding });
    }
    for (const member of attachment.members ?? []) {
      if (!member.text) continue;
      texts.push({ area: 'attachment', text: member.text, field: `attachment:${name}!${member.path}`, header: null, partPath: attachment.partPath, member: member.path, decoding });
    }
  }
  return texts;
}

/** Returns the location fields of a hit in a text; the area "subject" is reported as a header. */
export function locationOf(text: MessageText): MatchLocation {
  return {
    field: text.field,
    area: text.area === 'subject' ? 'header' : text.area,
    header: text.header,
    partPath: text.partPath,
    member: text.member,
    decoding: text.decoding,
  };
}

/** Describes a text's place in words for explanations: "the subject", "the body text (part 1)", ... */
export function describePlace(text: Pick<MessageText, 'area' | 'partPath' | 'member' | 'field'>): string {
  switch (text.area) {
    case 'subject':
      return 'the subject';
    case 'body':
      return text.partPath === null ? 'the body text' : `the body text (MIME part ${text.partPath})`;
    case 'filename':
      return `the file name of the attachment in MIME part ${text.partPath ?? '?'}`;
    case 'attachment': {
      const name = text.field.slice('attachment:'.length);
      return text.member === null
        ? `the text of attachment "${name}" (MIME part ${text.partPath ?? '?'})`
        : `the text of archive member "${text.member}" in attachment "${name.split('!')[0] ?? name}" (MIME part ${text.partPath ?? '?'})`;
    }
  }
}
