// Finds where a JSON text stops being valid (RFC 8259), so a rule file error can name its line and
// column. Node 20's JSON.parse names a position for some errors but not for "Unexpected token".

/** A place in a text, counted from 1 as editors show it. */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

type Expectation = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Returns the position of the first character that makes `text` invalid JSON, the end of the text
 * when it stops early, or null when it is valid. Iterative, so deep nesting cannot overflow the stack.
 */
export function findJsonErrorPosition(text: string): TextPosition | null {
  const offset = findJsonErrorOffset(text);
  return offset === null ? null : toTextPosition(text, offset);
}

/** Converts a character offset to a 1-based line and column. */
export function toTextPosition(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index += 1) {
    if (text.charAt(index) === '\n') {
      line += 1;
      lineStart = index + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

function findJsonErrorOffset(text: string): number | null {
  const open: ('{' | '[')[] = [];
  let expect: Expectation = 'value';
  let offset = 0;
  const afterValue = (): Expectation => (open.length > 0 ? 'comma-or-close' : 'end');

  for (;;) {
    while (offset < text.length && WHITESPACE.has(text.charAt(offset))) offset += 1;
    if (offset >= text.length) return expect === 'end' ? null : text.length;
    const char = text.charAt(offset);

    switch (expect) {
      case 'end':
        return offset;

      case 'colon':
        if (char !== ':') return offset;
        offset += 1;
        expect = 'value';
        break;

      case 'comma-or-close': {
        const container = open.at(-1);
        if (char === ',') {
          offset += 1;
          expect = container === '{' ? 'key' : 'value';
        } else if ((char === '}' && container === '{') || (char === ']' && container === '[')) {
          open.pop();
          offset += 1;
          expect = afterValue();
        } else {
          return offset;
        }
        break;
      }

      case 'key-or-close':
      case 'key': {
        if (expect === 'key-or-close' && char === '}') {
          open.pop();
          offset += 1;
          expect = afterValue();
          break;
        }
        if (char !== '"') return offset;
        const end = scanString(text, offset);
        if (end.error !== undefined) return end.error;
        offset = end.next;
        expect = 'colon';
        break;
      }

      case 'value-or-close':
      case 'value': {
        if (expect === 'value-or-close' && char === ']') {
          open.pop();
          offset += 1;
          expect = afterValue();
          break;
        }
        if (char === '{' || char === '[') {
          open.push(char);
          offset += 1;
          expect = char === '{' ? 'key-or-close' : 'value-or-close';
          break;
        }
        const next = scanScalar(text, offset);
        if (next.error !== undefined) return next.error;
        offset = next.next;
        expect = afterValue();
        break;
      }
    }
  }
}

type ScanResult = { next: number; error?: undefined } | { next?: undefined; error: number };

function scanScalar(text: string, offset: number): ScanResult {
  const char = text.charAt(offset);
  if (char === '"') return scanString(text, offset);

  for (const literal of ['true', 'false', 'null']) {
    if (literal.charAt(0) !== char) continue;
    for (let index = 1; index < literal.length; index += 1) {
      if (text.charAt(offset + index) !== literal.charAt(index)) return { error: Math.min(offset + index, text.length) };
    }
    return { next: offset + literal.length };
  }

  NUMBER.lastIndex = offset;
  const number = NUMBER.exec(text);
  if (number === null) return { error: offset };
  return { next: offset + number[0].length };
}

function scanString(text: string, offset: number): ScanResult {
  let index = offset + 1;
  while (index < text.length) {
    const char = text.charAt(index);
    if (char === '"') return { next: index + 1 };
    if (char.charCodeAt(0) < 0x20) return { error: index };

    if (char !== '\\') {
      index += 1;
      continue;
    }

    const escaped = text.charAt(index + 1);
    if (SIMPLE_ESCAPES.has(escaped)) {
      index += 2;
    } else if (escaped === 'u') {
      for (let digit = 2; digit < 6; digit += 1) {
        if (!/[0-9a-fA-F]/.test(text.charAt(index + digit))) return { error: Math.min(index + digit, text.length) };
      }
      index += 6;
    } else {
      return { error: Math.min(index + 1, text.length) };
    }
  }
  return { error: text.length };
}
