// Reviewer tags, flags and notes. Each change is a custody-log entry, so the review trail is hash-chained
// with the acquisition trail and a bundle can carry exactly what reviewers recorded and when.
import { MailcaseError } from '../../shared/errors.js';
import type { ReviewState } from '../../shared/types.js';
import type { CustodyEntry } from '../evidence/custody-log.js';
import type { CaseStore } from '../evidence/case-store.js';

/** Maximum tag length in characters; tags are short labels such as "competitor" or "privileged". */
export const MAX_TAG_CHARS = 64;
/** Maximum note length in characters. */
export const MAX_NOTE_CHARS = 10_000;

export const REVIEW_ENTRY_TYPES = {
  tagAdded: 'review-tag-added',
  tagRemoved: 'review-tag-removed',
  flagSet: 'review-flag-set',
  noteAdded: 'review-note-added',
} as const;

const REVIEW_TYPES: ReadonlySet<string> = new Set(Object.values(REVIEW_ENTRY_TYPES));
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
// Control characters would make tags unreadable in reports and load files.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** Returns true for custody entries written by the review functions. */
export function isReviewEntry(entry: Pick<CustodyEntry, 'type'>): boolean {
  return REVIEW_TYPES.has(entry.type);
}

/** Adds a tag to a stored message. Adding a tag it already has changes nothing and logs nothing. */
export async function addTag(store: CaseStore, sha256: string, tag: string): Promise<ReviewState> {
  const cleanTag = checkTag(tag);
  const state = await currentState(store, sha256);
  if (state.tags.includes(cleanTag)) return state;

  await store.custodyLog.append(REVIEW_ENTRY_TYPES.tagAdded, { sha256, tag: cleanTag });
  return { ...state, tags: [...state.tags, cleanTag].sort() };
}

/**
 * Adds many tags at once with one read of the custody log and one batched append, for rule runs that tag
 * thousands of messages. Tags a message already has are skipped; returns how many tags were added.
 */
export async function addTags(store: CaseStore, items: readonly { sha256: string; tag: string }[]): Promise<number> {
  const states = await loadReviewStates(store);
  const isStored = new Map<string, boolean>();
  const entries: { type: string; data: Record<string, unknown> }[] = [];
  for (const item of items) {
    const cleanTag = checkTag(item.tag);
    checkSha256(item.sha256);
    if (!isStored.has(item.sha256)) isStored.set(item.sha256, await store.hasMessage(item.sha256));
    if (!isStored.get(item.sha256)) throw messageNotFound(item.sha256);

    const state = states.get(item.sha256) ?? { sha256: item.sha256, tags: [], flagged: false, notes: [] };
    if (state.tags.includes(cleanTag)) continue;
    state.tags.push(cleanTag);
    states.set(item.sha256, state);
    entries.push({ type: REVIEW_ENTRY_TYPES.tagAdded, data: { sha256: item.sha256, tag: cleanTag } });
  }
  if (entries.length > 0) await store.custodyLog.appendMany(entries);
  return entries.length;
}

/** Removes a tag from a stored message. Removing a tag it does not have changes nothing and logs nothing. */
export async function removeTag(store: CaseStore, sha256: string, tag: string): Promise<ReviewState> {
  const cleanTag = checkTag(tag);
  const state = await currentState(store, sha256);
  if (!state.tags.includes(cleanTag)) return state;

  await store.custodyLog.append(REVIEW_ENTRY_TYPES.tagRemoved, { sha256, tag: cleanTag });
  return { ...state, tags: state.tags.filter((item) => item !== cleanTag) };
}

/** Sets or clears the review flag of a stored message. */
export async function setFlagged(store: CaseStore, sha256: string, flagged: boolean): Promise<ReviewState> {
  const state = await currentState(store, sha256);
  if (state.flagged === flagged) return state;

  await store.custodyLog.append(REVIEW_ENTRY_TYPES.flagSet, { sha256, flagged });
  return { ...state, flagged };
}

