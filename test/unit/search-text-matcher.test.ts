import { describe, expect, it } from 'vitest';

import { createFuzzyMatcher } from '../../electron/search/fuzzy-match.js';
import { TextMatcher, splitWords } from '../../electron/search/text-matcher.js';
import type { PhraseNode, TermNode } from '../../shared/search-types.js';

function phrase(...words: string[]): PhraseNode {
  return { kind: 'phrase', field: null, words, start: 0, end: 0 };
}

function term(text: string, options: Partial<TermNode> = {}): TermNode {
  return { kind: 'term', field: null, text, wildcard: false, fuzzy: 0, start: 0, end: 0, ...options };
}

describe('splitWords', () => {
  it('trims punctuation and keeps offsets', () => {
    expect(splitWords('(Hello), wörld-Привет!')).toEqual({ words: ['hello', 'wörld', 'привет'], starts: [1, 9, 15], ends: [6, 14, 21] });
  });
});

describe('splitWords with combining accents', () => {
  it('composes a word written with a combining accent', () => {
    expect(splitWords('Cafe\u0301 au lait')).toEqual({ words: ['café', 'au', 'lait'], starts: [0, 6, 9], ends: [5, 8, 13] });
  });

  it('finds a composed term in text with a combining accent', () => {
    expect(new TextMatcher().contains(splitWords('Grüße aus dem Cafe\u0301.'), term('café'))).toBe(true);
  });
});

describe('TextMatcher phrases', () => {
  it.each<[string, boolean]>([
    ['purchase order', true],
    ['Purchase\r\nOrder', true],
    ['the (purchase) order!', true],
    ['purchase -- order', true],
    ['purchase - ... - order', true],
    ['purchase-order', true],
    ['purchase/order', true],
    ['purchase,order', true],
    ['purchase—order', true],
    ['purchase.order', false],
    ['xpurchase order', false],
    ['purchase orders', false],
    ["purchase order's", false],
    ['purchase, order.', true],
    ['order purchase', false],
  ])('finds purchase order in %j: %s', (text, expected) => {
    expect(new TextMatcher().contains(splitWords(text), phrase('purchase', 'order'))).toBe(expected);
  });

  it('matches accented and non-Latin words', () => {
    const matcher = new TextMatcher();

    expect(matcher.contains(splitWords('GRÜSSE aus München'), phrase('grüße', 'aus', 'münchen'))).toBe(false);
    expect(matcher.contains(splitWords('Grüße aus\nMünchen.'), phrase('grüße', 'aus', 'münchen'))).toBe(true);
    expect(matcher.contains(splitWords('Привет из Москвы'), phrase('привет', 'из'))).toBe(true);
  });
});

describe('TextMatcher', () => {
  const words = splitWords('The falcon flew. Pricing went up, said the falcons.');

  it('matches stemmed terms', () => {
    expect(new TextMatcher().findSpans(words, term('falcon'))).toEqual([
      { first: 1, last: 1 },
      { first: 8, last: 8 },
    ]);
  });

  it('matches a prefix', () => {
    expect(new TextMatcher().findSpans(words, term('pric', { wildcard: true }))).toEqual([{ first: 3, last: 3 }]);
  });

  it('matches a fuzzy term', () => {
    expect(new TextMatcher().findSpans(words, term('flw', { fuzzy: 1 }))).toEqual([{ first: 2, last: 2 }]);
  });

  it('checks proximity in either order', () => {
    const matcher = new TextMatcher();

    expect(matcher.isNear(words, term('pricing'), term('falcon'), 1, false)).toBe(true);
    expect(matcher.isNear(words, term('pricing'), term('falcon'), 0, false)).toBe(false);
  });

  it('checks order for ADJ', () => {
    const matcher = new TextMatcher();

    expect(matcher.isNear(words, term('flew'), term('pricing'), 0, true)).toBe(true);
    expect(matcher.isNear(words, term('pricing'), term('flew'), 0, true)).toBe(false);
  });
});

describe('createFuzzyMatcher', () => {
  it.each<[string, string, number, boolean]>([
    ['falcon', 'falcn', 1, true],
    ['falcon', 'flcn', 1, false],
    ['falcon', 'flcn', 2, true],
    ['falcon', 'falocn', 1, true],
    ['falcon', 'falcons', 1, true],
    ['falcon', 'xfalcon', 1, true],
    ['ab', '', 1, false],
  ])('matches %s and %s within %i as lunr does', (word, candidate, distance, expected) => {
    expect(createFuzzyMatcher(word, distance)(candidate)).toBe(expected);
  });

  it('agrees with a word list that uses a swapped pair', () => {
    expect(new TextMatcher().contains(splitWords('The falocn flew.'), term('falcon', { fuzzy: 1 }))).toBe(true);
  });
});
