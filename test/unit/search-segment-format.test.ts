import lunr from 'lunr';
import { describe, expect, it } from 'vitest';

import { DamagedSectionsError } from '../../electron/search/binary-sections.js';
import { LUNR_FIELDS } from '../../electron/search/search-documents.js';
import { SegmentPostings, type TermClause } from '../../electron/search/segment-postings.js';
import { configurePipelines } from '../../electron/search/text-pipeline.js';

const FIRST = 5;

const DOCUMENTS = [
  { subject: 'Falcon pricing', body: 'The falcon project pricing is due on Friday.', attachment: '', names: 'anna anna@corp.example' },
  { subject: 'Lunch', body: 'Lunch at noon, then falcons and pricing again. Pricing, pricing.', attachment: 'menu.pdf menu pdf', names: 'bob bob@rival.example' },
  { subject: 'Привет', body: 'Ещё одно письмо о ценах.', attachment: '', names: 'ivan ivan@corp.example' },
  { subject: 'Falconry', body: 'A falconer, a falcon and a price list.', attachment: 'falcon.docx falcon docx', names: 'falco falco@corp.example' },
  { subject: 'Re: pricing falcon', body: 'Falcons! Falcon prices, falcon pricing, priced falcons.', attachment: 'pricing falcon notes', names: 'carol falcon@rival.example' },
];

function buildSegment(): lunr.Index {
  const builder = new lunr.Builder();
  configurePipelines(builder);
  builder.ref('ref');
  for (const field of LUNR_FIELDS) builder.field(field);
  builder.metadataWhitelist = [];
  DOCUMENTS.forEach((document, offset) => builder.add({ ref: String(FIRST + offset), ...document }));
  return builder.build();
}

function clause(text: string, options: Partial<TermClause> = {}): TermClause {
  return { text, fields: [...LUNR_FIELDS], wildcard: false, fuzzy: 0, ...options };
}

/** What lunr.Index.query returns for the clause, sorted by document. */
function lunrResults(index: lunr.Index, term: TermClause): { ordinal: number; score: number }[] {
  const fuzzy = term.fuzzy > 0 ? { editDistance: term.fuzzy } : {};
  return index
    .query((query) =>
      query.term(term.text, {
        fields: [...term.fields] as (typeof LUNR_FIELDS)[number][],
        wildcard: term.wildcard ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE,
        usePipeline: !term.wildcard,
        ...fuzzy,
      }),
    )
    .map((result) => ({ ordinal: Number(result.ref), score: result.score }))
    .sort((a, b) => a.ordinal - b.ordinal);
}

function postingsResults(postings: SegmentPostings, term: TermClause): { ordinal: number; score: number }[] {
  const results: { ordinal: number; score: number }[] = [];
  postings.search(term, (ordinal, score) => results.push({ ordinal, score }));
  return results;
}

function load(index: lunr.Index): SegmentPostings {
  return SegmentPostings.load(SegmentPostings.serialise(index, FIRST, DOCUMENTS.length), FIRST, DOCUMENTS.length);
}

