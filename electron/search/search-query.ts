// Runs an investigator's query against a lunr index: lunr's query syntax, plus quoted phrases read as
// "every word required". Syntax errors become QUERY_SYNTAX errors that carry the position of the fault.
import lunr from 'lunr';

import { MailcaseError } from '../../shared/errors.js';
import { MAX_FUZZY_EDIT_DISTANCE, MAX_QUERY_CLAUSES, MAX_QUERY_LENGTH } from '../../shared/limits.js';
import { TERM_SEPARATOR, isStopWord } from './text-pipeline.js';

/** lunr 2.3 ships the parser at runtime but its type definitions leave it out. */
interface LunrQueryParser {
  parse(): lunr.Query;
}
const QueryParser = (lunr as unknown as { QueryParser: new (text: string, query: lunr.Query) => LunrQueryParser }).QueryParser;

/** A query rewritten for lunr, with the position in the original query of each rewritten character. */
interface PreparedQuery {
  text: string;
  originalOffsets: number[];
}

/**
 * Runs a query on a loaded index and returns lunr's results, best first.
 * Throws QUERY_SYNTAX with details { position, start, end } (character offsets into `query`).
 */
export function runQuery(index: lunr.Index, query: string, fields: readonly string[]): lunr.Index.Result[] {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new MailcaseError('QUERY_SYNTAX', `Query is ${query.length} characters long, more than the ${MAX_QUERY_LENGTH} allowed`, {
      userMessage: `The search query is too long (${query.length} characters). Shorten it to at most ${MAX_QUERY_LENGTH} characters.`,
      details: { position: MAX_QUERY_LENGTH, start: MAX_QUERY_LENGTH, end: query.length },
    });
  }

  const prepared = expandQuotedPhrases(query, fields);
  try {
    return index.query((builder) => {
      new QueryParser(prepared.text, builder).parse();
      checkClauses(builder.clauses, query, fields);
    });
  } catch (error) {
    if (error instanceof lunr.QueryParseError) throw toSyntaxError(error, query, prepared, fields);
    throw error;
  }
}

/**
 * Rewrites `"falcon pricing"` as `+falcon +pricing`, so a quoted phrase finds messages that contain
 * every one of its words. Stop words stay optional because the index leaves them out.
 * NOTE: the index keeps no word positions, so word order and adjacency inside quotes are not checked.
 */
function expandQuotedPhrases(query: string, fields: readonly string[]): PreparedQuery {
  let text = '';
  const originalOffsets: number[] = [];
  let openQuote = -1;
  let atWordStart = true;

  for (let offset = 0; offset < query.length; offset += 1) {
    const char = query.charAt(offset);

    if (char === '"') {
      openQuote = openQuote < 0 ? offset : -1;
      text += ' ';
      originalOffsets.push(offset);
      atWordStart = true;
      continue;
    }

    const isSeparator = TERM_SEPARATOR.test(char);
    if (openQuote >= 0 && atWordStart && !isSeparator && char !== '+') {
      const word = readWord(query, offset);
      if (!isStopWord(stripFieldPrefix(word))) {
        text += '+';
        originalOffsets.push(offset);
      }
    }

    // Inside quotes a hyphen joins words ("rival-corp"), so it must not turn the next word into an exclusion.
    text += openQuote >= 0 && char === '-' ? ' ' : char;
    originalOffsets.push(offset);
    atWordStart = isSeparator;
  }

  if (openQuote >= 0) {
    throw syntaxError(query, openQuote, openQuote + 1, 'missing closing quote (")', fields);
  }
  return { text, originalOffsets };
}

function readWord(query: string, start: number): string {
  let end = start;
  while (end < query.length && !TERM_SEPARATOR.test(query.charAt(end)) && query.charAt(end) !== '"') end += 1;
  return query.slice(start, end);
}

function stripFieldPrefix(word: string): string {
  const colon = word.indexOf(':');
  return colon < 0 ? word : word.slice(colon + 1);
}

/** Rejects queries that parse but would be too costly to run. */
function checkClauses(clauses: lunr.Query.Clause[], query: string, fields: readonly string[]): void {
  if (clauses.length > MAX_QUERY_CLAUSES) {
    throw syntaxError(query, 0, query.length, `too many terms (${clauses.length}), at most ${MAX_QUERY_CLAUSES} are allowed`, fields);
  }

  if (clauses.some((clause) => clause.editDistance > MAX_FUZZY_EDIT_DISTANCE)) {
    const match = [...query.matchAll(/~(\d+)/g)].find((candidate) => Number(candidate[1]) > MAX_FUZZY_EDIT_DISTANCE);
    const start = match?.index ?? 0;
    const end = match ? start + match[0].length : query.length;
    throw syntaxError(query, start, end, `fuzzy edit distance must be at most ${MAX_FUZZY_EDIT_DISTANCE}`, fields);
  }
}

function toSyntaxError(error: lunr.QueryParseError, query: string, prepared: PreparedQuery, fields: readonly string[]): MailcaseError {
  const { start, end } = error as unknown as { start: number; end: number };
  const mapOffset = (offset: number): number => prepared.originalOffsets[offset] ?? query.length;
  const originalStart = mapOffset(start);
  const originalEnd = end > start ? mapOffset(end - 1) + 1 : originalStart;
  return syntaxError(query, originalStart, originalEnd, error.message, fields);
}

function syntaxError(query: string, start: number, end: number, problem: string, fields: readonly string[]): MailcaseError {
  const position = Math.min(start, query.length);
  return new MailcaseError('QUERY_SYNTAX', `Invalid search query at character ${position + 1}: ${problem}`, {
    userMessage:
      `The search query has an error at character ${position + 1}: ${problem}. ` +
      `Write words, field:word (fields: ${fields.join(', ')}), +word to require a word, -word to exclude one, ` +
      `word* for a wildcard, word~1 for a fuzzy match, or "several words" to require them all.`,
    details: { position, start: position, end: Math.max(position, end) },
  });
}
