// Checks words, phrases and proximity on stored text, where the index has no word positions, and finds the
// character ranges to highlight. Words are split the way lunr's tokenizer splits them, so a phrase that the
// index offers as a candidate is checked against the same words.
import type { HighlightRange, PhraseNode, TermNode } from '../../shared/search-types.js';
import { WORD_SEPARATOR_CLASS } from '../../shared/word-separators.js';
import { createFuzzyMatcher } from './fuzzy-match.js';
import { firstIndexWhere } from './sorted-search.js';
import { normaliseWord } from './text-pipeline.js';

/** The words of a text with the character range of each, punctuation trimmed from both ends. */
export interface WordList {
  words: string[];
  starts: number[];
  ends: number[];
}

/** A word or phrase that matched, as a range of word indexes (inclusive) in a WordList. */
interface WordSpan {
  first: number;
  last: number;
}

/**
 * A word: a run of characters other than separators (WORD_SEPARATOR_CLASS), with punctuation trimmed at both ends. The
 * match starts at the run's first letter, digit or underscore and, being greedy, ends at its last one or at a
 * combining accent after it, so one search finds what splitting on whitespace and then trimming each piece would.
 */
const TRIMMED_WORD = new RegExp(String.raw`[\p{L}\p{N}_](?:[^${WORD_SEPARATOR_CLASS}]*[\p{L}\p{M}\p{N}_])?`, 'gu');

/** Splits text into lower-case, composed (NFC) words with their offsets. A line break or soft break is just whitespace. */
export function splitWords(text: string): WordList {
  const list: WordList = { words: [], starts: [], ends: [] };
  TRIMMED_WORD.lastIndex = 0;
  for (let match = TRIMMED_WORD.exec(text); match !== null; match = TRIMMED_WORD.exec(text)) {
    const word = match[0];
    list.words.push(word.toLowerCase().normalize('NFC'));
    list.starts.push(match.index);
    list.ends.push(match.index + word.length);
  }
  return list;
}

/** Matches text operands against word lists, caching stems because the same words recur across messages. */
export class TextMatcher {
  private readonly stems = new Map<string, string>();
  private readonly fuzzyMatchers = new Map<string, (stem: string) => boolean>();

  /** Returns the spans where a term or phrase occurs in the words. */
  findSpans(list: WordList, operand: TermNode | PhraseNode): WordSpan[] {
    return operand.kind === 'phrase' ? this.findPhrase(list, operand.words) : this.findTerm(list, operand);
  }

  /** Tells whether a term or phrase occurs in the words. */
  contains(list: WordList, operand: TermNode | PhraseNode): boolean {
    return this.findSpans(list, operand).length > 0;
  }

  /**
   * Tells whether the two operands occur with at most `distance` other words between them. With `ordered`
   * the left operand must come first.
   */
  isNear(list: WordList, left: TermNode | PhraseNode, right: TermNode | PhraseNode, distance: number, ordered: boolean): boolean {
    return this.nearSpans(list, left, right, distance, ordered).length > 0;
  }

  /**
   * Returns the pairs of spans that satisfy the proximity condition, each as one span covering both. Spans come in
   * ascending order, so each left span looks only at the right spans within `distance` words of it.
   */
  nearSpans(list: WordList, left: TermNode | PhraseNode, right: TermNode | PhraseNode, distance: number, ordered: boolean): WordSpan[] {
    const lefts = this.findSpans(list, left);
    if (lefts.length === 0) return [];
    const rights = this.findSpans(list, right);

    const found: WordSpan[] = [];
    for (const a of lefts) {
      // Right spans that start after the left one and at most `distance` words later.
      for (let at = firstIndexWhere(0, rights.length, (index) => (rights[index]?.first ?? 0) > a.last); at < rights.length; at += 1) {
        const b = rights[at];
        if (b === undefined || b.first - a.last - 1 > distance) break;
        found.push({ first: a.first, last: b.last });
      }
      if (ordered) continue;
      // Right spans that end before the left one starts and at most `distance` words earlier.
      for (let at = firstIndexWhere(0, rights.length, (index) => (rights[index]?.last ?? 0) >= a.first) - 1; at >= 0; at -= 1) {
        const b = rights[at];
        if (b === undefined || a.first - b.last - 1 > distance) break;
        found.push({ first: b.first, last: a.last });
      }
    }
    return found;
  }

  /** Converts word spans to character ranges in the text the list came from. */
  toRanges(list: WordList, spans: readonly WordSpan[]): HighlightRange[] {
    return spans.map((span) => ({ start: list.starts[span.first] ?? 0, end: list.ends[span.last] ?? 0 }));
  }

  private findPhrase(list: WordList, words: readonly string[]): WordSpan[] {
    const found: WordSpan[] = [];
    const count = words.length;
    for (let first = 0; first + count <= list.words.length; first += 1) {
      let matches = true;
      for (let offset = 0; offset < count; offset += 1) {
        if (list.words[first + offset] !== words[offset]) {
          matches = false;
          break;
        }
      }
      if (matches) found.push({ first, last: first + count - 1 });
    }
    return found;
  }

  private findTerm(list: WordList, term: TermNode): WordSpan[] {
    const found: WordSpan[] = [];
    const expected = term.wildcard ? term.text : this.stem(term.text);
    list.words.forEach((word, index) => {
      if (this.termMatches(word, expected, term)) found.push({ first: index, last: index });
    });
    return found;
  }

  private termMatches(word: string, expected: string, term: TermNode): boolean {
    if (term.wildcard) return word.startsWith(expected);
    const stem = this.stem(word);
    if (term.fuzzy === 0) return stem === expected;
    return this.fuzzyMatcher(expected, term.fuzzy)(stem);
  }

  private fuzzyMatcher(expected: string, distance: number): (stem: string) => boolean {
    const key = `${distance}\u0000${expected}`;
    let matcher = this.fuzzyMatchers.get(key);
    if (matcher === undefined) {
      matcher = createFuzzyMatcher(expected, distance);
      this.fuzzyMatchers.set(key, matcher);
    }
    return matcher;
  }

  private stem(word: string): string {
    let stem = this.stems.get(word);
    if (stem === undefined) {
      stem = normaliseWord(word) ?? word;
      this.stems.set(word, stem);
    }
    return stem;
  }
}
