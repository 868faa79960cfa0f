// The characters that separate words for search, shared by the index, the word check and the query parser, so a
// word means the same everywhere.

/**
 * Whitespace, dashes, and punctuation that does not join the parts of a word, as the contents of a regular
 * expression character class (with the `u` flag). Periods, apostrophes, `@` and underscores stay inside a word, so
 * 3.5, o'brien, q3.report.pdf and an address are one word each, while falcon,bluebird and pricing/bluebird are two.
 */
export const WORD_SEPARATOR_CLASS = String.raw`\s\p{Pd}/,;:!?()\[\]{}<>"“”„«»|\\+=*&^%$#~` + '`…';

/** Matches one run of separators, for splitting text into words. */
export const WORD_SEPARATORS = new RegExp(`[${WORD_SEPARATOR_CLASS}]+`, 'u');
