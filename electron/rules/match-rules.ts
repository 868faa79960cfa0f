// Evaluates one rule against one parsed message and explains every match: which field, the value seen
// in the message, and the rule entry responsible.
import { domainToASCII } from 'node:url';

import type { DomainListRule, KeywordListRule, Rule } from '../../shared/rules-schema.js';
import type { AddressEntry, MessageRecord, RuleMatch } from '../../shared/types.js';
import { MAX_MATCHES_PER_MESSAGE } from '../../shared/limits.js';

/** Address fields a domain-list rule checks, with the field name its matches report. */
const ADDRESS_FIELDS: readonly [string, (record: MessageRecord) => AddressEntry[] | undefined][] = [
  ['from', (record) => record.from],
  ['to', (record) => record.to],
  ['cc', (record) => record.cc],
  ['bcc', (record) => record.bcc],
  ['reply-to', (record) => record.replyTo],
];

/** A rule prepared once per run: domains in ASCII form, keywords as regular expressions. */
export type CompiledRule =
  | { rule: DomainListRule; domains: { entry: string; ascii: string }[] }
  | { rule: KeywordListRule; keywords: { entry: string; pattern: RegExp }[] };

/** Prepares a rule for matching against many messages. */
export function compileRule(rule: Rule): CompiledRule {
  if (rule.type === 'domain-list') {
    const domains = unique(rule.domains).map((entry) => ({ entry, ascii: toAsciiDomain(entry) }));
    return { rule, domains };
  }
  const keywords = unique(rule.keywords).map((entry) => ({ entry, pattern: keywordPattern(entry) }));
  return { rule, keywords };
}

/** Returns every distinct match of a rule in a message, in field order. The list is empty when the rule does not match. */
export function matchRule(compiled: CompiledRule, record: MessageRecord): RuleMatch[] {
  const matches = new MatchList();
  if ('domains' in compiled) {
    matchDomains(compiled.domains, record, matches);
  } else {
    matchKeywords(compiled.keywords, record, matches);
  }
  return matches.list;
}

/**
 * Builds a case-insensitive, whole-word pattern for a keyword or phrase. Regex special characters are
 * escaped and each space of a phrase matches any run of whitespace, line breaks included. "Whole word"
 * means no letter, digit or underscore of any script directly before or after the match.
 */
export function keywordPattern(keyword: string): RegExp {
  const words = keyword.trim().split(/\s+/).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}_])${words.join('\\s+')}(?![\\p{L}\\p{N}_])`, 'giu');
}

/**
 * Tells whether an address's domain is the listed domain or a subdomain of it. For "rival.example",
 * "sales.rival.example" is covered, but "notrival.example" and "rival.example.org" are not.
 */
export function domainCovers(addressDomainAscii: string, listedAscii: string): boolean {
  return addressDomainAscii === listedAscii || addressDomainAscii.endsWith(`.${listedAscii}`);
}

function matchDomains(domains: { entry: string; ascii: string }[], record: MessageRecord, matches: MatchList): void {
  for (const [field, read] of ADDRESS_FIELDS) {
    for (const { address } of read(record) ?? []) {
      const domain = domainOf(address);
      if (domain === null) continue;

      for (const { entry, ascii } of domains) {
        if (domainCovers(domain, ascii)) matches.add({ field, value: address, entry });
      }
    }
  }
}

function matchKeywords(keywords: { entry: string; pattern: RegExp }[], record: MessageRecord, matches: MatchList): void {
  const texts: [string, string][] = [
    ['subject', record.subject ?? ''],
    ['body', record.text ?? ''],
    ...(record.attachments ?? []).flatMap((attachment): [string, string][] =>
      attachment.filename ? [[`attachment:${attachment.filename}`, attachment.filename]] : [],
    ),
  ];

  for (const [field, text] of texts) {
    for (const { entry, pattern } of keywords) {
      for (const match of text.matchAll(pattern)) {
        if (!matches.add({ field, value: match[0], entry })) return;
      }
    }
  }
}

/** Returns the ASCII (punycode) form of an address's domain, lower-cased and without a final dot, or null. */
function domainOf(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;

  const domain = address.slice(at + 1).trim().toLowerCase().replace(/\.$/, '');
  return domain === '' ? null : toAsciiDomain(domain);
}

/**
 * Converts a domain to its ASCII form so "bücher.example" and "xn--bcher-kva.example" compare equal.
 * mailparser decodes punycode in addresses, while a rule file may use either form.
 */
function toAsciiDomain(domain: string): string {
  return domainToASCII(domain) || domain;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Collects matches without repeats, up to MAX_MATCHES_PER_MESSAGE. */
class MatchList {
  readonly list: RuleMatch[] = [];
  private readonly seen = new Set<string>();

  /** Adds a match unless it is already listed. Returns false once the list is full. */
  add(match: RuleMatch): boolean {
    if (this.list.length >= MAX_MATCHES_PER_MESSAGE) return false;

    const key = JSON.stringify([match.field, match.value, match.entry]);
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.list.push(match);
    }
    return true;
  }
}
