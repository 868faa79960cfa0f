// Evaluates a parsed query on a case's index. Words come from the lunr segments, structured conditions from the
// metadata table, and phrases and proximity are confirmed on the word sequences of the candidate documents.
import type { PhraseNode, ProximityNode, QueryNode, TermNode, TextField } from '../../shared/search-types.js';
import type { ReviewState } from '../../shared/types.js';
import { splitPhraseWords } from '../../shared/query-parser.js';
import type { AddressEntryRow } from './document-table.js';
import { ADDRESS_FIELD_CODES, DOCUMENT_BITS, LUNR_FIELDS, type TextUnit } from './search-documents.js';
import { UnusableIndexError, segmentWords, type CaseIndex, type Segment } from './segment-index.js';
import type { PostingVisitor, TermClause } from './segment-postings.js';
import type { SegmentWords } from './segment-words.js';
import { TERM_SEPARATOR, isIndexedWord } from './text-pipeline.js';

/** A set of documents by ordinal: 1 when the document is in the set. */
export type DocumentSet = Uint8Array;

/** File types that have a common second spelling; file-type reports the first. */
const FILETYPE_ALIASES: Record<string, string> = { jpeg: 'jpg', tif: 'tiff', htm: 'html' };

const ADDRESS_CODE_OF_FIELD: Record<string, number> = {
  from: ADDRESS_FIELD_CODES.from,
  to: ADDRESS_FIELD_CODES.to,
  cc: ADDRESS_FIELD_CODES.cc,
  bcc: ADDRESS_FIELD_CODES.bcc,
};

/** Text sources each text field covers; a word without a field looks in all of them. */
export const UNIT_SOURCES: Record<TextField | 'any', ReadonlySet<TextUnit['source']>> = {
  any: new Set(['subject', 'body', 'attachment', 'filename', 'names']),
  subject: new Set(['subject']),
  body: new Set(['body']),
  attachment: new Set(['attachment', 'filename']),
};

/** Evaluates one query on one loaded index, collecting a relevance score per document as it goes. */
export class QueryEvaluator {
  readonly scores: Float64Array;
  /** Per address condition, whether each distinct address matches: 1, 0, or -1 when not tested yet. */
  private readonly addressResults = new Map<QueryNode, Int8Array>();

  constructor(
    private readonly caseIndex: CaseIndex,
    private readonly reviewStates: ReadonlyMap<string, ReviewState> | null,
  ) {
    this.scores = new Float64Array(caseIndex.documents.length);
  }

  /** Returns the documents that match the whole query. */
  async run(node: QueryNode): Promise<DocumentSet> {
    const all = new Uint8Array(this.caseIndex.documents.length).fill(1);
    return this.evaluate(node, all, true);
  }

  /**
   * Returns the documents inside `mask` that match `node`. Scores are added only when `scoring` is set, so
   * words under NOT never raise a document's rank.
   */
  private async evaluate(node: QueryNode, mask: DocumentSet, scoring: boolean): Promise<DocumentSet> {
    switch (node.kind) {
      case 'and':
        return this.evaluateAnd(node.children, mask, scoring);
      case 'or': {
        const union = new Uint8Array(mask.length);
        for (const child of node.children) orInto(union, await this.evaluate(child, mask, scoring));
        return union;
      }
      case 'not': {
        const excluded = await this.evaluate(node.child, mask, false);
        const remaining = new Uint8Array(mask.length);
        for (let ordinal = 0; ordinal < mask.length; ordinal += 1) remaining[ordinal] = mask[ordinal] === 1 && excluded[ordinal] === 0 ? 1 : 0;
        return remaining;
      }
      case 'term':
        return this.evaluateTerm(node, mask, scoring);
      case 'phrase':
        return this.evaluatePhrase(node, mask, scoring);
      case 'proximity':
        return this.evaluateProximity(node, mask, scoring);
      default:
        return this.filter(mask, (ordinal) => this.matchesCondition(node, ordinal));
    }
  }

