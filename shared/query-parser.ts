// Recursive-descent parser of the investigator's query language, and a plain-words explanation of the parse
// tree. Pure TypeScript, so the renderer shows how a query was understood without asking the main process.
import { MailcaseError } from './errors.js';
import { MAX_FUZZY_EDIT_DISTANCE, MAX_QUERY_CLAUSES, MAX_QUERY_LENGTH } from './limits.js';
import {
  ADDRESS_FIELDS,
  TEXT_FIELDS,
  type AddressField,
  type PhraseNode,
  type QueryNode,
  type SizeNode,
  type TermNode,
  type TextField,
} from './search-types.js';
import { WORD_SEPARATORS } from './word-separators.js';

/**
 * Largest word distance accepted in NEAR/n and ADJ/n. Checking proximity walks the words of every candidate
 * text, and words more than a few sentences apart no longer belong together in any useful sense.
 */
export const MAX_PROXIMITY_DISTANCE = 100;

/** Every field a query can name before a colon. */
export const QUERY_FIELDS = [
  ...TEXT_FIELDS,
  ...ADDRESS_FIELDS,
  'domain',
  'filename',
  'filetype',
  'has',
  'is',
  'tag',
  'date',
  'before',
  'after',
  'size',
] as const;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const DAY_MS = 24 * 60 * 60 * 1000;

type Token =
  | { type: 'word'; text: string; start: number; end: number }
  | { type: 'phrase'; text: string; start: number; end: number }
  | { type: 'open'; start: number; end: number }
  | { type: 'close'; start: number; end: number }
  | { type: 'end'; start: number; end: number };

/**
 * Parses a query into its tree. Words are joined by AND unless OR is between them, and NOT (or a leading "-")
 * negates. NEAR/n and ADJ/n bind tighter than NOT, NOT tighter than AND, and AND tighter than OR.
 * Throws QUERY_SYNTAX with details { position, start, end, expected } (offsets into `query`).
 */
export function parseQuery(query: string): QueryNode {
  if (query.length > MAX_QUERY_LENGTH) {
    throw syntaxError(query, MAX_QUERY_LENGTH, query.length, `at most ${MAX_QUERY_LENGTH} characters`, `${query.length} characters`);
  }
  const parser = new QueryParser(query, tokenize(query));
  const tree = parser.parseQuery();

  const leaves = countLeaves(tree);
  if (leaves > MAX_QUERY_CLAUSES) {
    throw syntaxError(query, 0, query.length, `at most ${MAX_QUERY_CLAUSES} conditions`, `${leaves} conditions`);
  }
  return tree;
}

class QueryParser {
  private index = 0;

  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  parseQuery(): QueryNode {
    const tree = this.parseOr();
    const next = this.peek();
    if (next.type === 'close') throw this.error(next, 'a search term or operator', 'an unmatched ")"');
    if (next.type !== 'end') throw this.error(next, 'the end of the query', describeToken(next));
    return tree;
  }

