// Content detectors: keywords and the PII types (payment cards, IBANs, US SSNs, listed e-mail addresses and
// phone numbers). Each reads the message texts, validates candidates and grades them by supporting keywords.
import type {
  EmailListCondition,
  HitConfidence,
  IbanCondition,
  KeywordsCondition,
  PaymentCardCondition,
  PhoneListCondition,
  SsnCondition,
  SupportOptions,
} from '../../shared/rules-types.js';
import type { MessageRecord, RuleMatch } from '../../shared/types.js';
import { describePlace, locationOf, messageTexts, type MessageText } from './message-texts.js';
import { IBAN_LENGTHS, cardScheme, isValidIban, isValidSsn, passesLuhn } from './pii-validators.js';
import {
  compileSupport,
  escapeRegExp,
  findAll,
  findSupport,
  keywordPattern,
  meetsConfidence,
  quote,
  raiseConfidence,
  type SupportMatcher,
  type TextSpan,
} from './text-match.js';

/** A candidate found in one text before the supporting-keyword step. */
interface Candidate extends TextSpan {
  entry: string;
  confidence: HitConfidence;
  /** Start of the explanation naming the finding, e.g. 'A Visa card number "4111 …"'. */
  description: string;
}

/** A content condition prepared once per run. */
export interface ContentDetector {
  detector: string;
  options: SupportOptions & { in: KeywordsCondition['in'] };
  support: SupportMatcher;
  find: (text: string, limit: number) => Candidate[];
}

/**
 * Card number candidates: 13 to 19 digits, optionally in groups split by single spaces or hyphens, not
 * directly next to another digit, letter or hyphen so part numbers and longer digit runs do not qualify.
 */
const CARD_CANDIDATE = /(?<![\p{L}\p{N}_-])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}_]|-\d)/gu;

/** SSN candidates: 3-2-4 digits with hyphens or spaces, or nine digits in a row. */
const SSN_CANDIDATE = /(?<![\p{L}\p{N}_-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\p{L}\p{N}_]|-\d)/gu;

/** Start of an IBAN: two capital letters of a country and two check digits, not inside a longer word. */
const IBAN_START = /(?<![\p{L}\p{N}_])([A-Z]{2})(\d{2})/gu;

/** Phone number candidates: digits with the usual separators, at least six digits in all. */
const PHONE_CANDIDATE = /(?<![\p{L}\p{N}_])\+?\(?\d[\d ().-]{4,30}\d(?![\p{L}\p{N}_])/gu;

/** Prepares a keywords, PII or list condition for matching against many messages. */
export function compileContentDetector(
  condition: KeywordsCondition | PaymentCardCondition | IbanCondition | SsnCondition | EmailListCondition | PhoneListCondition,
): ContentDetector {
  const support = compileSupport(condition.supporting, condition.proximity);
  const base = { detector: condition.type, options: condition, support };

  switch (condition.type) {
    case 'keywords':
      return { ...base, find: keywordFinder(condition.keywords) };
    case 'payment-card':
      return { ...base, find: findCards };
    case 'iban':
      return { ...base, find: findIbans };
    case 'ssn':
      return { ...base, find: findSsns };
    case 'email-list':
      return { ...base, find: addressFinder(condition.addresses) };
    case 'phone-list':
      return { ...base, find: phoneFinder(condition.numbers) };
  }
}

/** Runs a content detector over one record's texts and returns its hits at or above the minimum confidence. */
export function runContentDetector(detector: ContentDetector, record: MessageRecord, limit: number): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const text of messageTexts(record, detector.options.in)) {
    for (const candidate of detector.find(text.text, limit)) {
      const match = grade(detector, text, candidate);
      if (match !== null) matches.push(match);
      if (matches.length >= limit) return matches;
    }
  }
  return matches;
}

