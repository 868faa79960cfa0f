// Marks the words of a search query in a result snippet. The snippet is untrusted message text, so it is
// split into plain strings and <mark> elements that React escapes; no HTML is ever built from it.
import type { ReactNode } from 'react';

/** A word as the snippet is split: letters, digits, underscores and inner apostrophes. */
const WORD = /[\p{L}\p{N}_]+(?:'[\p{L}\p{N}_]+)*/gu;

/** Fields whose words can appear in the body snippet; other fields (subject, from, ...) are not marked there. */
const SNIPPET_FIELDS = new Set(['', 'body']);

interface QueryTerm {
  text: string;
  isPrefix: boolean;
}

/**
 * Lists the words a query looks for in the body: unfielded and body: terms, without the +, -, *, ~N and
 * quote syntax. Terms excluded with - are left out because a hit cannot contain them.
 */
export function bodyTermsOf(query: string): QueryTerm[] {
  const terms: QueryTerm[] = [];
  for (const clause of query.split(/\s+/)) {
    if (clause.startsWith('-')) continue;

    const separator = clause.indexOf(':');
    const field = separator > 0 ? clause.slice(0, separator).replace(/^[+"]+/, '').toLowerCase() : '';
    if (!SNIPPET_FIELDS.has(field)) continue;

    const value = separator > 0 ? clause.slice(separator + 1) : clause;
    const isPrefix = /\*["]*$/.test(value);
    for (const word of value.replace(/~\d*/g, '').matchAll(WORD)) {
      terms.push({ text: word[0].toLowerCase(), isPrefix });
    }
  }
  return terms;
}

/**
 * Removes one common English suffix, so "pricing" and "priced" mark each other as the search's stemming
 * matches them. NOTE: this approximates lunr's Porter stemmer and can miss or over-mark some word forms.
 */
function roughStem(word: string): string {
  for (const suffix of ['ing', 'ed', 'es', 's', 'e']) {
    if (word.length - suffix.length >= 3 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  }
  return word;
}

function matchesTerm(word: string, terms: QueryTerm[]): boolean {
  const lower = word.toLowerCase();
  return terms.some((term) => (term.isPrefix ? lower.startsWith(term.text) : lower === term.text || roughStem(lower) === roughStem(term.text)));
}

/** Splits a snippet into text and <mark> nodes, marking each word that one of the query's body terms matches. */
export function highlightSnippet(snippet: string, query: string): ReactNode[] {
  const terms = bodyTermsOf(query);
  if (terms.length === 0) return [snippet];

  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of snippet.matchAll(WORD)) {
    const start = match.index ?? 0;
    if (!matchesTerm(match[0], terms)) continue;

    if (start > last) nodes.push(snippet.slice(last, start));
    nodes.push(<mark key={start}>{match[0]}</mark>);
    last = start + match[0].length;
  }
  if (last < snippet.length) nodes.push(snippet.slice(last));
  return nodes;
}