  private parseOr(): QueryNode {
    const children = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'OR')) {
      const operator = this.next();
      children.push(this.parseAnd(operator));
    }
    return group('or', children);
  }

  private parseAnd(after?: Token): QueryNode {
    const children = [this.parseUnary(after)];
    for (;;) {
      const next = this.peek();
      if (next.type === 'end' || next.type === 'close' || this.isKeyword(next, 'OR')) break;
      if (this.isKeyword(next, 'AND')) {
        const operator = this.next();
        children.push(this.parseUnary(operator));
        continue;
      }
      children.push(this.parseUnary());
    }
    return group('and', children);
  }

  private parseUnary(after?: Token): QueryNode {
    const next = this.peek();
    if (this.isKeyword(next, 'NOT')) {
      this.next();
      const child = this.parseUnary(next);
      return { kind: 'not', child, start: next.start, end: child.end };
    }
    // A minus written straight before a phrase or a group negates it: -"project x", -(a OR b).
    const following = this.tokens[this.index + 1];
    if (next.type === 'word' && next.text === '-' && following !== undefined && following.start === next.end && following.type !== 'close') {
      this.next();
      const child = this.parseUnary(next);
      return { kind: 'not', child, start: next.start, end: child.end };
    }
    if (next.type === 'word' && next.text.startsWith('-') && next.text.length > 1) {
      this.index += 1;
      const rest: Token = { type: 'word', text: next.text.slice(1), start: next.start + 1, end: next.end };
      this.tokens.splice(this.index, 0, rest);
      const child = this.parseUnary(next);
      return { kind: 'not', child, start: next.start, end: child.end };
    }
    return this.parseProximity(after);
  }

  private parseProximity(after?: Token): QueryNode {
    let left = this.parsePrimary(after);
    for (;;) {
      const next = this.peek();
      const operator = next.type === 'word' ? /^(NEAR|ADJ)\/(.*)$/.exec(next.text) : null;
      if (operator === null) return left;

      this.next();
      const distance = this.readDistance(next, operator[2] ?? '');
      if (!isTextOperand(left)) throw this.errorAt(left.start, left.end, `a word or phrase before ${operator[1]}`, 'another condition');
      const right = this.parsePrimary(next);
      if (!isTextOperand(right)) throw this.errorAt(right.start, right.end, `a word or phrase after ${operator[1]}`, 'another condition');

      left = { kind: 'proximity', distance, ordered: operator[1] === 'ADJ', left, right, start: left.start, end: right.end };
    }
  }

  private readDistance(token: Token, digits: string): number {
    const operatorLength = token.end - token.start - digits.length;
    if (!/^\d+$/.test(digits)) {
      throw this.errorAt(token.start + operatorLength, token.end, 'a number of words, as in NEAR/5', digits === '' ? 'nothing' : `"${digits}"`);
    }
    const distance = Number(digits);
    if (distance > MAX_PROXIMITY_DISTANCE) {
      throw this.errorAt(token.start + operatorLength, token.end, `a distance of at most ${MAX_PROXIMITY_DISTANCE} words`, digits);
    }
    return distance;
  }

  private parsePrimary(after?: Token): QueryNode {
    const token = this.next();
    if (token.type === 'end') {
      throw this.error(token, 'a search term', after === undefined ? 'the end of the query' : `the end of the query after ${describeToken(after)}`);
    }
    if (token.type === 'close') throw this.error(token, 'a search term', 'an unmatched ")"');
    if (token.type === 'open') return this.parseGroup(token);
    if (token.type === 'phrase') return this.phrase(token, null, token.start);

    if (isOperatorWord(token.text)) throw this.error(token, 'a search term', `the operator ${token.text}`);
    const colon = token.text.indexOf(':');
    if (colon > 0) return this.parseField(token, colon);
    return this.term(token.text, null, token.start, token.end);
  }

  private parseGroup(open: Token): QueryNode {
    if (this.peek().type === 'close') throw this.error(this.peek(), 'a search term inside the parentheses', 'empty parentheses');
    const inner = this.parseOr();
    const close = this.next();
    if (close.type !== 'close') throw this.errorAt(open.start, open.end, 'a closing ")" for this "("', describeToken(close));
    return { ...inner, start: open.start, end: close.end };
  }

  private parseField(token: Token & { text: string }, colon: number): QueryNode {
    const field = token.text.slice(0, colon).toLowerCase();
    const valueStart = token.start + colon + 1;
    let value = token.text.slice(colon + 1);

    if (!(QUERY_FIELDS as readonly string[]).includes(field)) {
      throw this.errorAt(token.start, token.start + colon, `a field name (${QUERY_FIELDS.join(', ')})`, `"${token.text.slice(0, colon)}"`);
    }

    // A quoted value straight after the colon (subject:"project falcon") belongs to the field.
    const next = this.peek();
    if (value === '' && next.type === 'phrase' && next.start === token.end) {
      this.next();
      if (isTextField(field)) return this.phrase(next, field, token.start);
      value = next.text;
    }
    if (value === '') throw this.errorAt(valueStart, valueStart, `a value after ${field}:`, 'nothing');
    const end = Math.max(token.end, this.tokens[this.index - 1]?.end ?? token.end);

    if (isTextField(field)) return this.term(value, field, token.start, end, valueStart);
    if (isAddressField(field)) return { kind: 'address', field, ...splitWildcard(value.toLowerCase()), start: token.start, end };

    switch (field) {
      case 'domain':
        return { kind: 'domain', value: value.toLowerCase().replace(/^@/, ''), start: token.start, end };
      case 'filename':
        return { kind: 'filename', ...splitWildcard(value.toLowerCase()), start: token.start, end };
      case 'filetype':
        return { kind: 'filetype', value: value.toLowerCase().replace(/^\./, ''), start: token.start, end };
      case 'tag':
        return { kind: 'tag', value, start: token.start, end };
      case 'has':
        if (value.toLowerCase() === 'attachment') return { kind: 'has-attachment', start: token.start, end };
        throw this.errorAt(valueStart, end, 'has:attachment', `"${value}"`);
      case 'is':
        if (value.toLowerCase() === 'encrypted') return { kind: 'is-encrypted', start: token.start, end };
        if (value.toLowerCase() === 'flagged') return { kind: 'is-flagged', start: token.start, end };
        throw this.errorAt(valueStart, end, 'is:encrypted or is:flagged', `"${value}"`);
      case 'size':
        return { kind: 'size', ...this.readSize(value, valueStart, end), start: token.start, end };
      default:
        return { kind: 'date', ...this.readDateCondition(field, value, valueStart, end), start: token.start, end };
    }
  }

  private term(text: string, field: TextField | null, start: number, end: number, valueStart = start): QueryNode {
    let word = text.startsWith('+') ? text.slice(1) : text;
    let fuzzy = 0;
    const tilde = word.indexOf('~');
    if (tilde >= 0) {
      const digits = word.slice(tilde + 1);
      const at = valueStart + (text.length - word.length) + tilde;
      if (!/^\d$/.test(digits)) throw this.errorAt(at, end, 'one digit after ~, as in falcn~1', digits === '' ? 'nothing' : `"${digits}"`);
      fuzzy = Number(digits);
      if (fuzzy > MAX_FUZZY_EDIT_DISTANCE) throw this.errorAt(at, end, `a fuzzy edit distance of at most ${MAX_FUZZY_EDIT_DISTANCE}`, digits);
      word = word.slice(0, tilde);
    }

    // Composed (NFC) like the indexed words, so "café" typed either way finds both spellings.
    const { value, wildcard } = splitWildcard(word.toLowerCase().normalize('NFC'));
    if (value.includes('*')) {
      const at = valueStart + text.indexOf('*');
      throw this.errorAt(at, at + 1, 'a wildcard (*) only at the end of a word', 'one inside it');
    }
    if (wildcard && fuzzy > 0) throw this.errorAt(valueStart, end, 'either a wildcard or a fuzzy match', 'both');
    if (value === '') throw this.errorAt(valueStart, end, 'a word', `"${text}"`);

    const node: TermNode = { kind: 'term', field, text: value, wildcard, fuzzy, start, end };
    return node;
  }

  private phrase(token: Token & { text: string }, field: TextField | null, start: number): PhraseNode {
    const words = splitPhraseWords(token.text);
    if (words.length === 0) throw this.errorAt(token.start, token.end, 'words inside the quotes', 'an empty phrase');
    return { kind: 'phrase', field, words, start, end: token.end };
  }

  private readSize(value: string, start: number, end: number): Pick<SizeNode, 'operator' | 'bytes'> {
    const match = /^(<=|>=|<|>|=)?(\d+(?:\.\d+)?)([a-z]*)$/i.exec(value);
    const multiplier = match === null ? undefined : SIZE_UNITS[(match[3] ?? '').toLowerCase()];
    if (match === null || multiplier === undefined) {
      throw this.errorAt(start, end, 'a size such as >1MB, <=500KB or 2048 (units B, KB, MB, GB)', `"${value}"`);
    }
    const operator = (match[1] ?? '=') as SizeNode['operator'];
    return { operator, bytes: Math.round(Number(match[2]) * multiplier) };
  }

  private readDateCondition(field: string, value: string, start: number, end: number): { from: number | null; to: number | null } {
    if (field === 'before') return { from: null, to: this.readDay(value, start, end).from };
    if (field === 'after') return { from: this.readDay(value, start, end).from, to: null };

    const dots = value.indexOf('..');
    if (dots < 0) return this.readDay(value, start, end);
    const fromText = value.slice(0, dots);
    const toText = value.slice(dots + 2);
    if (fromText === '' && toText === '') throw this.errorAt(start, end, 'a date on at least one side of ..', 'nothing');

    const from = fromText === '' ? null : this.readDay(fromText, start, start + dots).from;
    const to = toText === '' ? null : this.readDay(toText, start + dots + 2, end).to;
    if (from !== null && to !== null && from >= to) throw this.errorAt(start, end, 'a start date before the end date', `"${value}"`);
    return { from, to };
  }

  /** Reads YYYY, YYYY-MM or YYYY-MM-DD as the UTC range it covers: a year, a month or a day. */
  private readDay(text: string, start: number, end: number): { from: number; to: number } {
    const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(text);
    if (match !== null) {
      const year = Number(match[1]);
      const month = match[2] === undefined ? null : Number(match[2]) - 1;
      const day = match[3] === undefined ? null : Number(match[3]);
      const from = Date.UTC(year, month ?? 0, day ?? 1);
      const check = new Date(from);
      const valid = (month === null || check.getUTCMonth() === month) && (day === null || check.getUTCDate() === day);
      if (valid) {
        let to: number;
        if (day !== null) to = from + DAY_MS;
        else if (month !== null) to = Date.UTC(year, month + 1, 1);
        else to = Date.UTC(year + 1, 0, 1);
        return { from, to };
      }
    }
    throw this.errorAt(start, end, 'a date as YYYY-MM-DD, YYYY-MM or YYYY', `"${text}"`);
  }

  private peek(): Token {
    return this.tokens[this.index] ?? endToken(this.query);
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length) this.index += 1;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === 'word' && token.text === keyword;
  }

  private error(token: Token, expected: string, found: string): MailcaseError {
    return this.errorAt(token.start, token.end, expected, found);
  }

  private errorAt(start: number, end: number, expected: string, found: string): MailcaseError {
    return syntaxError(this.query, start, end, expected, found);
  }
}

