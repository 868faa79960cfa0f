// A small, bounded XML scanner for the text parts of Office and OpenDocument files. It reads elements and
// character data only: DOCTYPE declarations are skipped and only the predefined and numeric entities are
// expanded, so no external entity is ever resolved and no entity can expand into more text.
import { MAX_MARKUP_DEPTH } from './attachment-limits.js';

export interface XmlHandlers {
  open?(name: string, rawAttributes: string, isSelfClosing: boolean): void;
  close?(name: string): void;
  text?(text: string): void;
}

const PREDEFINED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined XML entities and numeric character references; other references stay as written. */
export function decodeXmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, body: string) => {
    if (!body.startsWith('#')) return PREDEFINED_ENTITIES[body] ?? whole;
    const code = body.startsWith('#x') ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Returns the value of one attribute from a tag's raw attribute text, entities decoded, or null. */
export function readXmlAttribute(rawAttributes: string, name: string): string | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`(?:^|\\s)${escaped}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(rawAttributes);
  if (!match) return null;
  return decodeXmlEntities(match[1] ?? match[2] ?? '');
}

/** Returns the index of the ">" closing a tag that starts at `from`, skipping ">" inside quoted values, or -1. */
function findTagEnd(xml: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < xml.length; i += 1) {
    const char = xml[i];
    if (quote !== null) {
      if (char === quote) quote = null;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '>') {
      return i;
    }
  }
  return -1;
}

/**
 * Scans an XML document and calls the handlers for each start tag, end tag and run of character data.
 * Throws an Error for markup nested deeper than MAX_MARKUP_DEPTH or for a tag left open at the end of input.
 */
export function scanXml(xml: string, handlers: XmlHandlers): void {
  let depth = 0;
  let position = 0;

  while (position < xml.length) {
    const tagStart = xml.indexOf('<', position);
    if (tagStart === -1) {
      handlers.text?.(decodeXmlEntities(xml.slice(position)));
      return;
    }
    if (tagStart > position) handlers.text?.(decodeXmlEntities(xml.slice(position, tagStart)));

    if (xml.startsWith('<!--', tagStart)) {
      position = skipPast(xml, tagStart, '-->');
      continue;
    }
    if (xml.startsWith('<![CDATA[', tagStart)) {
      const end = xml.indexOf(']]>', tagStart);
      if (end === -1) throw new Error('XML CDATA section is not closed');
      handlers.text?.(xml.slice(tagStart + 9, end));
      position = end + 3;
      continue;
    }
    if (xml.startsWith('<?', tagStart)) {
      position = skipPast(xml, tagStart, '?>');
      continue;
    }
    if (xml.startsWith('<!', tagStart)) {
      // A DOCTYPE may carry an internal subset in brackets; it is skipped whole, and its entities are never used.
      const bracket = xml.indexOf('[', tagStart);
      const close = xml.indexOf('>', tagStart);
      position = bracket !== -1 && close !== -1 && bracket < close ? skipPast(xml, bracket, ']>') : skipPast(xml, tagStart, '>');
      continue;
    }

    const tagEnd = findTagEnd(xml, tagStart + 1);
    if (tagEnd === -1) throw new Error('XML tag is not closed before the end of the part');
    const inner = xml.slice(tagStart + 1, tagEnd);
    position = tagEnd + 1;

    if (inner.startsWith('/')) {
      depth = Math.max(0, depth - 1);
      handlers.close?.(inner.slice(1).trim());
      continue;
    }

    const isSelfClosing = inner.endsWith('/');
    const body = isSelfClosing ? inner.slice(0, -1) : inner;
    const nameEnd = body.search(/[\s/]/);
    const name = nameEnd === -1 ? body : body.slice(0, nameEnd);
    const rawAttributes = nameEnd === -1 ? '' : body.slice(nameEnd);
    handlers.open?.(name, rawAttributes, isSelfClosing);

    if (isSelfClosing) {
      handlers.close?.(name);
    } else {
      depth += 1;
      if (depth > MAX_MARKUP_DEPTH) throw new Error(`XML elements are nested more than ${MAX_MARKUP_DEPTH} deep`);
    }
  }
}

function skipPast(xml: string, from: number, terminator: string): number {
  const end = xml.indexOf(terminator, from);
  if (end === -1) throw new Error(`XML markup is missing its closing "${terminator}"`);
  return end + terminator.length;
}

/** Bounded text accumulator that joins runs with the strongest separator requested since the last run. */
export class TextCollector {
  private readonly parts: string[] = [];
  private length = 0;
  private pendingSeparator = '';
  /** True once text was dropped because the character limit was reached. */
  truncated = false;

  constructor(private readonly maxChars: number) {}

  /** Requests a separator before the next text; a stronger one ('\n\n' > '\n' > '\t' > ' ') wins. */
  separate(separator: string): void {
    const rank = (value: string): number => ['', ' ', '\t', '\n', '\n\n'].indexOf(value);
    if (rank(separator) > rank(this.pendingSeparator)) this.pendingSeparator = separator;
  }

  /** Appends text, preceded by the pending separator unless nothing was written yet. */
  add(text: string): void {
    if (text === '' || this.truncated) return;
    const piece = (this.length > 0 ? this.pendingSeparator : '') + text;
    this.pendingSeparator = '';
    const room = this.maxChars - this.length;
    if (piece.length > room) {
      this.parts.push(piece.slice(0, room));
      this.length = this.maxChars;
      this.truncated = true;
      return;
    }
    this.parts.push(piece);
    this.length += piece.length;
  }

  /** Returns the collected text. */
  toString(): string {
    return this.parts.join('');
  }
}

export interface ElementTextRules {
  /** Elements whose character data is document text (with everything nested inside them). */
  textElements: ReadonlySet<string>;
  /** Separator requested when an element ends, such as '\n' after a paragraph. */
  separatorAfter: ReadonlyMap<string, string>;
  /** Text written where an element appears, such as '\t' for a tab element; given the raw attributes. */
  inlineText?: (name: string, rawAttributes: string) => string | null;
}

/** Extracts the text of an XML part by the given element rules into a collector. */
export function collectXmlText(xml: string, rules: ElementTextRules, collector: TextCollector): void {
  let textDepth = 0;

  scanXml(xml, {
    // scanXml reports a self-closing element as an open followed by a close, so the depth stays balanced.
    open(name, rawAttributes) {
      if (rules.textElements.has(name)) textDepth += 1;
      const inline = rules.inlineText?.(name, rawAttributes) ?? null;
      if (inline !== null && textDepth > 0) collector.add(inline);
    },
    close(name) {
      if (rules.textElements.has(name)) textDepth = Math.max(0, textDepth - 1);
      const separator = rules.separatorAfter.get(name);
      if (separator !== undefined) collector.separate(separator);
    },
    text(text) {
      if (textDepth > 0) collector.add(text);
    },
  });
}
