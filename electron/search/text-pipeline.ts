// The lunr text pipelines Mailcase indexes and searches with, and the word normalisation snippets reuse
// so a snippet finds the same words the index matched.
import lunr from 'lunr';

import { WORD_SEPARATOR_CLASS, WORD_SEPARATORS } from '../../shared/word-separators.js';

/**
 * Strips punctuation from both ends of a token but keeps letters and digits of every script.
 * lunr's own trimmer strips everything outside [A-Za-z0-9_], which would drop Cyrillic, Greek or
 * Chinese words from the index entirely and cut accented letters off word edges.
 */
export const unicodeTrimmer: lunr.PipelineFunction = (token) =>
  token.update((text) => text.replace(/^[^\p{L}\p{N}_]+/u, '').replace(/[^\p{L}\p{M}\p{N}_]+$/u, ''));

/**
 * Composes a token's accents (Unicode NFC), so "café" written with a combining accent, as macOS writes file names,
 * is the same term as "café" written with one character.
 */
export const composedForm: lunr.PipelineFunction = (token) => token.update((text) => text.normalize('NFC'));

/**
 * Maximum length of a term indexed or searched, in characters. lunr keeps the index's terms in a trie with one node per
 * character, so a "word" of megabytes (a hostile line, base64 without line breaks) would need gigabytes of
 * memory. No word of any language is this long.
 */
export const MAX_TERM_CHARS = 80;

/**
 * Maximum length of a token that is trimmed of punctuation. Trimming the end of a long run of punctuation takes
 * time in proportion to the square of its length, so longer tokens are dropped before trimming. No word is this long.
 */
export const MAX_UNTRIMMED_TOKEN_CHARS = 1_000;

/** Drops a token longer than MAX_TERM_CHARS; lunr removes a token whose pipeline function returns null. */
export const longTermFilter: lunr.PipelineFunction = (token) => (token.toString().length > MAX_TERM_CHARS ? null : token);

/** Drops a token too long to trim, before the trimmer runs. */
export const untrimmableTokenFilter: lunr.PipelineFunction = (token) => (token.toString().length > MAX_UNTRIMMED_TOKEN_CHARS ? null : token);

// A serialised index names its pipeline functions, and lunr looks them up by these labels when it loads one.
lunr.Pipeline.registerFunction(unicodeTrimmer, 'mailcaseUnicodeTrimmer');
lunr.Pipeline.registerFunction(longTermFilter, 'mailcaseLongTermFilter');
lunr.Pipeline.registerFunction(untrimmableTokenFilter, 'mailcaseUntrimmableTokenFilter');
lunr.Pipeline.registerFunction(composedForm, 'mailcaseComposedForm');

/** Characters that split a term into words, for lunr's tokenizer and for the query's words alike. */
export const TERM_SEPARATOR = WORD_SEPARATORS;

// lunr's tokenizer tests each character against this pattern. Its default splits only on whitespace and hyphens, so
// "falcon,bluebird" would be one term that a search for bluebird never finds.
lunr.tokenizer.separator = new RegExp(`[${WORD_SEPARATOR_CLASS}]`, 'u');

/**
 * Sets up a builder's pipelines. Indexing trims, drops terms over MAX_TERM_CHARS and English stop words, and stems.
 * Searching does the same but keeps stop words.
 */
export function configurePipelines(builder: lunr.Builder): void {
  builder.pipeline.reset();
  builder.pipeline.add(untrimmableTokenFilter, composedForm, unicodeTrimmer, longTermFilter, lunr.stopWordFilter, lunr.stemmer);
  builder.searchPipeline.reset();
  builder.searchPipeline.add(untrimmableTokenFilter, composedForm, unicodeTrimmer, longTermFilter, lunr.stemmer);
}

const wordPipeline = new lunr.Pipeline();
wordPipeline.add(untrimmableTokenFilter, composedForm, unicodeTrimmer, longTermFilter, lunr.stemmer);

/** Returns the index term a word of text becomes (lower-cased, trimmed and stemmed), or null when none. */
export function normaliseWord(word: string): string | null {
  return wordPipeline.runString(word.toLowerCase())[0] ?? null;
}

/** Tells whether lunr's index can contain a word: not a stop word, and not longer than MAX_TERM_CHARS once trimmed. */
export function isIndexedWord(word: string): boolean {
  if (isStopWord(word)) return false;
  const trimmed = word.normalize('NFC').replace(/^[^\p{L}\p{N}_]+/u, '').replace(/[^\p{L}\p{M}\p{N}_]+$/u, '');
  return trimmed.length <= MAX_TERM_CHARS;
}

/** Tells whether a word is an English stop word that the index leaves out. */
export function isStopWord(word: string): boolean {
  const trimmed = unicodeTrimmer(new lunr.Token(word.toLowerCase(), {}), 0, []);
  if (!(trimmed instanceof lunr.Token) || trimmed.toString() === '') return true;
  const kept = lunr.stopWordFilter(trimmed);
  return kept === undefined || kept === null;
}