describe('SegmentPostings', () => {
  const index = buildSegment();
  const postings = load(index);

  it.each([
    ['a stemmed word in every field', clause('pricing')],
    ['a word in one field', clause('falcon', { fields: ['subject'] })],
    ['a word in two fields', clause('falcon', { fields: ['body', 'attachment'] })],
    ['a word in a name', clause('rival')],
    ['a non-Latin word', clause('письмо')],
    ['a word that is in no document', clause('kestrel')],
  ])('returns the documents and scores lunr returns for %s', (_name, term) => {
    expect(postingsResults(postings, term)).toEqual(lunrResults(index, term));
  });

  it.each([
    ['a wildcard', clause('falc', { wildcard: true })],
    ['a wildcard in the body', clause('pric', { wildcard: true, fields: ['body'] })],
    ['a fuzzy word', clause('falcom', { fuzzy: 1 })],
    ['a fuzzy word two edits away', clause('prxce', { fuzzy: 2 })],
  ])('returns the documents lunr returns for %s', (_name, term) => {
    expect(postingsResults(postings, term).map((result) => result.ordinal)).toEqual(lunrResults(index, term).map((result) => result.ordinal));
  });

  it.each([
    ['a wildcard', clause('falc', { wildcard: true })],
    ['a fuzzy word', clause('falcom', { fuzzy: 1 })],
  ])('returns the scores lunr returns for %s, to 12 decimals', (_name, term) => {
    const expected = lunrResults(index, term);
    const scores = postingsResults(postings, term).map((result) => result.score);

    scores.forEach((score, position) => expect(score).toBeCloseTo(expected[position]?.score ?? Number.NaN, 12));
  });

  it('finds the wildcard terms in four documents', () => {
    expect(postingsResults(postings, clause('falc', { wildcard: true })).map((result) => result.ordinal)).toEqual([5, 6, 8, 9]);
  });

  it('expands fuzzy words as lunr does over a vocabulary of many similar words', () => {
    const stems = ['falcon', 'falcom', 'falco', 'flacon', 'falcons', 'price', 'prize', 'pride', 'prism', 'report', 'reports', 'q3', 'q4', 'z9', 'цена', 'цены', 'ceny'];
    const words = stems.flatMap((stem) => [stem, `${stem}a`, `x${stem}`, stem.slice(1), `${stem.slice(0, 2)}${stem.slice(3)}`]);
    const builder = new lunr.Builder();
    configurePipelines(builder);
    builder.ref('ref');
    for (const field of LUNR_FIELDS) builder.field(field);
    builder.metadataWhitelist = [];
    words.forEach((word, offset) => builder.add({ ref: String(offset), subject: '', body: word, attachment: '', names: '' }));
    const built = builder.build();
    const loaded = SegmentPostings.load(SegmentPostings.serialise(built, 0, words.length), 0, words.length);

    for (const [query, distance] of [['falcon', 1], ['falcon', 2], ['prise', 1], ['repotr', 1], ['q5', 1], ['цена', 1], ['z', 2], ['xprice', 2]] as const) {
      const term = clause(query, { fuzzy: distance });
      expect(postingsResults(loaded, term).map((result) => result.ordinal)).toEqual(lunrResults(built, term).map((result) => result.ordinal));
    }
  });

  it('splits words joined by punctuation other than periods and apostrophes', () => {
    const bodies = ['falcon,bluebird', 'pricing/bluebird (draft)', 'codename:bluebird', "bluebird's nest", 'q3.bluebird.pdf'];
    const builder = new lunr.Builder();
    configurePipelines(builder);
    builder.ref('ref');
    for (const field of LUNR_FIELDS) builder.field(field);
    builder.metadataWhitelist = [];
    bodies.forEach((body, offset) => builder.add({ ref: String(offset), subject: '', body, attachment: '', names: '' }));
    const loaded = SegmentPostings.load(SegmentPostings.serialise(builder.build(), 0, bodies.length), 0, bodies.length);

    expect(postingsResults(loaded, clause('bluebird')).map((result) => result.ordinal)).toEqual([0, 1, 2]);
  });

  it('keeps weights that are not thousandths exactly', () => {
    const built = buildSegment();
    const vector = (built as unknown as { fieldVectors: Record<string, { elements: number[] }> }).fieldVectors['body/5'];
    if (vector === undefined) throw new Error('the body vector of document 5 is missing');
    vector.elements.forEach((_value, at) => {
      if (at % 2 === 1) vector.elements[at] = 0.123456789;
    });

    expect(postingsResults(load(built), clause('friday'))).toEqual([{ ordinal: 5, score: 0.123456789 }]);
  });

  it('rejects a file of other documents', () => {
    const bytes = SegmentPostings.serialise(index, FIRST, DOCUMENTS.length);

    expect(() => SegmentPostings.load(bytes, 0, DOCUMENTS.length)).toThrow('contains documents 5 (5), expected 0 (5)');
  });

  it('rejects a truncated file', () => {
    const bytes = SegmentPostings.serialise(index, FIRST, DOCUMENTS.length);

    expect(() => SegmentPostings.load(bytes.subarray(0, bytes.length - 8), FIRST, DOCUMENTS.length)).toThrow(DamagedSectionsError);
  });

  it('ignores a posting that names a document outside the segment', () => {
    const bytes = Buffer.from(SegmentPostings.serialise(index, FIRST, DOCUMENTS.length));
    const header = JSON.parse(bytes.toString('utf8', 0, bytes.indexOf(0x0a))) as { sections: { name: string; bytes: number }[] };
    let at = Math.ceil((bytes.indexOf(0x0a) + 1) / 8) * 8;
    for (const entry of header.sections) {
      if (entry.name === 'ordinals') break;
      at += Math.ceil(entry.bytes / 8) * 8;
    }
    const postings = (header.sections.find((entry) => entry.name === 'ordinals')?.bytes ?? 0) / 4;
    for (let posting = 0; posting < postings; posting += 1) bytes.writeUInt32LE(99, at + 4 * posting);
    const damaged = SegmentPostings.load(bytes, FIRST, DOCUMENTS.length);

    expect(postingsResults(damaged, clause('falcon'))).toEqual([]);
  });

  it('rejects a file of another format', () => {
    expect(() => SegmentPostings.load(Buffer.from('{"format":"other"}\n'), FIRST, DOCUMENTS.length)).toThrow('the file is not a mailcase-postings file');
  });
});
