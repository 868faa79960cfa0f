// The words of one segment's texts in order, as numbers into the segment's vocabulary, so phrases and proximity are
// checked by comparing integers instead of parsing and scanning each candidate's text. Words are split exactly as
// splitWords splits the stored texts, and terms match by the same stems, so the results are the same.
import type { PhraseNode, TermNode } from '../../shared/search-types.js';
import {
  DamagedSectionsError,
  float64View,
  joinStrings,
  packSections,
  section,
  stringList,
  uint32View,
  unpackSections,
} from './binary-sections.js';
import type { DocumentText, TextUnit } from './search-documents.js';
import { createFuzzyMatcher } from './fuzzy-match.js';
import { firstIndexWhere, lowerBound } from './sorted-search.js';
import { splitWords } from './text-matcher.js';
import { normaliseWord } from './text-pipeline.js';

const WORDS_FORMAT = 'mailcase-words';

/** Text sources by number, as unit sources are saved. */
const SOURCES: readonly TextUnit['source'][] = ['subject', 'body', 'attachment', 'filename', 'names'];

/** Stems computed while building, kept across segments because most words recur; cleared when this large. */
const MAX_CACHED_STEMS = 500_000;
const stemCache = new Map<string, string>();

/** A term or phrase resolved against one segment's vocabulary. */
export type ResolvedOperand =
  /** A phrase: the vocabulary number of each of its words, in order. */
  | { kind: 'phrase'; ids: readonly number[] }
  /** A term: 1 for every vocabulary word the term matches. */
  | { kind: 'term'; matches: Uint8Array };

/** The word sequences of one segment's documents. */
export class SegmentWords {
  private constructor(
    private readonly count: number,
    /** Every distinct lower-case word, sorted. */
    private readonly vocabulary: readonly string[],
    /** Every distinct stem of a vocabulary word, sorted. */
    private readonly stems: readonly string[],
    /** The stem number of each vocabulary word. */
    private readonly vocabularyStems: Uint32Array,
    /** Start of each document's units in the unit arrays, then the end of the last document's. */
    private readonly documentUnits: Uint32Array,
    /** The source number of each unit. */
    private readonly unitSources: Uint8Array,
    /** Start of each unit's words in `words`, then the end of the last unit's. */
    private readonly unitWords: Uint32Array,
    private readonly words: Uint32Array,
    /** Byte offset of each document's line in the segment's text file, then the offset past the last line. */
    private readonly textLines: Float64Array,
    /** A digest of each document's line, all of one length, to notice a damaged text file. */
    private readonly lineDigests: Buffer,
  ) {}

  /** Returns the digest of a document's line that the segment was written with. */
  lineDigest(offset: number): Buffer {
    const size = this.count === 0 ? 0 : this.lineDigests.length / this.count;
    return this.lineDigests.subarray(offset * size, (offset + 1) * size);
  }

  /** Returns where a document's line of texts starts in the segment's text file, and where it ends (its line break). */
  textLine(offset: number): { start: number; end: number } {
    const start = this.textLines[offset];
    const next = this.textLines[offset + 1];
    if (start === undefined || next === undefined) throw new DamagedSectionsError(`document ${offset} is not in the segment`);
    return { start, end: next - 1 };
  }

  /**
   * Splits the texts of a segment's documents into words and returns the bytes of its words file. `textLines` are
   * the byte offsets of each document's line in the segment's text file, then the offset past the last line, and
   * `lineDigests` a digest of each line, all of one length.
   */
  static serialise(texts: readonly DocumentText[], first: number, textLines: Float64Array, lineDigests: Buffer): Buffer {
    const numbers = new Map<string, number>();
    const documentUnits = new Uint32Array(texts.length + 1);
    const unitSources: number[] = [];
    const unitWords: number[] = [];
    let words = new Uint32Array(1 << 16);
    let wordCount = 0;

    texts.forEach((text, offset) => {
      documentUnits[offset] = unitSources.length;
      for (const unit of text.units) {
        unitSources.push(SOURCES.indexOf(unit.source));
        unitWords.push(wordCount);
        for (const word of splitWords(unit.text).words) {
          let number = numbers.get(word);
          if (number === undefined) {
            number = numbers.size;
            numbers.set(word, number);
          }
          if (wordCount === words.length) {
            const grown = new Uint32Array(2 * words.length);
            grown.set(words);
            words = grown;
          }
          words[wordCount] = number;
          wordCount += 1;
        }
      }
    });
    documentUnits[texts.length] = unitSources.length;
    unitWords.push(wordCount);

    // Numbers follow the sorted vocabulary, so a query finds a word by binary search without building a map.
    const vocabulary = [...numbers.keys()].sort();
    const renumber = new Uint32Array(vocabulary.length);
    vocabulary.forEach((word, position) => {
      renumber[numbers.get(word) ?? 0] = position;
    });
    const sequence = words.subarray(0, wordCount).map((number) => renumber[number] ?? 0);

    const stemOfWord = vocabulary.map(stemOf);
    const stems = [...new Set(stemOfWord)].sort();
    const vocabularyStems = Uint32Array.from(stemOfWord, (stem) => lowerBound(stems, stem));

    const header = { first, count: texts.length, vocabularyCount: vocabulary.length, stemCount: stems.length };
    return packSections(WORDS_FORMAT, header, {
      vocabulary: joinStrings(vocabulary),
      stems: joinStrings(stems),
      vocabularyStems,
      documentUnits,
      unitSources: Uint8Array.from(unitSources),
      unitWords: Uint32Array.from(unitWords),
      words: sequence,
      textLines,
      lineDigests,
    });
  }