/** Splits a query into words, quoted phrases and parentheses. Throws QUERY_SYNTAX for an unclosed quote. */
function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < query.length) {
    const char = query.charAt(offset);
    if (/\s/.test(char)) {
      offset += 1;
      continue;
    }
    if (char === '(' || char === ')') {
      tokens.push(char === '(' ? { type: 'open', start: offset, end: offset + 1 } : { type: 'close', start: offset, end: offset + 1 });
      offset += 1;
      continue;
    }
    if (char === '"') {
      const close = query.indexOf('"', offset + 1);
      if (close < 0) throw syntaxError(query, offset, offset + 1, 'a closing quote (") for this phrase', 'the end of the query');
      tokens.push({ type: 'phrase', text: query.slice(offset + 1, close), start: offset, end: close + 1 });
      offset = close + 1;
      continue;
    }

    let end = offset;
    while (end < query.length && !/[\s()"]/.test(query.charAt(end))) end += 1;
    tokens.push({ type: 'word', text: query.slice(offset, end), start: offset, end });
    offset = end;
  }
  return tokens;
}

/** Splits the text of a phrase into its words: runs of letters, digits and the characters that join them in addresses. */
export function splitPhraseWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFC')
    .split(WORD_SEPARATORS)
    .map((word) => word.replace(/^[^\p{L}\p{N}_]+/u, '').replace(/[^\p{L}\p{M}\p{N}_]+$/u, ''))
    .filter((word) => word !== '');
}

