import { describe, expect, it } from 'vitest';

import { DamagedSectionsError, packSections, unpackSections } from '../../electron/search/binary-sections.js';
import { DocumentTable } from '../../electron/search/document-table.js';
import type { DocumentMeta, DocumentText } from '../../electron/search/search-documents.js';
import { SegmentWords } from '../../electron/search/segment-words.js';
import { TextMatcher, splitWords } from '../../electron/search/text-matcher.js';
import type { PhraseNode, TermNode } from '../../shared/search-types.js';

const TEXTS: DocumentText[] = [
  { units: [{ source: 'subject', partPath: null, text: 'Purchase order' }, { source: 'body', partPath: '1', text: 'The purchase\n> order for Falcon, priced today.' }] },
  { units: [{ source: 'body', partPath: '1', text: 'Order the purchase of flanges. Pricing follows.' }] },
  { units: [{ source: 'attachment', partPath: '2', text: 'purchase' }, { source: 'attachment', partPath: '3', text: 'order' }] },
];

function term(text: string, options: Partial<TermNode> = {}): TermNode {
  return { kind: 'term', field: null, text, wildcard: false, fuzzy: 0, start: 0, end: text.length, ...options };
}

function phrase(words: string[]): PhraseNode {
  return { kind: 'phrase', field: null, words, start: 0, end: 1 } as PhraseNode;
}

const ALL = new Set(['subject', 'body', 'attachment', 'filename', 'names'] as const);
const BODY = new Set(['body'] as const);

function loadWords(): SegmentWords {
  const lines = new Float64Array([10, 20, 30, 40]);
  return SegmentWords.load(SegmentWords.serialise(TEXTS, 100, lines, Buffer.alloc(16 * TEXTS.length)), 100, TEXTS.length);
}

function documentsWith(words: SegmentWords, operand: TermNode | PhraseNode, sources: ReadonlySet<DocumentText['units'][number]['source']> = ALL): number[] {
  const resolved = words.resolve(operand);
  if (resolved === null) return [];
  return [0, 1, 2].filter((offset) => words.contains(offset, sources, resolved));
}

describe('SegmentWords', () => {
  const words = loadWords();

  it('finds a phrase across a line break and a quote marker', () => {
    expect(documentsWith(words, phrase(['purchase', 'order']), BODY)).toEqual([0]);
  });

  it('finds a phrase in the subject', () => {
    expect(documentsWith(words, phrase(['purchase', 'order']), new Set(['subject'] as const))).toEqual([0]);
  });

  it('does not join the words of two texts into a phrase', () => {
    expect(documentsWith(words, phrase(['purchase', 'order']), new Set(['attachment'] as const))).toEqual([]);
  });

  it('returns null for a phrase with a word the segment lacks', () => {
    expect(words.resolve(phrase(['purchase', 'kestrel']))).toBeNull();
  });

  it('matches a term by its stem', () => {
    expect(documentsWith(words, term('prices'))).toEqual([0, 1]);
  });

  it('matches a wildcard by the word start', () => {
    expect(documentsWith(words, term('pric', { wildcard: true }))).toEqual([0, 1]);
  });

  it('matches a fuzzy term within its distance', () => {
    expect(documentsWith(words, term('flanes', { fuzzy: 1 }))).toEqual([1]);
  });

  it('finds words near each other in either order', () => {
    const left = words.resolve(term('order'));
    const right = words.resolve(term('purchase'));
    if (left === null || right === null) throw new Error('the words are missing');

    expect([0, 1, 2].filter((offset) => words.isNear(offset, BODY, left, right, 1, false))).toEqual([0, 1]);
  });

  it('keeps the order of ADJ', () => {
    const left = words.resolve(term('order'));
    const right = words.resolve(term('purchase'));
    if (left === null || right === null) throw new Error('the words are missing');

    expect([0, 1, 2].filter((offset) => words.isNear(offset, BODY, left, right, 1, true))).toEqual([1]);
  });

  it('gives the line of a document in the text file', () => {
    expect(words.textLine(1)).toEqual({ start: 20, end: 29 });
  });

  it('rejects a file of other documents', () => {
    const bytes = SegmentWords.serialise(TEXTS, 100, new Float64Array([10, 20, 30, 40]), Buffer.alloc(16 * TEXTS.length));

    expect(() => SegmentWords.load(bytes, 0, TEXTS.length)).toThrow('contains documents 100 (3), expected 0 (3)');
  });

  it('rejects text line offsets out of order', () => {
    const bytes = SegmentWords.serialise(TEXTS, 100, new Float64Array([10, 30, 20, 40]), Buffer.alloc(16 * TEXTS.length));

    expect(() => SegmentWords.load(bytes, 100, TEXTS.length)).toThrow('the text line offsets are not in order');
  });
});