  /** Loads a words file. Throws DamagedSectionsError naming the fault when it is damaged. */
  static load(bytes: Buffer, first: number, count: number): SegmentWords {
    const unpacked = unpackSections(bytes, WORDS_FORMAT);
    const { header } = unpacked;
    if (header.first !== first || header.count !== count) throw new DamagedSectionsError(`contains documents ${String(header.first)} (${String(header.count)}), expected ${first} (${count})`);
    if (typeof header.vocabularyCount !== 'number' || typeof header.stemCount !== 'number') throw new DamagedSectionsError('the header lacks the vocabulary or stem count');

    const vocabulary = stringList(section(unpacked, 'vocabulary'), header.vocabularyCount, 'vocabulary');
    const stems = stringList(section(unpacked, 'stems'), header.stemCount, 'stems');
    if (!isSorted(vocabulary) || !isSorted(stems)) throw new DamagedSectionsError('the vocabulary or the stems are not sorted');
    const vocabularyStems = uint32View(section(unpacked, 'vocabularyStems'), 'vocabularyStems');
    const documentUnits = uint32View(section(unpacked, 'documentUnits'), 'documentUnits');
    const unitSourceData = section(unpacked, 'unitSources');
    const unitSources = new Uint8Array(unitSourceData.buffer, unitSourceData.byteOffset, unitSourceData.byteLength);
    const unitWords = uint32View(section(unpacked, 'unitWords'), 'unitWords');
    const words = uint32View(section(unpacked, 'words'), 'words');
    const textLines = float64View(section(unpacked, 'textLines'), 'textLines');
    const lineDigests = section(unpacked, 'lineDigests');
    if (count > 0 && (lineDigests.length % count !== 0 || lineDigests.length === 0)) throw new DamagedSectionsError('the line digests do not fit the document count');

    if (vocabularyStems.length !== vocabulary.length || documentUnits.length !== count + 1 || unitWords.length !== unitSources.length + 1 || textLines.length !== count + 1) {
      throw new DamagedSectionsError('the sections do not fit the header counts');
    }
    if (!isOrdered(documentUnits, unitSources.length) || !isOrdered(unitWords, words.length)) throw new DamagedSectionsError('the unit or word starts are not in order');
    // Word and stem numbers are not checked one by one, because that would slow down opening every case. A number
    // outside the vocabulary, which a damaged file could contain, matches no operand.
    if (!unitSources.every((source) => source < SOURCES.length)) throw new DamagedSectionsError('a unit has an unknown source');
    for (let offset = 0; offset < count; offset += 1) {
      if ((textLines[offset] ?? 0) >= (textLines[offset + 1] ?? 0)) throw new DamagedSectionsError('the text line offsets are not in order');
    }
    return new SegmentWords(count, vocabulary, stems, vocabularyStems, documentUnits, unitSources, unitWords, words, textLines, lineDigests);
  }

  /**
   * Resolves a term or phrase against this segment's vocabulary, or returns null when no text of the segment can
   * contain it. A term matches the words whose stem equals its stem, a wildcard the words that start with it, and
   * a fuzzy term the words whose stem lunr's fuzzy match accepts, as TextMatcher matches them.
   */
  resolve(operand: TermNode | PhraseNode): ResolvedOperand | null {
    if (operand.kind === 'phrase') {
      const ids = operand.words.map((word) => this.numberOf(word));
      return ids.some((id) => id < 0) || ids.length === 0 ? null : { kind: 'phrase', ids };
    }

    const matches = new Uint8Array(this.vocabulary.length);
    if (operand.wildcard) {
      for (let number = lowerBound(this.vocabulary, operand.text); number < this.vocabulary.length && (this.vocabulary[number] ?? '').startsWith(operand.text); number += 1) {
        matches[number] = 1;
      }
    } else {
      const expected = stemOf(operand.text);
      const stemMatches = new Uint8Array(this.stems.length);
      if (operand.fuzzy === 0) {
        const stem = lowerBound(this.stems, expected);
        if (this.stems[stem] === expected) stemMatches[stem] = 1;
      } else {
        const matches = createFuzzyMatcher(expected, operand.fuzzy);
        this.stems.forEach((stem, number) => {
          if (matches(stem)) stemMatches[number] = 1;
        });
      }
      this.vocabularyStems.forEach((stem, number) => {
        if (stemMatches[stem] === 1) matches[number] = 1;
      });
    }
    return matches.includes(1) ? { kind: 'term', matches } : null;
  }

