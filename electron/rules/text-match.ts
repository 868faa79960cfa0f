// Text matching shared by the content detectors: whole-word keyword patterns, supporting-keyword proximity
// and the confidence levels it raises.
import type { HitConfidence } from '../../shared/rules-types.js';

/** A span of matched text: offsets in UTF-16 code units, end exclusive. */
export interface TextSpan {
  start: number;
  end: number;
  text: string;
}

/**
 * Builds a case-insensitive, whole-word pattern for a keyword or phrase. Regex special characters are
 * escaped and each space of a phrase matches any run of whitespace, line breaks included. "Whole word"
 * means no letter, digit or underscore of any script directly before or after the match. Quoted-printable
 * soft breaks are already gone from the decoded text the detectors read.
 */
export function keywordPattern(keyword: string): RegExp {
  const words = keyword.trim().split(/\s+/).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'giu');
}

/** Escapes every character that has a meaning in a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Lists every match of a global pattern in a text, up to `limit` matches. */
export function findAll(pattern: RegExp, text: string, limit: number): TextSpan[] {
  const spans: TextSpan[] = [];
  pattern.lastIndex = 0;
  for (const match of text.matchAll(pattern)) {
    if (spans.length >= limit) break;
    spans.push({ start: match.index, end: match.index + match[0].length, text: match[0] });
  }
  return spans;
}

/** Supporting keywords compiled once per condition. */
export interface SupportMatcher {
  patterns: { keyword: string; pattern: RegExp }[];
  proximity: number;
}

/** Compiles supporting keywords for proximity checks. */
export function compileSupport(keywords: readonly string[], proximity: number): SupportMatcher {
  return { patterns: [...new Set(keywords)].map((keyword) => ({ keyword, pattern: keywordPattern(keyword) })), proximity };
}

/**
 * Finds the nearest supporting keyword within `proximity` characters of a span (before its start or after
 * its end), or null. Overlapping the span itself does not count, so a keyword never supports itself.
 */
export function findSupport(support: SupportMatcher, text: string, span: { start: number; end: number }): { keyword: string; distance: number } | null {
  if (support.patterns.length === 0) return null;

  const from = Math.max(0, span.start - support.proximity);
  const to = Math.min(text.length, span.end + support.proximity);
  const window = text.slice(from, to);

  let best: { keyword: string; distance: number } | null = null;
  for (const { keyword, pattern } of support.patterns) {
    for (const found of findAll(pattern, window, 1_000)) {
      const start = from + found.start;
      const end = from + found.end;
      if (end > span.start && start < span.end) continue;

      const distance = end <= span.start ? span.start - end : start - span.end;
      if (best === null || distance < best.distance) best = { keyword, distance };
    }
  }
  return best;
}

const CONFIDENCE_ORDER: readonly HitConfidence[] = ['low', 'medium', 'high'];

/** Returns the confidence one level higher, capped at high. */
export function raiseConfidence(confidence: HitConfidence): HitConfidence {
  const index = CONFIDENCE_ORDER.indexOf(confidence);
  return CONFIDENCE_ORDER[Math.min(index + 1, CONFIDENCE_ORDER.length - 1)] ?? 'high';
}

/** Tells whether a confidence reaches a minimum. */
export function meetsConfidence(confidence: HitConfidence, minimum: HitConfidence): boolean {
  return CONFIDENCE_ORDER.indexOf(confidence) >= CONFIDENCE_ORDER.indexOf(minimum);
}

/** Shortens matched text for explanations, keeping the start. */
export function quote(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
