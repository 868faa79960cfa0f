// The inverted index of one lunr segment in typed arrays: for every term and field, the documents that contain it
// and lunr's weight of the term in each. lunr builds the segment and defines terms, expansion and weights. A lookup
// here returns the documents and scores of lunr.Index.query for one clause, without the objects lunr creates per
// matching document, which made common words slow on large cases.
import lunr from 'lunr';

import {
  DamagedSectionsError,
  float64View,
  int32View,
  joinStrings,
  packSections,
  section,
  stringList,
  uint32View,
  unpackSections,
} from './binary-sections.js';
import { fuzzyAutomaton, type AutomatonState } from './fuzzy-match.js';
import { firstIndexWhere, lowerBound } from './sorted-search.js';

const POSTINGS_FORMAT = 'mailcase-postings';

/** One term clause, as the query evaluator gives it to lunr: a word, the fields to look in, wildcard or fuzzy. */
export interface TermClause {
  text: string;
  fields: readonly string[];
  /** A trailing wildcard: every term that starts with `text`. The text does not go through the pipeline. */
  wildcard: boolean;
  /** Edit distance for a fuzzy match; 0 for an exact term. */
  fuzzy: number;
  /**
   * With a wildcard, the stems of the words that start with `text`. lunr's terms are stems, so its own expansion
   * misses words whose stem is shorter than the prefix, such as "pricing" (stem "price") for "prici*".
   */
  wordStems?: readonly string[];
}

/** Receives each matching document's ordinal and score, in ascending ordinal order. */
export type PostingVisitor = (ordinal: number, score: number) => void;

/** The parts of a built lunr index that the postings file keeps. A lunr.Index has these properties. */
export interface BuiltSegment {
  fields: string[];
  invertedIndex: Record<string, { _index: number }>;
  fieldVectors: Record<string, lunr.Vector>;
  pipeline: lunr.Pipeline;
}

/**
 * Runs the steps of lunr.Builder.build that compute weights and field vectors, but not the term set, which only a
 * lunr.Index needs: the postings file keeps sorted terms instead, and building the set took memory and time.
 */
export function buildSegmentParts(builder: lunr.Builder): BuiltSegment {
  const steps = builder as unknown as {
    calculateAverageFieldLengths(): void;
    createFieldVectors(): void;
    invertedIndex: Record<string, { _index: number }>;
    fieldVectors: Record<string, lunr.Vector>;
    _fields: Record<string, unknown>;
    searchPipeline: lunr.Pipeline;
  };
  steps.calculateAverageFieldLengths();
  steps.createFieldVectors();
  return { fields: Object.keys(steps._fields), invertedIndex: steps.invertedIndex, fieldVectors: steps.fieldVectors, pipeline: steps.searchPipeline };
}

/** The postings of one segment, loaded from its file. */
export class SegmentPostings {
  private constructor(
    private readonly first: number,
    private readonly count: number,
    /** The segment's fields in lunr's order. */
    readonly fields: readonly string[],
    private readonly pipeline: lunr.Pipeline,
    /** Every term of the segment, sorted as JavaScript sorts strings. */
    private readonly terms: readonly string[],
    /** lunr's number of each term (its `_index`), which orders a query vector's elements. */
    private readonly termNumbers: Uint32Array,
    /** Start of each term's postings per field in `ordinals`, indexed by term position times field count plus field. */
    private readonly starts: Uint32Array,
    private readonly ordinals: Uint32Array,
    /** Weights as integer thousandths, when lunr's rounding made every weight one. */
    private readonly thousandths: Int32Array | null,
    private readonly floatWeights: Float64Array | null,
  ) {}