  /** Intersects the children, running those that read stored text last so they check as few documents as possible. */
  private async evaluateAnd(children: QueryNode[], mask: DocumentSet, scoring: boolean): Promise<DocumentSet> {
    const ordered = [...children].sort((a, b) => Number(readsText(a)) - Number(readsText(b)));
    let current = mask;
    for (const child of ordered) {
      current = await this.evaluate(child, current, scoring);
      if (!current.includes(1)) break;
    }
    return current;
  }

  private async evaluateTerm(node: TermNode, mask: DocumentSet, scoring: boolean): Promise<DocumentSet> {
    const pieces = node.wildcard || node.fuzzy > 0 ? [node.text] : node.text.split(TERM_SEPARATOR).filter((piece) => piece !== '');
    // A word that lunr's tokenizer would split, such as "q3-report", is the phrase of its pieces.
    if (pieces.length > 1) return this.evaluatePhrase({ ...node, kind: 'phrase', words: splitPhraseWords(node.text) }, mask, scoring);
    // Stop words and overlong words are not in the index, so such a word alone is checked on the words, as in a phrase.
    if (!node.wildcard && node.fuzzy === 0 && !isIndexedWord(node.text)) {
      return this.evaluatePhrase({ ...node, kind: 'phrase', words: splitPhraseWords(node.text) }, mask, scoring);
    }
    return this.lookUp(node, mask, scoring ? this.scores : null);
  }

  /** Returns the documents whose index contains the term, adding lunr's scores to `scores` when given. */
  private lookUp(node: TermNode, mask: DocumentSet, scores: Float64Array | null): DocumentSet {
    const found = new Uint8Array(mask.length);
    const clause = { text: node.text, fields: node.field === null ? LUNR_FIELDS : [node.field], wildcard: node.wildcard, fuzzy: node.fuzzy };
    for (const segment of this.caseIndex.segments) {
      // Words file loaded with the postings (loadSegments), so a wildcard adds the stems of the words it covers.
      const wordStems = node.wildcard && segment.words !== null ? segment.words.stemsOfPrefix(node.text) : undefined;
      searchSegment(segment, wordStems === undefined ? clause : { ...clause, wordStems }, (ordinal, score) => {
        if (mask[ordinal] !== 1) return;
        found[ordinal] = 1;
        if (scores !== null) scores[ordinal] = (scores[ordinal] ?? 0) + score;
      });
    }
    return found;
  }

  /** Returns the documents that contain every indexed word of the operand: a superset of the real matches. */
  private candidates(operand: TermNode | PhraseNode, mask: DocumentSet, scores: Float64Array | null): DocumentSet {
    if (operand.kind === 'term') {
      if (!operand.wildcard && !isIndexedWord(operand.text)) return mask.slice();
      return this.lookUp(operand, mask, scores);
    }

    let current = mask;
    for (const word of operand.words) {
      if (!isIndexedWord(word)) continue;
      const term: TermNode = { kind: 'term', field: operand.field, text: word, wildcard: false, fuzzy: 0, start: operand.start, end: operand.end };
      current = this.lookUp(term, current, scores);
    }
    return current === mask ? mask.slice() : current;
  }

  private async evaluatePhrase(node: PhraseNode, mask: DocumentSet, scoring: boolean): Promise<DocumentSet> {
    const candidateScores = new Float64Array(mask.length);
    const candidates = this.candidates(node, mask, candidateScores);
    const sources = UNIT_SOURCES[node.field ?? 'any'];
    return this.confirm(candidates, candidateScores, scoring, (words) => {
      const phrase = words.resolve(node);
      return phrase === null ? null : (offset) => words.contains(offset, sources, phrase);
    });
  }