const METAS: DocumentMeta[] = [
  {
    id: 'a'.repeat(64),
    root: 'a'.repeat(64),
    date: Date.UTC(2026, 0, 2),
    size: 2048,
    subject: 'Line one\nline two',
    from: 'Anna <anna@corp.example>',
    bits: 1,
    addresses: [
      [0, 'anna', 'anna@corp.example', 'corp.example', 'corp.example'],
      [1, 'bob', 'bob@rival.example', 'rival.example', 'rival.example'],
    ],
    filenames: ['q3.pdf'],
    filetypes: ['pdf'],
  },
  {
    id: `${'b'.repeat(64)}/2`,
    root: 'a'.repeat(64),
    date: null,
    size: 512,
    subject: '',
    from: '',
    bits: 2,
    addresses: [[1, 'anna', 'anna@corp.example', 'corp.example', 'corp.example']],
    filenames: [],
    filetypes: [],
  },
];

describe('DocumentTable', () => {
  const table = DocumentTable.load(DocumentTable.fromMetas(METAS).serialise(), METAS.length);

  it('gives back every document after saving and loading', () => {
    expect(table.toMetas()).toEqual(METAS);
  });

  it('keeps each distinct address once', () => {
    expect(table.addresses.length).toBe(2);
  });

  it('gives the id of an embedded record', () => {
    expect(table.idOf(1)).toBe(`${'b'.repeat(64)}/2`);
  });

  it('gives no date for a message without one', () => {
    expect(table.dateOf(1)).toBeNull();
  });

  it('rejects a file with another document count', () => {
    expect(() => DocumentTable.load(DocumentTable.fromMetas(METAS).serialise(), 3)).toThrow('lists 2 documents, expected 3');
  });
});

describe('packSections', () => {
  it('rejects a file cut short', () => {
    const bytes = packSections('test-format', {}, { numbers: new Uint32Array([1, 2, 3]) });

    expect(() => unpackSections(bytes.subarray(0, bytes.length - 8), 'test-format')).toThrow(DamagedSectionsError);
  });

  it('rejects a file written in the other byte order', () => {
    const bytes = Buffer.from(packSections('test-format', {}, {}).toString('utf8').replace(/"byteOrder":"(LE|BE)"/, '"byteOrder":"XX"'));

    expect(() => unpackSections(bytes, 'test-format')).toThrow('the file was written in XX byte order');
  });
});

/** A small deterministic generator, so a failing case can be run again. */
function randomSource(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('SegmentWords against TextMatcher', () => {
  const vocabulary = ['order', 'orders', 'purchase', 'purchased', 'price', 'pricing', 'the', 'of', 'falcon', 'Falcon,', '(order)', 'q3-report', 'цена', 'naïve', 'don\'t', '--', '>'];
  const random = randomSource(1939);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const texts: DocumentText[] = Array.from({ length: 60 }, () => ({
    units: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      source: pick(['subject', 'body', 'attachment'] as const),
      partPath: null,
      text: Array.from({ length: Math.floor(random() * 30) }, () => pick(vocabulary)).join(pick([' ', '\n', ' \n> ', '-'])),
    })),
  }));
  const segment = SegmentWords.load(SegmentWords.serialise(texts, 0, new Float64Array(texts.length + 1).map((_, at) => at), Buffer.alloc(16 * texts.length)), 0, texts.length);
  const matcher = new TextMatcher();
  const operands: (TermNode | PhraseNode)[] = [
    phrase(['purchase', 'order']),
    phrase(['the', 'price', 'of']),
    phrase(['q3', 'report']),
    phrase(['falcon']),
    term('order'),
    term('pric', { wildcard: true }),
    term('purchas', { fuzzy: 1 }),
    term('цены', { fuzzy: 1 }),
  ];

  it.each(operands.map((operand) => [JSON.stringify(operand.kind === 'phrase' ? operand.words : operand.text), operand] as const))('finds %s in the same documents', (_name, operand) => {
    const resolved = segment.resolve(operand);
    const expected = texts.map((text, offset) => (text.units.some((unit) => matcher.contains(splitWords(unit.text), operand)) ? offset : -1)).filter((offset) => offset >= 0);
    const found = resolved === null ? [] : texts.map((_text, offset) => offset).filter((offset) => segment.contains(offset, ALL, resolved));

    expect(expected.length).toBeGreaterThan(0);
    expect(found).toEqual(expected);
  });

  it.each([
    [0, false],
    [2, false],
    [3, true],
  ] as const)('finds proximity within %i words (ordered %s) in the same documents', (distance, ordered) => {
    const left = phrase(['purchase', 'order']);
    const right = term('price');
    const leftResolved = segment.resolve(left);
    const rightResolved = segment.resolve(right);
    const expected = texts
      .map((text, offset) => (text.units.some((unit) => matcher.isNear(splitWords(unit.text), left, right, distance, ordered)) ? offset : -1))
      .filter((offset) => offset >= 0);
    const found =
      leftResolved === null || rightResolved === null ? [] : texts.map((_text, offset) => offset).filter((offset) => segment.isNear(offset, ALL, leftResolved, rightResolved, distance, ordered));

    expect(expected.length).toBeGreaterThan(0);
    expect(found).toEqual(expected);
  });
});