function splitWildcard(value: string): { value: string; wildcard: boolean } {
  return value.endsWith('*') ? { value: value.slice(0, -1), wildcard: true } : { value, wildcard: false };
}

function group(kind: 'and' | 'or', children: QueryNode[]): QueryNode {
  const first = children[0];
  const last = children[children.length - 1];
  if (first === undefined || last === undefined) throw new Error('group without children');
  if (children.length === 1) return first;
  return { kind, children, start: first.start, end: last.end };
}

function isTextOperand(node: QueryNode): node is TermNode | PhraseNode {
  return node.kind === 'term' || node.kind === 'phrase';
}

function isTextField(field: string): field is TextField {
  return (TEXT_FIELDS as readonly string[]).includes(field);
}

function isAddressField(field: string): field is AddressField {
  return (ADDRESS_FIELDS as readonly string[]).includes(field);
}

function isOperatorWord(text: string): boolean {
  return text === 'AND' || text === 'OR' || /^(NEAR|ADJ)\//.test(text);
}

function endToken(query: string): Token {
  return { type: 'end', start: query.length, end: query.length };
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the query';
    case 'open':
      return '"("';
    case 'close':
      return '")"';
    default:
      return `"${token.type === 'phrase' ? `"${token.text}"` : token.text}"`;
  }
}