  /**
   * Converts a built lunr index, or the parts that buildSegmentParts takes from a builder, whose refs are document
   * ordinals. Returns the bytes of the segment's postings file.
   */
  static serialise(built: lunr.Index | BuiltSegment, first: number, count: number): Buffer {
    const internals = built as unknown as BuiltSegment;
    const fields = internals.fields;
    const terms = Object.keys(internals.invertedIndex).sort();
    const positionOfNumber = new Map<number, number>();
    const termNumbers = new Uint32Array(terms.length);
    terms.forEach((term, position) => {
      const termNumber = internals.invertedIndex[term]?._index ?? -1;
      termNumbers[position] = termNumber;
      positionOfNumber.set(termNumber, position);
    });

    // A document's field vector lists its terms with their weights. Gathering them per term and field, documents in
    // ascending order, gives the postings that lunr keeps as objects.
    const lists: number[][] = Array.from({ length: terms.length * fields.length }, () => []);
    for (let ordinal = first; ordinal < first + count; ordinal += 1) {
      fields.forEach((field, fieldNumber) => {
        const vector = internals.fieldVectors[`${field}/${ordinal}`];
        const elements = (vector as unknown as { elements?: number[] } | undefined)?.elements ?? [];
        for (let at = 0; at + 1 < elements.length; at += 2) {
          const position = positionOfNumber.get(elements[at] ?? -1);
          if (position === undefined) throw new Error(`term number ${elements[at]} of ${field}/${ordinal} is not in the index`);
          lists[position * fields.length + fieldNumber]?.push(ordinal, elements[at + 1] ?? 0);
        }
      });
    }

    const pairs = lists.reduce((sum, list) => sum + list.length / 2, 0);
    const starts = new Uint32Array(lists.length + 1);
    const ordinals = new Uint32Array(pairs);
    const weights = new Float64Array(pairs);
    let at = 0;
    lists.forEach((list, key) => {
      starts[key] = at;
      for (let item = 0; item + 1 < list.length; item += 2) {
        ordinals[at] = list[item] ?? 0;
        weights[at] = list[item + 1] ?? 0;
        at += 1;
      }
    });
    starts[lists.length] = at;

    // lunr rounds each weight to thousandths, so 32-bit integers of thousandths usually represent them exactly.
    const thousandths = weights.every(isThousandths);
    const weightSection = thousandths ? Int32Array.from(weights, (weight) => Math.round(weight * 1000)) : weights;
    const header = {
      lunrVersion: lunr.version,
      fields,
      pipeline: internals.pipeline.toJSON(),
      first,
      count,
      termCount: terms.length,
      pairCount: pairs,
      weights: thousandths ? 'thousandths' : 'float64',
    };
    return packSections(POSTINGS_FORMAT, header, { terms: joinStrings(terms), termNumbers, starts, ordinals, weights: weightSection });
  }

  /** Loads a postings file. Throws DamagedSectionsError naming the fault when it is damaged or of another version. */
  static load(bytes: Buffer, first: number, count: number): SegmentPostings {
    const unpacked = unpackSections(bytes, POSTINGS_FORMAT);
    const header = unpacked.header;
    if (header.lunrVersion !== lunr.version) throw new DamagedSectionsError(`written for lunr ${String(header.lunrVersion)}, not ${lunr.version}`);
    if (header.first !== first || header.count !== count) throw new DamagedSectionsError(`contains documents ${String(header.first)} (${String(header.count)}), expected ${first} (${count})`);
    if (!Array.isArray(header.fields) || !header.fields.every((field) => typeof field === 'string')) throw new DamagedSectionsError('the header has no field list');
    if (!Array.isArray(header.pipeline)) throw new DamagedSectionsError('the header has no pipeline');
    const termCount = header.termCount;
    const pairCount = header.pairCount;
    if (typeof termCount !== 'number' || typeof pairCount !== 'number') throw new DamagedSectionsError('the header lacks the term or pair count');
    const fields = header.fields as string[];

    const terms = stringList(section(unpacked, 'terms'), termCount, 'terms');
    for (let position = 1; position < terms.length; position += 1) {
      if ((terms[position - 1] ?? '') >= (terms[position] ?? '')) throw new DamagedSectionsError('the terms are not sorted');
    }
    const termNumbers = uint32View(section(unpacked, 'termNumbers'), 'termNumbers');
    const starts = uint32View(section(unpacked, 'starts'), 'starts');
    const ordinals = uint32View(section(unpacked, 'ordinals'), 'ordinals');
    if (termNumbers.length !== termCount || starts.length !== termCount * fields.length + 1 || ordinals.length !== pairCount) {
      throw new DamagedSectionsError('the sections do not fit the header counts');
    }
    for (let key = 0; key + 1 < starts.length; key += 1) {
      if ((starts[key] ?? 0) > (starts[key + 1] ?? 0)) throw new DamagedSectionsError('the posting starts are not in order');
    }
    if (starts[0] !== 0 || starts[starts.length - 1] !== pairCount) throw new DamagedSectionsError('the posting starts do not cover the postings');
    // Ordinals are not checked one by one, because that would slow down opening every case. A lookup ignores an
    // ordinal outside the segment, which a damaged file could contain.

    const weightData = section(unpacked, 'weights');
    const thousandths = header.weights === 'thousandths' ? int32View(weightData, 'weights') : null;
    const floatWeights = header.weights === 'float64' ? float64View(weightData, 'weights') : null;
    if ((thousandths ?? floatWeights)?.length !== pairCount) throw new DamagedSectionsError('the weights do not fit the postings');

    let pipeline: lunr.Pipeline;
    try {
      pipeline = lunr.Pipeline.load(header.pipeline as string[]);
    } catch (error) {
      throw new DamagedSectionsError(`the pipeline cannot be loaded: ${String(error)}`);
    }
    return new SegmentPostings(first, count, fields, pipeline, terms, termNumbers, starts, ordinals, thousandths, floatWeights);
  }