  private async evaluateProximity(node: ProximityNode, mask: DocumentSet, scoring: boolean): Promise<DocumentSet> {
    const candidateScores = new Float64Array(mask.length);
    const left = this.candidates(node.left, mask, candidateScores);
    const both = this.candidates(node.right, left, candidateScores);
    const sources = UNIT_SOURCES[node.left.field ?? node.right.field ?? 'any'];
    return this.confirm(both, candidateScores, scoring, (words) => {
      const leftOperand = words.resolve(node.left);
      const rightOperand = words.resolve(node.right);
      if (leftOperand === null || rightOperand === null) return null;
      return (offset) => words.isNear(offset, sources, leftOperand, rightOperand, node.distance, node.ordered);
    });
  }

  /**
   * Keeps the candidates that pass a test on their word sequences. `prepare` resolves the operands against one
   * segment's vocabulary and returns the test for a document's place in the segment, or null when no document of
   * the segment can pass.
   */
  private async confirm(
    candidates: DocumentSet,
    candidateScores: Float64Array,
    scoring: boolean,
    prepare: (words: SegmentWords) => ((offset: number) => boolean) | null,
  ): Promise<DocumentSet> {
    const confirmed = new Uint8Array(candidates.length);
    for (const segment of this.caseIndex.segments) {
      if (!candidates.subarray(segment.first, segment.first + segment.count).includes(1)) continue;
      const test = prepare(await segmentWords(this.caseIndex, segment));
      if (test === null) continue;

      for (let offset = 0; offset < segment.count; offset += 1) {
        const ordinal = segment.first + offset;
        if (candidates[ordinal] !== 1 || !test(offset)) continue;
        confirmed[ordinal] = 1;
        if (scoring) this.scores[ordinal] = (this.scores[ordinal] ?? 0) + (candidateScores[ordinal] ?? 0);
      }
    }
    return confirmed;
  }

  private filter(mask: DocumentSet, test: (ordinal: number) => boolean): DocumentSet {
    const found = new Uint8Array(mask.length);
    for (let ordinal = 0; ordinal < mask.length; ordinal += 1) {
      if (mask[ordinal] === 1 && test(ordinal)) found[ordinal] = 1;
    }
    return found;
  }

  private matchesCondition(node: QueryNode, ordinal: number): boolean {
    const documents = this.caseIndex.documents;
    switch (node.kind) {
      case 'address': {
        const code = ADDRESS_CODE_OF_FIELD[node.field];
        return this.someAddress(node, ordinal, code, (row) => addressMatches(row, node.value, node.wildcard));
      }
      case 'domain':
        return this.someAddress(node, ordinal, undefined, (row) => domainMatches(row[2], node.value) || domainMatches(row[3], node.value));
      case 'filename':
        return (documents.filenames[ordinal] ?? []).some((name) => filenameMatches(name, node.value, node.wildcard));
      case 'filetype':
        return (documents.filetypes[ordinal] ?? []).includes(FILETYPE_ALIASES[node.value] ?? node.value);
      case 'has-attachment':
        return ((documents.bits[ordinal] ?? 0) & DOCUMENT_BITS.hasAttachment) !== 0;
      case 'is-encrypted':
        return ((documents.bits[ordinal] ?? 0) & DOCUMENT_BITS.encrypted) !== 0;
      case 'is-flagged':
        return this.reviewStates?.get(documents.roots[ordinal] ?? '')?.flagged === true;
      case 'tag': {
        const wanted = node.value.toLowerCase();
        return this.reviewStates?.get(documents.roots[ordinal] ?? '')?.tags.some((tag) => tag.toLowerCase() === wanted) === true;
      }
      case 'date': {
        const date = documents.dates[ordinal] ?? Number.NaN;
        return !Number.isNaN(date) && (node.from === null || date >= node.from) && (node.to === null || date < node.to);
      }
      case 'size':
        return compareSize(documents.sizes[ordinal] ?? 0, node.operator, node.bytes);
      default:
        return false;
    }
  }

