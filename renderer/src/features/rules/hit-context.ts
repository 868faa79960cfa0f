// Finds the text a rule hit points into (subject, body, attachment or archive member text, display name)
// and cuts the surrounding context, so the Rules panel can show the hit highlighted where it was found.
import type { MessageRecord, RuleMatch, RuleMessageHit } from '../../../../shared/types.js';

/** Characters of context shown on each side of a highlighted hit. */
export const HIT_CONTEXT_CHARS = 120;

/** Text around a hit: before, the matched text itself, and after; ellipses mark cut ends. */
export interface HitContext {
  before: string;
  match: string;
  after: string;
}

/** Returns the record a hit belongs to: the evidence message, or the message embedded in it at the hit's embedded path. */
export function recordOfHit(record: MessageRecord, hit: Pick<RuleMessageHit, 'embeddedPath'>): MessageRecord | null {
  if (hit.embeddedPath === null) return record;

  let current: MessageRecord | undefined = record;
  for (const step of hit.embeddedPath.split('/')) {
    current = current?.embedded.find((child) => child.parent?.partPath === step);
    if (current === undefined) return null;
  }
  return current;
}

/** Returns the text a match's offsets refer to, or null when the match has no offsets or the text is gone. */
export function textOfMatch(record: MessageRecord, match: RuleMatch): string | null {
  if (match.start === null || match.end === null) return null;

  switch (match.area) {
    case 'header':
      // Subject hits point into the subject; display-name hits point into the display name, kept as the value.
      return match.header === 'subject' ? record.subject : match.value;
    case 'body':
      return record.text;
    case 'filename':
      return record.attachments.find((attachment) => attachment.partPath === match.partPath)?.filename ?? null;
    case 'attachment': {
      const attachment = record.attachments.find((item) => item.partPath === match.partPath);
      if (attachment === undefined) return null;
      if (match.member === null) return attachment.text;
      return attachment.members.find((member) => member.path === match.member)?.text ?? null;
    }
    case 'message':
      return null;
  }
}

/** Cuts the context around a match, or returns null when the offsets do not fit the text (the record changed since the run). */
export function contextOf(text: string, match: Pick<RuleMatch, 'start' | 'end' | 'value'>, radius = HIT_CONTEXT_CHARS): HitContext | null {
  if (match.start === null || match.end === null || match.end > text.length) return null;
  const matched = text.slice(match.start, match.end);
  if (matched !== match.value && match.value !== text) return null;

  const from = Math.max(0, match.start - radius);
  const to = Math.min(text.length, match.end + radius);
  return {
    before: `${from > 0 ? '…' : ''}${text.slice(from, match.start)}`,
    match: matched,
    after: `${text.slice(match.end, to)}${to < text.length ? '…' : ''}`,
  };
}