  /**
   * Finds the documents that contain a term clause and scores them as lunr.Index.query scores a query of that one
   * clause: per field, the dot product of the query vector (1 per expanded term) with the document's field vector,
   * divided by the query vector's length, and summed over the fields in the order lunr first meets them.
   */
  search(clause: TermClause, visit: PostingVisitor): void {
    const fieldNumbers = clause.fields.map((field) => this.fields.indexOf(field));
    if (fieldNumbers.some((fieldNumber) => fieldNumber < 0)) throw new DamagedSectionsError(`the segment does not index ${clause.fields.join(', ')}`);

    // lunr passes the clause's fields to the pipeline as token metadata. Its type declarations omit that argument.
    const runString = this.pipeline.runString.bind(this.pipeline) as (text: string, metadata: object) => string[];
    const words = clause.wildcard ? [clause.text] : runString(clause.text, { fields: clause.fields });
    const expanded: number[] = [];
    for (const word of words) expanded.push(...this.expand(word, clause));
    if (expanded.length === 0) return;
    if (expanded.length === 1) this.searchOneTerm(expanded[0] ?? 0, fieldNumbers, visit);
    else this.searchTerms(expanded, fieldNumbers, visit);
  }

  /** Scores the common case of one term, where a field's score is the term's weight there, because the query vector is a single 1. */
  private searchOneTerm(position: number, fieldNumbers: readonly number[], visit: PostingVisitor): void {
    const scores = new Float64Array(this.count);
    const found = new Uint8Array(this.count);
    for (const fieldNumber of fieldNumbers) {
      const key = position * this.fields.length + fieldNumber;
      for (let at = this.starts[key] ?? 0; at < (this.starts[key + 1] ?? 0); at += 1) {
        const offset = (this.ordinals[at] ?? 0) - this.first;
        scores[offset] = found[offset] === 0 ? this.weight(at) : (scores[offset] ?? 0) + this.weight(at);
        found[offset] = 1;
      }
    }
    for (let offset = 0; offset < this.count; offset += 1) {
      if (found[offset] === 1) visit(this.first + offset, scores[offset] ?? 0);
    }
  }

  /** Several terms, from a wildcard, a fuzzy match or a pipeline that gives more than one word. */
  private searchTerms(expanded: readonly number[], fieldNumbers: readonly number[], visit: PostingVisitor): void {
    // Each expanded term adds 1 to its element of every field's query vector, as lunr's upsert does.
    const queryValues = new Map<number, number>();
    for (const position of expanded) queryValues.set(position, (queryValues.get(position) ?? 0) + 1);
    const byTermNumber = [...queryValues.keys()].sort((a, b) => (this.termNumbers[a] ?? 0) - (this.termNumbers[b] ?? 0));
    let sumOfSquares = 0;
    for (const position of byTermNumber) sumOfSquares += (queryValues.get(position) ?? 0) ** 2;
    const magnitude = Math.sqrt(sumOfSquares);

    // The fields of each document in the order lunr first meets them: expanded terms in turn, fields in turn.
    const fieldOrder = new Map<number, number[]>();
    const seenKeys = new Set<number>();
    for (const position of expanded) {
      for (const fieldNumber of fieldNumbers) {
        const key = position * this.fields.length + fieldNumber;
        if (seenKeys.has(key)) continue;
        seenKeys.add(key);
        for (let at = this.starts[key] ?? 0; at < (this.starts[key + 1] ?? 0); at += 1) {
          const ordinal = this.ordinals[at] ?? 0;
          const order = fieldOrder.get(ordinal);
          if (order === undefined) fieldOrder.set(ordinal, [fieldNumber]);
          else if (!order.includes(fieldNumber)) order.push(fieldNumber);
        }
      }
    }

    // Dot products summed in ascending term number, as lunr's Vector.dot walks both vectors.
    const dots = new Map<number, number>();
    for (const position of byTermNumber) {
      const value = queryValues.get(position) ?? 0;
      for (const fieldNumber of new Set(fieldNumbers)) {
        const key = position * this.fields.length + fieldNumber;
        for (let at = this.starts[key] ?? 0; at < (this.starts[key + 1] ?? 0); at += 1) {
          const dotKey = (this.ordinals[at] ?? 0) * this.fields.length + fieldNumber;
          dots.set(dotKey, (dots.get(dotKey) ?? 0) + value * this.weight(at));
        }
      }
    }

    const scores = new Map<number, number>();
    for (const [ordinal, order] of fieldOrder) {
      let score = 0;
      order.forEach((fieldNumber, index) => {
        const similarity = (dots.get(ordinal * this.fields.length + fieldNumber) ?? 0) / magnitude || 0;
        score = index === 0 ? similarity : score + similarity;
      });
      scores.set(ordinal, score);
    }
    visitInOrder(scores, visit);
  }