  /**
   * Tells whether one of a document's addresses, in the field `code` or in any field, passes `test`. An address
   * recurs in many documents, so each distinct one is tested once per condition.
   */
  private someAddress(node: QueryNode, ordinal: number, code: number | undefined, test: (row: AddressEntryRow) => boolean): boolean {
    const documents = this.caseIndex.documents;
    let known = this.addressResults.get(node);
    if (known === undefined) {
      known = new Int8Array(documents.addresses.length).fill(-1);
      this.addressResults.set(node, known);
    }
    for (let at = documents.addressStarts[ordinal] ?? 0; at < (documents.addressStarts[ordinal + 1] ?? 0); at += 1) {
      if (code !== undefined && documents.addressFields[at] !== code) continue;
      const number = documents.addressNumbers[at] ?? 0;
      let result = known[number] ?? -1;
      if (result < 0) {
        const row = documents.addresses[number];
        result = row !== undefined && test(row) ? 1 : 0;
        known[number] = result;
      }
      if (result === 1) return true;
    }
    return false;
  }
}

/**
 * Looks a term clause up in one segment. Little is checked when a segment loads, so a damaged file can load and
 * still fail here. Such a failure means the index must be rebuilt.
 */
function searchSegment(segment: Segment, clause: TermClause, visit: PostingVisitor): void {
  try {
    if (segment.postings === null) throw new Error('the segment is not loaded');
    segment.postings.search(clause, visit);
  } catch (error) {
    throw new UnusableIndexError(`segment at document ${segment.first} could not be queried: ${(error as Error).message}`);
  }
}

/** Tells whether a query needs reviewer state (tags or flags) to be evaluated. */
export function needsReviewStates(node: QueryNode): boolean {
  if (node.kind === 'and' || node.kind === 'or') return node.children.some(needsReviewStates);
  if (node.kind === 'not') return needsReviewStates(node.child);
  return node.kind === 'tag' || node.kind === 'is-flagged';
}

function readsText(node: QueryNode): boolean {
  if (node.kind === 'and' || node.kind === 'or') return node.children.some(readsText);
  if (node.kind === 'not') return readsText(node.child);
  return node.kind === 'phrase' || node.kind === 'proximity' || (node.kind === 'term' && TERM_SEPARATOR.test(node.text));
}

function orInto(target: DocumentSet, source: DocumentSet): void {
  for (let ordinal = 0; ordinal < target.length; ordinal += 1) {
    if (source[ordinal] === 1) target[ordinal] = 1;
  }
}

/**
 * Tells whether an address matches a value: the whole address, its local part, its domain or a parent domain,
 * the whole display name or one of its words.
 */
function addressMatches(row: AddressEntryRow, value: string, wildcard: boolean): boolean {
  const [name, address, domainAscii, domainUnicode] = row;
  const at = address.lastIndexOf('@');
  const candidates = [address, name, ...name.split(/[^\p{L}\p{N}_'-]+/u)];
  if (at >= 0) candidates.push(address.slice(0, at));
  for (const domain of [domainAscii, domainUnicode]) {
    const labels = domain.split('.');
    for (let first = 0; first < labels.length - 1; first += 1) candidates.push(labels.slice(first).join('.'));
    candidates.push(...labels);
  }
  return candidates.some((candidate) => candidate !== '' && (wildcard ? candidate.startsWith(value) : candidate === value));
}

function domainMatches(domain: string, value: string): boolean {
  return domain !== '' && (domain === value || domain.endsWith(`.${value}`));
}

function filenameMatches(name: string, value: string, wildcard: boolean): boolean {
  const candidates = [name, ...name.split(/[^\p{L}\p{N}]+/u)];
  return candidates.some((candidate) => candidate !== '' && (wildcard ? candidate.startsWith(value) : candidate === value));
}

function compareSize(size: number, operator: '<' | '<=' | '=' | '>=' | '>', bytes: number): boolean {
  switch (operator) {
    case '<':
      return size < bytes;
    case '<=':
      return size <= bytes;
    case '>=':
      return size >= bytes;
    case '>':
      return size > bytes;
    default:
      return size === bytes;
  }
}