/** Appends a note to a stored message. Notes are never edited or removed: a correction is a new note. */
export async function addNote(store: CaseStore, sha256: string, text: string): Promise<ReviewState> {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new MailcaseError('INVALID_INPUT', 'Empty review note', { userMessage: 'Write a note before saving it.' });
  }
  if (trimmed.length > MAX_NOTE_CHARS) {
    throw new MailcaseError('INVALID_INPUT', `Review note too long: ${trimmed.length} characters`, {
      userMessage: `A note can hold at most ${MAX_NOTE_CHARS} characters; this one has ${trimmed.length}.`,
    });
  }
  const state = await currentState(store, sha256);
  const entry = await store.custodyLog.append(REVIEW_ENTRY_TYPES.noteAdded, { sha256, text: trimmed });
  return { ...state, notes: [...state.notes, { at: entry.time, text: trimmed }] };
}

/**
 * Replays the review entries of the custody log into one state per message that has any. Messages no
 * reviewer touched are absent from the map.
 */
export async function loadReviewStates(store: CaseStore): Promise<Map<string, ReviewState>> {
  return replayReviewEntries(await store.custodyLog.readAll());
}

/** Replays review entries, in log order, into one state per message. Entries of other types are ignored. */
export function replayReviewEntries(entries: readonly CustodyEntry[]): Map<string, ReviewState> {
  const states = new Map<string, ReviewState>();
  for (const entry of entries) {
    if (!isReviewEntry(entry)) continue;

    const sha256 = entry.data['sha256'];
    if (typeof sha256 !== 'string') continue;

    const state = states.get(sha256) ?? { sha256, tags: [], flagged: false, notes: [] };
    applyEntry(state, entry);
    states.set(sha256, state);
  }
  for (const state of states.values()) state.tags.sort();
  return states;
}

function applyEntry(state: ReviewState, entry: CustodyEntry): void {
  const { tag, flagged, text } = entry.data;
  switch (entry.type) {
    case REVIEW_ENTRY_TYPES.tagAdded:
      if (typeof tag === 'string' && !state.tags.includes(tag)) state.tags.push(tag);
      break;
    case REVIEW_ENTRY_TYPES.tagRemoved:
      if (typeof tag === 'string') state.tags = state.tags.filter((item) => item !== tag);
      break;
    case REVIEW_ENTRY_TYPES.flagSet:
      if (typeof flagged === 'boolean') state.flagged = flagged;
      break;
    case REVIEW_ENTRY_TYPES.noteAdded:
      if (typeof text === 'string') state.notes.push({ at: entry.time, text });
      break;
  }
}

async function currentState(store: CaseStore, sha256: string): Promise<ReviewState> {
  checkSha256(sha256);
  if (!(await store.hasMessage(sha256))) throw messageNotFound(sha256);

  const states = await loadReviewStates(store);
  return states.get(sha256) ?? { sha256, tags: [], flagged: false, notes: [] };
}

function checkSha256(sha256: string): void {
  if (!SHA256_PATTERN.test(sha256)) {
    throw new MailcaseError('INVALID_INPUT', `Invalid SHA-256: ${sha256.slice(0, 80)}`, {
      userMessage: 'A message is named by its SHA-256: 64 lower-case hexadecimal characters.',
    });
  }
}

function messageNotFound(sha256: string): MailcaseError {
  return new MailcaseError('MESSAGE_NOT_FOUND', `Message ${sha256} not found in the case`, {
    userMessage: `The case contains no message with SHA-256 ${sha256}.`,
  });
}

function checkTag(tag: string): string {
  const trimmed = tag.trim();
  if (trimmed === '' || trimmed.length > MAX_TAG_CHARS || CONTROL_CHARS.test(trimmed)) {
    throw new MailcaseError('INVALID_INPUT', `Invalid tag ${JSON.stringify(trimmed.slice(0, 80))}`, {
      userMessage: `A tag is 1 to ${MAX_TAG_CHARS} characters without line breaks or control characters.`,
    });
  }
  return trimmed;
}
