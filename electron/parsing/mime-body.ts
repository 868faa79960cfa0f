// Chooses and joins the body parts of a message into the record's plain text, converting HTML where no plain
// text alternative exists.
import { compile } from 'html-to-text';

import { MAX_HTML_TO_TEXT_CHARS } from '../../shared/limits.js';
import type { WalkedPart } from './mime-structure.js';

/**
 * Deepest HTML element nesting html-to-text walks. Its DOM walk recurses per level, so a hostile page of deeply
 * nested tags would exhaust the stack; real mail stays far below this. The value equals mailparser 3.14's.
 */
const MAX_HTML_NESTING_DEPTH = 1_000;

/**
 * html-to-text's converter, built once. Its convert() builds the same converter from the options on every call,
 * which took seven eighths of the CPU time of converting the HTML-only bodies of the search benchmark corpus.
 */
const htmlToText = compile({ limits: { maxDepth: MAX_HTML_NESTING_DEPTH } });

export interface BodyText {
  text: string;
  /** Path of the first part the text came from, or null when the message has no body text. */
  textPartPath: string | null;
  problems: { location: string; reason: string }[];
}

/**
 * Joins the body parts the way mailparser 3.14 builds its text: every plain-text part in document order, and
 * HTML parts converted to text unless a multipart/alternative offers them next to plain text. A message with
 * only HTML bodies gets all of them converted.
 */
export function composeBodyText(parts: WalkedPart[]): BodyText {
  const body = parts.filter((part) => part.info.role === 'body-text' || part.info.role === 'body-html');
  const hasPlain = body.some((part) => part.info.role === 'body-text');
  const result: BodyText = { text: '', textPartPath: null, problems: [] };
  const texts: string[] = [];

  for (const part of body) {
    if (part.text === null) continue;

    let text: string;
    if (part.info.role === 'body-text') {
      text = part.text;
    } else {
      if (hasPlain && part.inAlternative) continue;
      const converted = convertHtml(part.text);
      if (converted.error !== null) {
        result.problems.push({ location: part.info.path, reason: converted.error });
        continue;
      }
      text = converted.text;
    }
    result.textPartPath ??= part.info.path;
    texts.push(text);
  }

  result.text = texts.join('\n');
  return result;
}

/** Converts HTML to plain text with html-to-text; returns the reason instead when the HTML is too large or fails. */
export function convertHtml(html: string): { text: string; error: string | null } {
  if (html.length > MAX_HTML_TO_TEXT_CHARS) {
    return { text: '', error: `HTML body of ${html.length} characters is longer than the ${MAX_HTML_TO_TEXT_CHARS} converted to text` };
  }
  if (exceedsNestingDepth(html, MAX_HTML_NESTING_DEPTH)) {
    return { text: '', error: `HTML body could not be converted to text: HTML nested deeper than ${MAX_HTML_NESTING_DEPTH} levels` };
  }
  try {
    return { text: htmlToText(html), error: null };
  } catch (error) {
    return { text: '', error: `HTML body could not be converted to text: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * HTML elements whose start tags are not counted as a nesting level: void elements, which never have content,
 * and elements whose end tag may be left out (HTML Living Standard "optional tags"), which pages often leave open.
 */
const UNCOUNTED_ELEMENTS = new Set([
  ...['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'],
  ...['p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option', 'optgroup', 'tbody', 'thead', 'tfoot', 'colgroup', 'rb', 'rt', 'rp'],
]);

/**
 * Tells whether start tags nest deeper than `maxDepth`, counting each start tag as one level in and each end tag as
 * one level out. html-to-text's own maxDepth only truncates silently, so the depth is checked first and reported.
 * NOTE: the count is an estimate: a page that leaves more than maxDepth other elements unclosed is reported as too
 * deep although a browser would close them implicitly.
 */
function exceedsNestingDepth(html: string, maxDepth: number): boolean {
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*?(\/?)>/g;
  let depth = 0;
  for (let match = tag.exec(html); match !== null; match = tag.exec(html)) {
    const [, closing, name, selfClosing] = match;
    const isCounted = !UNCOUNTED_ELEMENTS.has((name ?? '').toLowerCase());
    if (!isCounted) continue;
    if (closing === '/') {
      depth = Math.max(0, depth - 1);
    } else if (selfClosing !== '/') {
      depth += 1;
      if (depth > maxDepth) return true;
    }
  }
  return false;
}
