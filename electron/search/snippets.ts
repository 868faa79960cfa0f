// Builds the excerpts shown under a hit, with the matched words highlighted by offsets into the extracted text
// of the part each excerpt comes from.
import { SNIPPET_CONTEXT_CHARS } from '../../shared/limits.js';
import type { HighlightRange, PhraseNode, QueryNode, SearchSnippet, TermNode, TextField } from '../../shared/search-types.js';
import { UNIT_SOURCES } from './query-evaluator.js';
import type { DocumentText, TextUnit } from './search-documents.js';
import { TextMatcher, splitWords } from './text-matcher.js';

/**
 * Highlights kept per text and query operand. A word repeated hundreds of thousands of times would otherwise give as
 * many ranges, and an excerpt shows only those near its start.
 */
const MAX_HIGHLIGHTS_PER_TEXT = 1_000;

/** Excerpts kept per hit; more would crowd the result list. */
const MAX_SNIPPETS_PER_HIT = 3;

/** Order in which texts are offered as excerpts, body first because it describes a message best. */
const SNIPPET_SOURCES: readonly TextUnit['source'][] = ['body', 'attachment', 'subject'];

type Highlighter =
  | { kind: 'operand'; operand: TermNode | PhraseNode; field: TextField | null }
  | { kind: 'proximity'; left: TermNode | PhraseNode; right: TermNode | PhraseNode; distance: number; ordered: boolean; field: TextField | null };

/** Collects the words, phrases and proximity pairs of a query that a hit is shown for: those not under NOT. */
export function collectHighlighters(node: QueryNode): Highlighter[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.flatMap(collectHighlighters);
    case 'term':
    case 'phrase':
      return [{ kind: 'operand', operand: node, field: node.field }];
    case 'proximity':
      return [{ kind: 'proximity', left: node.left, right: node.right, distance: node.distance, ordered: node.ordered, field: node.left.field ?? node.right.field }];
    default:
      return [];
  }
}

/** Returns the excerpts of one document and a one-line summary of the first, or the body's start when nothing matched. */
export function buildSnippets(text: DocumentText, highlighters: readonly Highlighter[], matcher = new TextMatcher()): { snippets: SearchSnippet[]; summary: string } {
  const snippets: SearchSnippet[] = [];
  for (const source of SNIPPET_SOURCES) {
    for (const unit of text.units) {
      if (unit.source !== source || snippets.length >= MAX_SNIPPETS_PER_HIT) continue;
      const ranges = highlightRanges(unit, highlighters, matcher);
      if (ranges.length > 0) snippets.push(excerptAround(unit, ranges));
    }
  }

  const first = snippets[0];
  if (first !== undefined) return { snippets, summary: summarise(first.excerpt, first.excerptStart > 0, first.excerptStart + first.excerpt.length < unitLength(text, first)) };

  const body = text.units.find((unit) => unit.source === 'body')?.text ?? '';
  const end = Math.min(body.length, 2 * SNIPPET_CONTEXT_CHARS);
  return { snippets, summary: summarise(body.slice(0, end), false, end < body.length) };
}

function highlightRanges(unit: TextUnit, highlighters: readonly Highlighter[], matcher: TextMatcher): HighlightRange[] {
  const relevant = highlighters.filter((highlighter) => UNIT_SOURCES[highlighter.field ?? 'any'].has(unit.source));
  if (relevant.length === 0) return [];

  const list = splitWords(unit.text);
  const ranges: HighlightRange[] = [];
  for (const highlighter of relevant) {
    const spans =
      highlighter.kind === 'operand'
        ? matcher.findSpans(list, highlighter.operand)
        : matcher.nearSpans(list, highlighter.left, highlighter.right, highlighter.distance, highlighter.ordered);
    for (const range of matcher.toRanges(list, spans.slice(0, MAX_HIGHLIGHTS_PER_TEXT))) ranges.push(range);
  }
  return mergeRanges(ranges);
}

function mergeRanges(ranges: HighlightRange[]): HighlightRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: HighlightRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

function excerptAround(unit: TextUnit, ranges: HighlightRange[]): SearchSnippet {
  const first = ranges[0] ?? { start: 0, end: 0 };
  const start = Math.max(0, first.start - SNIPPET_CONTEXT_CHARS);
  const end = Math.min(unit.text.length, first.end + SNIPPET_CONTEXT_CHARS);
  const highlights = ranges.filter((range) => range.start >= start && range.end <= end);
  return {
    source: snippetSource(unit.source),
    partPath: unit.partPath,
    excerpt: unit.text.slice(start, end),
    excerptStart: start,
    highlights,
  };
}

function unitLength(text: DocumentText, snippet: SearchSnippet): number {
  const unit = text.units.find((candidate) => candidate.partPath === snippet.partPath && candidate.text.startsWith(snippet.excerpt, snippet.excerptStart));
  return unit?.text.length ?? snippet.excerptStart + snippet.excerpt.length;
}

function summarise(excerpt: string, cutBefore: boolean, cutAfter: boolean): string {
  return `${cutBefore ? '…' : ''}${excerpt.replace(/\s+/g, ' ').trim()}${cutAfter ? '…' : ''}`;
}

/** Returns the snippet source of a text unit; every text other than the subject and body is reported as attachment text. */
function snippetSource(source: TextUnit['source']): 'subject' | 'body' | 'attachment' {
  if (source === 'subject' || source === 'body') return source;
  return 'attachment';
}