/** Raises a candidate's confidence when a supporting keyword is near, and builds the hit with its explanation. */
function grade(detector: ContentDetector, text: MessageText, candidate: Candidate): RuleMatch | null {
  const support = findSupport(detector.support, text.text, candidate);
  const confidence = support === null ? candidate.confidence : raiseConfidence(candidate.confidence);
  if (!meetsConfidence(confidence, detector.options.minConfidence)) return null;

  const supportText =
    support === null
      ? ''
      : ` The supporting keyword ${quote(support.keyword)} is ${support.distance} character${support.distance === 1 ? '' : 's'} away, which raises the confidence to ${confidence}.`;
  return {
    detector: detector.detector,
    kind: detector.detector,
    ...locationOf(text),
    start: candidate.start,
    end: candidate.end,
    value: candidate.text,
    entry: candidate.entry,
    confidence,
    explanation: `${candidate.description} appears in ${describePlace(text)} at characters ${candidate.start}-${candidate.end}.${supportText}`,
  };
}

/**
 * Keywords tested together in one alternation before their own patterns run. A text that contains none of
 * a group skips the group's patterns, so a list of thousands of keywords costs tens of scans per text.
 */
const KEYWORD_GROUP_SIZE = 100;

function keywordFinder(keywords: readonly string[]): (text: string, limit: number) => Candidate[] {
  const patterns = [...new Set(keywords)].map((keyword) => ({ keyword, pattern: keywordPattern(keyword) }));
  const groups: { test: RegExp; members: typeof patterns }[] = [];
  for (let start = 0; start < patterns.length; start += KEYWORD_GROUP_SIZE) {
    const members = patterns.slice(start, start + KEYWORD_GROUP_SIZE);
    groups.push({ test: new RegExp(members.map((member) => `(?:${member.pattern.source})`).join('|'), 'iu'), members });
  }

  return (text, limit) => {
    const found: Candidate[] = [];
    for (const group of groups) {
      if (!group.test.test(text)) continue;
      for (const { keyword, pattern } of group.members) {
        for (const span of findAll(pattern, text, limit)) {
          found.push({ ...span, entry: keyword, confidence: 'medium', description: `The keyword ${quote(keyword)} (as ${quote(span.text)})` });
        }
      }
    }
    return found.sort((a, b) => a.start - b.start || compareCodePoints(a.entry, b.entry));
  };
}