  /** Returns the distinct stems of the words that start with `prefix`, which a wildcard adds to lunr's own expansion. */
  stemsOfPrefix(prefix: string): string[] {
    const stems = new Set<string>();
    for (let number = lowerBound(this.vocabulary, prefix); number < this.vocabulary.length && (this.vocabulary[number] ?? '').startsWith(prefix); number += 1) {
      const stem = this.stems[this.vocabularyStems[number] ?? 0];
      if (stem !== undefined) stems.add(stem);
    }
    return [...stems];
  }

  /** Tells whether a document has the operand in a text from `sources`. `offset` is the document's place in the segment. */
  contains(offset: number, sources: ReadonlySet<TextUnit['source']>, operand: ResolvedOperand): boolean {
    return this.someUnit(offset, sources, (start, end) => this.spans(start, end, operand, true).length > 0);
  }

  /**
   * Tells whether a document has the two operands in one text from `sources` with at most `distance` other words
   * between them. With `ordered`, the left one must come first.
   */
  isNear(offset: number, sources: ReadonlySet<TextUnit['source']>, left: ResolvedOperand, right: ResolvedOperand, distance: number, ordered: boolean): boolean {
    return this.someUnit(offset, sources, (start, end) => {
      const lefts = this.spans(start, end, left, false);
      if (lefts.length === 0) return false;
      const rights = this.spans(start, end, right, false);
      return hasNearPair(lefts, rights, distance, ordered);
    });
  }

  private someUnit(offset: number, sources: ReadonlySet<TextUnit['source']>, test: (start: number, end: number) => boolean): boolean {
    if (offset < 0 || offset >= this.count) return false;
    for (let unit = this.documentUnits[offset] ?? 0; unit < (this.documentUnits[offset + 1] ?? 0); unit += 1) {
      const source = SOURCES[this.unitSources[unit] ?? 0];
      if (source === undefined || !sources.has(source)) continue;
      if (test(this.unitWords[unit] ?? 0, this.unitWords[unit + 1] ?? 0)) return true;
    }
    return false;
  }

  /**
   * Returns where the operand occurs among the words from `start` to `end`, as pairs of first and last word
   * positions. With `firstOnly`, returns at most one pair.
   */
  private spans(start: number, end: number, operand: ResolvedOperand, firstOnly: boolean): number[] {
    const found: number[] = [];
    if (operand.kind === 'term') {
      for (let at = start; at < end; at += 1) {
        if (operand.matches[this.words[at] ?? 0] !== 1) continue;
        found.push(at, at);
        if (firstOnly) break;
      }
      return found;
    }

    const length = operand.ids.length;
    for (let at = start; at + length <= end; at += 1) {
      let matches = true;
      for (let next = 0; next < length; next += 1) {
        if (this.words[at + next] !== operand.ids[next]) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      found.push(at, at + length - 1);
      if (firstOnly) break;
    }
    return found;
  }

  private numberOf(word: string): number {
    const number = lowerBound(this.vocabulary, word);
    return this.vocabulary[number] === word ? number : -1;
  }
}

/** Returns the stem TextMatcher compares a word by: lower-cased, trimmed and stemmed, or the word itself. */
function stemOf(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    if (stemCache.size >= MAX_CACHED_STEMS) stemCache.clear();
    stem = normaliseWord(word) ?? word;
    stemCache.set(word, stem);
  }
  return stem;
}

/**
 * Tells whether a left span and a right span are at most `distance` words apart, the right one after the left one
 * or, unless `ordered`, before it. Spans are pairs of first and last word positions in ascending order, so a binary
 * search finds the nearest right span of each left one and the check takes time in proportion to the spans.
 */
export function hasNearPair(lefts: readonly number[], rights: readonly number[], distance: number, ordered: boolean): boolean {
  const pairs = rights.length / 2;
  for (let a = 0; a < lefts.length; a += 2) {
    const leftFirst = lefts[a] ?? 0;
    const leftLast = lefts[a + 1] ?? 0;
    // The first right span that starts after the left one ends.
    const after = firstIndexWhere(0, pairs, (pair) => (rights[2 * pair] ?? 0) > leftLast);
    if (after < pairs && (rights[2 * after] ?? 0) - leftLast - 1 <= distance) return true;
    if (ordered) continue;
    // The last right span that ends before the left one starts.
    const before = firstIndexWhere(0, pairs, (pair) => (rights[2 * pair + 1] ?? 0) >= leftFirst) - 1;
    if (before >= 0 && leftFirst - (rights[2 * before + 1] ?? 0) - 1 <= distance) return true;
  }
  return false;
}

/** Tells whether every string sorts after the one before it, as binary search needs. */
function isSorted(values: readonly string[]): boolean {
  for (let at = 1; at < values.length; at += 1) {
    if ((values[at - 1] ?? '') >= (values[at] ?? '')) return false;
  }
  return true;
}

/** Tells whether starts never decrease and the last one is `total`. */
function isOrdered(starts: Uint32Array, total: number): boolean {
  for (let at = 1; at < starts.length; at += 1) {
    if ((starts[at - 1] ?? 0) > (starts[at] ?? 0)) return false;
  }
  return starts[0] === 0 && starts[starts.length - 1] === total;
}
