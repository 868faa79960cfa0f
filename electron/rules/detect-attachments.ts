// Attachment detector: content a filter cannot read or that hides what it is. Reads the attachment truth
// table, the content flags parsing set (for attachments, archive members and the message), and sizes.
import type { AttachmentKind, AttachmentsCondition } from '../../shared/rules-types.js';
import type { AttachmentSummary, ContentFlag, ContentFlagKind, MessageRecord, RuleMatch } from '../../shared/types.js';
import { partInfo } from './message-texts.js';
import { quote } from './text-match.js';

/** Content flag kinds each attachment kind stands for. */
const FLAG_KINDS: Partial<Record<AttachmentKind, readonly ContentFlagKind[]>> = {
  'type-mismatch': ['type-mismatch'],
  'encrypted-zip': ['encrypted-zip'],
  'encrypted-pdf': ['encrypted-pdf'],
  'encrypted-office': ['encrypted-office'],
  'encrypted-archive': ['encrypted-archive'],
  'encrypted-message': ['smime-encrypted', 'pgp-encrypted'],
  image: ['image'],
  executable: ['executable'],
};

const KIND_WORDS: Record<AttachmentKind, string> = {
  'type-mismatch': 'its true type differs from its name or declared type',
  'encrypted-zip': 'it is an encrypted ZIP archive',
  'encrypted-pdf': 'it is an encrypted PDF',
  'encrypted-office': 'it is an encrypted Office document',
  'encrypted-archive': 'it is a password-protected archive',
  'encrypted-message': 'it is encrypted with S/MIME or OpenPGP',
  image: 'it is an image, whose text a content filter cannot read',
  executable: 'it is an executable program',
  'size-over': 'it is larger than the limit',
};

/** Runs an attachments condition on one record. Each (kind, location) pair gives at most one hit. */
export function runAttachmentsDetector(condition: AttachmentsCondition, record: MessageRecord, limit: number): RuleMatch[] {
  const matches: RuleMatch[] = [];
  const seen = new Set<string>();
  const add = (match: RuleMatch): void => {
    const key = `${match.kind}\u0000${match.partPath ?? ''}\u0000${match.member ?? ''}`;
    if (seen.has(key) || matches.length >= limit) return;
    seen.add(key);
    matches.push(match);
  };

  const flags = allFlags(record);
  for (const kind of condition.kinds) {
    if (kind === 'size-over') {
      for (const attachment of record.attachments ?? []) {
        if (attachment.size > condition.maxSize) add(sizeMatch(record, attachment, condition.maxSize));
      }
      continue;
    }

    const flagKinds = FLAG_KINDS[kind] ?? [];
    for (const flag of flags) {
      if (!flagKinds.includes(flag.kind)) continue;
      const { partPath, member } = splitLocation(flag.location);
      if (member !== null && !condition.inArchives) continue;
      add(flagMatch(record, kind, flag, partPath, member));
    }
  }
  return matches;
}

/** Collects the record's flags and each attachment's, without repeats; parsing may list a flag in both. */
function allFlags(record: MessageRecord): ContentFlag[] {
  const seen = new Set<string>();
  const out: ContentFlag[] = [];
  for (const flag of [...(record.flags ?? []), ...(record.attachments ?? []).flatMap((attachment) => attachment.flags ?? [])]) {
    const key = `${flag.kind}\u0000${flag.location}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(flag);
  }
  return out;
}

/** Splits a flag location "2!docs/a.zip!b.exe" into the MIME part path and the archive member path. */
function splitLocation(location: string): { partPath: string; member: string | null } {
  const bang = location.indexOf('!');
  if (bang < 0) return { partPath: location, member: null };
  return { partPath: location.slice(0, bang), member: location.slice(bang + 1) };
}

function attachmentAt(record: MessageRecord, partPath: string): AttachmentSummary | undefined {
  return (record.attachments ?? []).find((attachment) => attachment.partPath === partPath);
}

function flagMatch(record: MessageRecord, kind: AttachmentKind, flag: ContentFlag, partPath: string, member: string | null): RuleMatch {
  const attachment = attachmentAt(record, partPath);
  const name = attachment?.filename ?? `MIME part ${partPath}`;
  const subject = member === null ? `The attachment ${quote(name)}` : `The member ${quote(member)} inside the archive ${quote(name)}`;
  const field = attachment === undefined && member === null ? 'message' : `attachment:${name}${member === null ? '' : `!${member}`}`;
  const reason = kind === 'type-mismatch' && member === null && attachment?.truth.mismatchReason ? attachment.truth.mismatchReason : flag.detail;

  return {
    detector: 'attachments',
    kind,
    field,
    area: attachment === undefined && member === null ? 'message' : 'attachment',
    header: null,
    partPath,
    member,
    start: null,
    end: null,
    value: member ?? name,
    entry: kind,
    confidence: 'high',
    decoding: partInfo(record, partPath),
    explanation: `${subject} (MIME part ${partPath}) is flagged because ${KIND_WORDS[kind]}: ${reason.trim().replace(/\.?$/, '.')}`,
  };
}

function sizeMatch(record: MessageRecord, attachment: AttachmentSummary, maxSize: number): RuleMatch {
  const name = attachment.filename ?? `MIME part ${attachment.partPath}`;
  return {
    detector: 'attachments',
    kind: 'size-over',
    field: `attachment:${name}`,
    area: 'attachment',
    header: null,
    partPath: attachment.partPath,
    member: null,
    start: null,
    end: null,
    value: name,
    entry: `> ${maxSize} octets`,
    confidence: 'high',
    decoding: partInfo(record, attachment.partPath),
    explanation: `The attachment ${quote(name)} (MIME part ${attachment.partPath}) is ${attachment.size} octets, more than the limit of ${maxSize} octets.`,
  };
}
