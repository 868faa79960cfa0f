import lunr from 'lunr';
import { describe, expect, it } from 'vitest';

import { LUNR_FIELDS } from '../../electron/search/search-documents.js';
import { loadSegmentIndex, serialiseSegmentIndex } from '../../electron/search/segment-index.js';
import { configurePipelines } from '../../electron/search/text-pipeline.js';

const DOCUMENTS = [
  { ref: '0', subject: 'Falcon pricing', body: 'The falcon project pricing is due on Friday.', attachment: '', names: 'anna anna@corp.example' },
  { ref: '1', subject: 'Lunch', body: 'Lunch at noon, then falcons and pricing again.', attachment: 'menu.pdf menu pdf', names: 'bob bob@rival.example' },
  { ref: '7', subject: 'Привет', body: 'Ещё одно письмо о ценах.', attachment: '', names: 'ivan ivan@corp.example' },
];

function buildSegment(): lunr.Index {
  const builder = new lunr.Builder();
  configurePipelines(builder);
  builder.ref('ref');
  for (const field of LUNR_FIELDS) builder.field(field);
  builder.metadataWhitelist = [];
  for (const document of DOCUMENTS) builder.add(document);
  return builder.build();
}

function search(index: lunr.Index, text: string, wildcard = false): { ref: string; score: number }[] {
  return index
    .query((query) => query.term(text, { fields: [...LUNR_FIELDS], wildcard: wildcard ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE, usePipeline: !wildcard }))
    .map((result) => ({ ref: result.ref, score: result.score }));
}

function reload(index: lunr.Index): lunr.Index {
  return loadSegmentIndex(JSON.parse(serialiseSegmentIndex(index)));
}

describe('loadSegmentIndex', () => {
  it('returns the same refs and scores after a reload', () => {
    const built = buildSegment();

    expect(search(reload(built), 'pricing')).toEqual(search(built, 'pricing'));
  });

  it('finds the same refs for a wildcard after a reload', () => {
    const built = buildSegment();

    expect(search(reload(built), 'falc', true)).toEqual(search(built, 'falc', true));
  });

  it('keeps non-Latin terms', () => {
    expect(search(reload(buildSegment()), 'письмо').map((result) => result.ref)).toEqual(['7']);
  });

  it('finds nothing for an unknown term', () => {
    expect(search(reload(buildSegment()), 'kestrel')).toEqual([]);
  });

  it('keeps weights that are not thousandths exactly', () => {
    const built = buildSegment();
    const vectors = (built as unknown as { fieldVectors: Record<string, { elements: number[] }> }).fieldVectors;
    const body = vectors['body/0'];
    if (body === undefined) throw new Error('the body vector of document 0 is missing');
    body.elements[1] = 0.123456789;

    const reloaded = reload(built) as unknown as { fieldVectors: Record<string, { elements: ArrayLike<number> }> };

    expect(Array.from(reloaded.fieldVectors['body/0']?.elements ?? [])).toEqual(body.elements);
  });

  it('rejects a segment without field vectors', () => {
    const saved = JSON.parse(serialiseSegmentIndex(buildSegment())) as Record<string, unknown>;
    delete saved.fieldVectors;

    expect(() => loadSegmentIndex(saved)).toThrow('the segment lacks fields, vectors, terms or pipeline');
  });
});