  /** Returns the positions of the index terms a word matches: itself, or the terms its wildcard or fuzzy match covers. */
  private expand(word: string, clause: TermClause): number[] {
    if (clause.fuzzy > 0) return this.expandFuzzy(word, clause.fuzzy);
    if (clause.wildcard) {
      const positions = new Set<number>();
      for (let position = lowerBound(this.terms, word); position < this.terms.length && (this.terms[position] ?? '').startsWith(word); position += 1) {
        positions.add(position);
      }
      for (const stem of clause.wordStems ?? []) {
        const position = this.positionOf(stem);
        if (position >= 0) positions.add(position);
      }
      return [...positions].sort((a, b) => a - b);
    }
    const position = word === '' ? -1 : this.positionOf(word);
    return position < 0 ? [] : [position];
  }

  /**
   * Returns the positions of the terms lunr's fuzzy match accepts: the terms its automaton for the word leads to a
   * final state on. lunr intersects that automaton with a trie of the index's terms. Here the sorted term list is
   * the trie, a prefix being the range of terms that start with it, so nothing is built per segment.
   */
  private expandFuzzy(word: string, distance: number): number[] {
    const automaton = fuzzyAutomaton(word, distance);
    const found = new Set<number>();
    const stack: { state: AutomatonState; prefix: string; low: number; high: number }[] = [{ state: automaton, prefix: '', low: 0, high: this.terms.length }];

    for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
      const { state, prefix, low, high } = frame;
      const visit = (character: string, next: AutomatonState, childLow: number, childHigh: number): void => {
        const childPrefix = prefix + character;
        if (next.final && this.terms[childLow] === childPrefix) found.add(childLow);
        stack.push({ state: next, prefix: childPrefix, low: childLow, high: childHigh });
      };

      const anyCharacter = state.edges['*'];
      if (anyCharacter === undefined) {
        // Only the characters the automaton names can follow: look each one's range up directly.
        for (const character of Object.keys(state.edges)) {
          const next = state.edges[character];
          const childLow = lowerBound(this.terms, prefix + character, low, high);
          const childHigh = this.prefixEnd(prefix + character, childLow, high);
          if (next !== undefined && childLow < childHigh) visit(character, next, childLow, childHigh);
        }
        continue;
      }

      // A term equal to the prefix sorts first in its range and has no next character.
      let at = this.terms[low] === prefix ? low + 1 : low;
      while (at < high) {
        const character = (this.terms[at] ?? '').charAt(prefix.length);
        const childHigh = this.prefixEnd(prefix + character, at, high);
        const named = state.edges[character];
        if (named !== undefined && character !== '*') visit(character, named, at, childHigh);
        visit(character, anyCharacter, at, childHigh);
        at = childHigh;
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Returns the first position from `low` whose term does not start with `prefix`; every term before it does. */
  private prefixEnd(prefix: string, low: number, high: number): number {
    return firstIndexWhere(low, high, (position) => !(this.terms[position] ?? '').startsWith(prefix));
  }

  private positionOf(term: string): number {
    const position = lowerBound(this.terms, term);
    return this.terms[position] === term ? position : -1;
  }

  private weight(at: number): number {
    if (this.thousandths !== null) return (this.thousandths[at] ?? 0) / 1000;
    return this.floatWeights?.[at] ?? 0;
  }
}

function visitInOrder(scores: Map<number, number>, visit: PostingVisitor): void {
  const ordinals = [...scores.keys()].sort((a, b) => a - b);
  for (const ordinal of ordinals) visit(ordinal, scores.get(ordinal) ?? 0);
}

/** Tells whether a weight is an integer number of thousandths that fits a 32-bit integer and divides back exactly. */
function isThousandths(weight: number): boolean {
  const scaled = Math.round(weight * 1000);
  return Math.abs(scaled) < 2 ** 31 && scaled / 1000 === weight;
}