function countLeaves(node: QueryNode): number {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.reduce((sum, child) => sum + countLeaves(child), 0);
    case 'not':
      return countLeaves(node.child);
    case 'proximity':
      return 2;
    default:
      return 1;
  }
}

function syntaxError(query: string, start: number, end: number, expected: string, found: string): MailcaseError {
  const position = Math.min(start, query.length);
  const problem = `expected ${expected}, found ${found}`;
  return new MailcaseError('QUERY_SYNTAX', `Invalid search query at character ${position + 1}: ${problem}`, {
    userMessage:
      `The search query has an error at character ${position + 1}: ${problem}. ` +
      'Write words, "exact phrases", AND, OR, NOT, parentheses, word*, word~1, a NEAR/5 b, a ADJ/5 b, ' +
      `or field:value (fields: ${QUERY_FIELDS.join(', ')}).`,
    details: { position, start: position, end: Math.max(position, end), expected },
  });
}

/** Describes a parse tree in plain words, one condition per line, indented by nesting. */
export function explainQuery(node: QueryNode, depth = 0): string {
  const indent = '  '.repeat(depth);
  switch (node.kind) {
    case 'and':
      return [`${indent}ALL of:`, ...node.children.map((child) => explainQuery(child, depth + 1))].join('\n');
    case 'or':
      return [`${indent}ANY of:`, ...node.children.map((child) => explainQuery(child, depth + 1))].join('\n');
    case 'not':
      return [`${indent}NOT:`, explainQuery(node.child, depth + 1)].join('\n');
    default:
      return `${indent}${describeCondition(node)}`;
  }
}

function describeCondition(node: QueryNode): string {
  switch (node.kind) {
    case 'term':
      return `${describeWord(node)} in ${describeField(node.field)}`;
    case 'phrase':
      return `phrase "${node.words.join(' ')}" in ${describeField(node.field)}`;
    case 'proximity': {
      const order = node.ordered ? `, ${describeOperand(node.left)} first` : ', in either order';
      return `${describeOperand(node.left)} within ${node.distance} words of ${describeOperand(node.right)}${order}, in ${describeField(node.left.field ?? node.right.field)}`;
    }
    case 'address':
      return `${node.field === 'participant' ? 'any address field' : `${node.field} address`} is, or has the part or name word, "${node.value}"${node.wildcard ? ' (prefix)' : ''}`;
    case 'domain':
      return `an address in domain ${node.value} or its subdomains`;
    case 'filename':
      return `an attachment named "${node.value}"${node.wildcard ? ' (prefix)' : ''}, or with that word in its name`;
    case 'filetype':
      return `an attachment whose bytes are of type ${node.value}`;
    case 'has-attachment':
      return 'has at least one attachment';
    case 'is-encrypted':
      return 'has encrypted content';
    case 'is-flagged':
      return 'is flagged by a reviewer';
    case 'tag':
      return `has the reviewer tag "${node.value}"`;
    case 'date':
      return describeDates(node.from, node.to);
    case 'size':
      return `size ${node.operator} ${node.bytes} bytes`;
    default:
      return '';
  }
}

function describeWord(node: TermNode): string {
  if (node.wildcard) return `a word starting with "${node.text}"`;
  if (node.fuzzy > 0) return `a word within ${node.fuzzy} edit${node.fuzzy === 1 ? '' : 's'} of "${node.text}"`;
  return `word "${node.text}" (or its stem)`;
}

function describeOperand(node: TermNode | PhraseNode): string {
  return node.kind === 'phrase' ? `"${node.words.join(' ')}"` : describeWord(node);
}

function describeField(field: TextField | null): string {
  if (field === null) return 'subject, body, attachments or names';
  if (field === 'attachment') return 'attachment names and text';
  return field;
}

function describeDates(from: number | null, to: number | null): string {
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  if (from !== null && to !== null) return `dated from ${day(from)} up to, not including, ${day(to)} (UTC)`;
  if (from !== null) return `dated on or after ${day(from)} (UTC)`;
  if (to !== null) return `dated before ${day(to)} (UTC)`;
  return 'any date';
}