function compareCodePoints(a: string, b: string): number {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function findCards(text: string, limit: number): Candidate[] {
  const found: Candidate[] = [];
  for (const candidate of findAll(CARD_CANDIDATE, text, limit * 10)) {
    for (const span of cardSpans(candidate)) {
      const separators = new Set(span.text.replace(/\d/g, ''));
      if (separators.size > 1) continue;

      const digits = span.text.replace(/\D/g, '');
      const scheme = cardScheme(digits);
      if (scheme === null || !passesLuhn(digits)) continue;

      found.push({ ...span, entry: scheme, confidence: 'medium', description: `A ${scheme} card number ${quote(span.text)} with a valid Luhn check digit` });
      break;
    }
    if (found.length >= limit) break;
  }
  return found;
}

/**
 * Lists the spans a card candidate may stand for, longest first: the whole candidate, then each prefix that
 * ends before a separator, so "4111 1111 1111 1111 12" (a number and an expiry month) still yields the number.
 */
function cardSpans(candidate: TextSpan): TextSpan[] {
  const spans: TextSpan[] = [candidate];
  for (let end = candidate.text.length - 1; end > 0; end -= 1) {
    const char = candidate.text.charAt(end);
    if (char !== ' ' && char !== '-') continue;

    const text = candidate.text.slice(0, end);
    if (text.replace(/\D/g, '').length < 13) break;
    spans.push({ start: candidate.start, end: candidate.start + end, text });
  }
  return spans;
}

function findIbans(text: string, limit: number): Candidate[] {
  const found: Candidate[] = [];
  IBAN_START.lastIndex = 0;
  for (const start of text.matchAll(IBAN_START)) {
    const country = start[1] ?? '';
    const length = IBAN_LENGTHS.get(country);
    if (length === undefined) continue;

    const span = readIban(text, start.index, length);
    if (span === null) continue;
    const compact = span.text.replace(/ /g, '');
    if (!isValidIban(compact)) continue;

    found.push({ ...span, entry: country, confidence: 'medium', description: `An IBAN ${quote(span.text)} of country ${country} with a valid mod-97 check` });
    if (found.length >= limit) break;
  }
  return found;
}

/**
 * Reads exactly `length` letters and digits from `from`, allowing one space between characters (the printed
 * form groups them by four), and requires that no letter or digit follows directly. Returns null otherwise.
 */
function readIban(text: string, from: number, length: number): TextSpan | null {
  let count = 0;
  let index = from;
  while (index < text.length && count < length) {
    const char = text.charAt(index);
    if (/[A-Z0-9]/.test(char)) {
      count += 1;
      index += 1;
    } else if (char === ' ' && count > 0 && /[A-Z0-9]/.test(text.charAt(index + 1))) {
      index += 1;
    } else {
      return null;
    }
  }
  if (count < length || /[\p{L}\p{N}_]/u.test(text.charAt(index))) return null;
  return { start: from, end: index, text: text.slice(from, index) };
}

function findSsns(text: string, limit: number): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(SSN_CANDIDATE)) {
    const digits = `${match[1] ?? ''}${match[3] ?? ''}${match[4] ?? ''}`;
    if (!isValidSsn(digits)) continue;

    // Nine digits in a row are too common (order numbers, phone numbers) to count without a supporting keyword.
    const formatted = (match[2] ?? '') !== '';
    found.push({
      start: match.index,
      end: match.index + match[0].length,
      text: match[0],
      entry: formatted ? 'formatted' : 'unformatted',
      confidence: formatted ? 'medium' : 'low',
      description: `A US Social Security number ${quote(match[0])} in a valid area, group and serial range`,
    });
    if (found.length >= limit) break;
  }
  return found;
}

function addressFinder(addresses: readonly string[]): (text: string, limit: number) => Candidate[] {
  const patterns = [...new Set(addresses)].map((address) => ({
    address,
    pattern: new RegExp(`(?<![\\p{L}\\p{N}_.+-])${escapeRegExp(address)}(?![\\p{L}\\p{N}_-]|\\.[\\p{L}\\p{N}])`, 'giu'),
  }));
  return (text, limit) => {
    const found: Candidate[] = [];
    for (const { address, pattern } of patterns) {
      for (const span of findAll(pattern, text, limit)) {
        found.push({ ...span, entry: address, confidence: 'high', description: `The listed address ${quote(address)}` });
      }
    }
    return found.sort((a, b) => a.start - b.start || compareCodePoints(a.entry, b.entry));
  };
}

/** Reduces a phone number to its digits, without an international "00" or "+" prefix or a national trunk "0". */
export function phoneDigits(number: string): string {
  return number.replace(/\D/g, '').replace(/^00/, '').replace(/^0/, '');
}

function phoneFinder(numbers: readonly string[]): (text: string, limit: number) => Candidate[] {
  const listed = [...new Set(numbers)].map((number) => ({ number, digits: phoneDigits(number) }));
  return (text, limit) => {
    const found: Candidate[] = [];
    for (const span of findAll(PHONE_CANDIDATE, text, limit * 10)) {
      const digits = phoneDigits(span.text);
      const entry = listed.find((item) => samePhone(item.digits, digits));
      if (entry === undefined) continue;

      found.push({ ...span, entry: entry.number, confidence: 'high', description: `The listed phone number ${quote(entry.number)} (as ${quote(span.text)})` });
      if (found.length >= limit) break;
    }
    return found;
  };
}

/** Tells whether two digit strings are the same number, one perhaps written with its country code. */
function samePhone(a: string, b: string): boolean {
  if (a === b) return true;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  // A country code adds one to three digits in front of the national number.
  return shorter.length >= 7 && longer.length - shorter.length <= 3 && longer.endsWith(shorter);
}
