// Header detectors: listed domains with their subdomains and look-alikes, display names that name a listed
// company while the address does not, and mail from the suspect to personal webmail or to his own name.
import type { DomainHeader, DomainsCondition, WebmailCondition } from '../../shared/rules-types.js';
import type { AddressEntry, MessageRecord, RuleMatch } from '../../shared/types.js';
import {
  asciiDomain,
  describeTechnique,
  domainCovers,
  lookalikeTechnique,
  prepareListedDomain,
  unicodeDomain,
  type ListedDomain,
} from './lookalike.js';
import { findAll, keywordPattern, quote } from './text-match.js';

/** Reads the address entries of a header from a record. */
const HEADER_READERS: Record<DomainHeader, (record: MessageRecord) => AddressEntry[]> = {
  from: (record) => record.from ?? [],
  sender: (record) => record.sender ?? [],
  to: (record) => record.to ?? [],
  cc: (record) => record.cc ?? [],
  bcc: (record) => record.bcc ?? [],
  'reply-to': (record) => record.replyTo ?? [],
  'return-path': (record) => record.returnPath ?? [],
};

/** Header display names as they appear in mail, for explanations. */
const HEADER_NAMES: Record<DomainHeader, string> = {
  from: 'From',
  sender: 'Sender',
  to: 'To',
  cc: 'Cc',
  bcc: 'Bcc',
  'reply-to': 'Reply-To',
  'return-path': 'Return-Path',
};

/** A domains condition prepared once per run. */
export interface DomainsDetector {
  condition: DomainsCondition;
  listed: ListedDomain[];
  /** Display-name mentions: each listed domain and company name as a whole-word pattern. */
  mentions: { entry: string; pattern: RegExp }[];
}

/** Prepares a domains condition. */
export function compileDomainsDetector(condition: DomainsCondition): DomainsDetector {
  const listed = [...new Set(condition.domains)].map(prepareListedDomain);
  const mentionEntries = [...new Set([...listed.map((domain) => domain.unicode), ...condition.names])];
  return { condition, listed, mentions: mentionEntries.map((entry) => ({ entry, pattern: keywordPattern(entry) })) };
}

/** Returns both domain forms of an address entry, computed from the address when the record lacks them. */
function domainsOf(entry: AddressEntry): { ascii: string; unicode: string } | null {
  const at = entry.address.lastIndexOf('@');
  const raw = at < 0 ? '' : entry.address.slice(at + 1);
  const known = entry.domainAscii || raw;
  if (known === '') return null;
  // Records built by hand or by older parsers may hold a Unicode domain in domainAscii.
  const ascii = asciiDomain(known);
  return { ascii, unicode: unicodeDomain(entry.domainUnicode || ascii) };
}

function headerMatch(header: DomainHeader): Pick<RuleMatch, 'field' | 'area' | 'header' | 'partPath' | 'member' | 'decoding'> {
  return { field: header, area: 'header', header, partPath: null, member: null, decoding: null };
}

/** Runs a domains condition on one record's address headers. */
export function runDomainsDetector(detector: DomainsDetector, record: MessageRecord, limit: number): RuleMatch[] {
  const kinds = new Set(detector.condition.match);
  const matches: RuleMatch[] = [];

  for (const header of detector.condition.headers) {
    for (const entry of HEADER_READERS[header](record)) {
      if (matches.length >= limit) return matches;
      const domain = domainsOf(entry);
      if (domain === null) continue;

      const covering = detector.listed.find((listed) => domainCovers(domain.ascii, listed.ascii));
      if (covering !== undefined) {
        if (kinds.has('domain')) matches.push(domainMatch(header, entry, covering, domain.ascii));
        continue;
      }

      const lookalike = findLookalike(detector.listed, domain.unicode);
      if (lookalike !== null && kinds.has('lookalike')) matches.push(lookalikeMatch(header, entry, lookalike.listed, lookalike.technique, domain));

      // A listed company named in front of an address outside its domains, look-alikes included, is how
      // impersonation and private channels usually look.
      if (kinds.has('display-name')) {
        const mention = displayNameMention(detector, entry.name);
        if (mention !== null) matches.push(displayNameMatch(header, entry, mention));
      }
    }
  }
  return matches;
}

function findLookalike(listed: readonly ListedDomain[], domainUnicode: string): { listed: ListedDomain; technique: NonNullable<ReturnType<typeof lookalikeTechnique>> } | null {
  for (const candidate of listed) {
    const technique = lookalikeTechnique(domainUnicode, candidate);
    if (technique !== null) return { listed: candidate, technique };
  }
  return null;
}

function displayNameMention(detector: DomainsDetector, name: string): { entry: string; start: number; end: number; text: string } | null {
  if (name.trim() === '') return null;
  for (const { entry, pattern } of detector.mentions) {
    const found = findAll(pattern, name, 1)[0];
    if (found !== undefined) return { entry, ...found };
  }
  return null;
}

function domainMatch(header: DomainHeader, entry: AddressEntry, listed: ListedDomain, domainAscii: string): RuleMatch {
  const where = domainAscii === listed.ascii ? `the listed domain ${listed.entry}` : `${domainAscii}, a subdomain of the listed domain ${listed.entry}`;
  return {
    detector: 'domains',
    kind: 'domain',
    ...headerMatch(header),
    start: null,
    end: null,
    value: entry.address,
    entry: listed.entry,
    confidence: 'high',
    explanation: `The ${HEADER_NAMES[header]} address ${quote(entry.address)} is in ${where}.`,
  };
}

function lookalikeMatch(
  header: DomainHeader,
  entry: AddressEntry,
  listed: ListedDomain,
  technique: NonNullable<ReturnType<typeof lookalikeTechnique>>,
  domain: { ascii: string; unicode: string },
): RuleMatch {
  const forms = domain.ascii === domain.unicode ? domain.ascii : `${domain.unicode} (written ${domain.ascii})`;
  return {
    detector: 'domains',
    kind: 'lookalike',
    ...headerMatch(header),
    start: null,
    end: null,
    value: entry.address,
    entry: listed.entry,
    confidence: 'medium',
    explanation: `The ${HEADER_NAMES[header]} address ${quote(entry.address)} is in ${forms}, which imitates the listed domain ${listed.entry} by ${describeTechnique(technique)} (${technique}).`,
  };
}

function displayNameMatch(header: DomainHeader, entry: AddressEntry, mention: { entry: string; start: number; end: number; text: string }): RuleMatch {
  return {
    detector: 'domains',
    kind: 'display-name',
    ...headerMatch(header),
    start: mention.start,
    end: mention.end,
    value: entry.name,
    entry: mention.entry,
    confidence: 'medium',
    explanation:
      `The ${HEADER_NAMES[header]} display name ${quote(entry.name)} mentions ${quote(mention.entry)} at characters ${mention.start}-${mention.end}, ` +
      `but the address ${quote(entry.address)} is not in a listed domain.`,
  };
}

/** A webmail condition prepared once per run. */
export interface WebmailDetector {
  condition: WebmailCondition;
  webmail: string[];
  suspect: Set<string>;
  names: string[][];
}

/** Prepares a webmail condition; each suspect name is split into lower-case words. */
export function compileWebmailDetector(condition: WebmailCondition): WebmailDetector {
  return {
    condition,
    webmail: condition.domains.map(asciiDomain),
    suspect: new Set(condition.suspectAddresses.map((address) => address.toLowerCase())),
    names: condition.suspectNames.map((name) => name.toLowerCase().split(/\s+/).filter((word) => word !== '')),
  };
}

/**
 * Runs a webmail condition. Only mail the suspect sent counts (a From or Sender address listed as his).
 * Each To, Cc and Bcc recipient other than a sending address gets two independent checks. An address in a
 * webmail domain is mail to personal webmail. An address that carries the suspect's name, or is listed as
 * his, is a forward to his own name. His own address at a webmail domain therefore gives both hits.
 */
export function runWebmailDetector(detector: WebmailDetector, record: MessageRecord, limit: number): RuleMatch[] {
  const senders = [...(record.from ?? []), ...(record.sender ?? [])].map((entry) => entry.address.toLowerCase());
  const sender = senders.find((address) => detector.suspect.has(address));
  if (sender === undefined) return [];

  const kinds = new Set(detector.condition.match);
  const matches: RuleMatch[] = [];
  const recipients: [DomainHeader, AddressEntry][] = (['to', 'cc', 'bcc'] as const).flatMap((header) =>
    HEADER_READERS[header](record).map((entry): [DomainHeader, AddressEntry] => [header, entry]),
  );

  for (const [header, entry] of recipients) {
    if (matches.length >= limit) break;
    const address = entry.address.toLowerCase();
    if (senders.includes(address)) continue;

    const domain = domainsOf(entry);
    const webmail = domain === null ? undefined : detector.webmail.find((listed) => domainCovers(domain.ascii, listed));
    if (webmail !== undefined && kinds.has('to-webmail')) {
      matches.push({
        detector: 'webmail',
        kind: 'to-webmail',
        ...headerMatch(header),
        start: null,
        end: null,
        value: entry.address,
        entry: webmail,
        confidence: 'high',
        explanation: `The suspect (${sender}) sent this message to ${quote(entry.address)} in ${HEADER_NAMES[header]}, an address at the personal webmail domain ${webmail}.`,
      });
    }

    const ownName = detector.suspect.has(address) ? 'listed' : carriesName(detector.names, entry);
    if (ownName !== null && kinds.has('forward-to-own-name')) matches.push(ownNameMatch(header, entry, sender, ownName, record.subject ?? ''));
  }
  return matches;
}

/**
 * Returns the suspect name an address carries, or null. A name counts when every word of it appears in
 * the local part (letters only, so "daniel.keller.home" and "danielkeller77" both carry "Daniel Keller").
 */
function carriesName(names: readonly string[][], entry: AddressEntry): string | null {
  const at = entry.address.lastIndexOf('@');
  const local = (at < 0 ? entry.address : entry.address.slice(0, at)).toLowerCase().replace(/[^\p{L}]/gu, '');
  for (const words of names) {
    if (words.length > 0 && words.every((word) => local.includes(word.replace(/[^\p{L}]/gu, '')))) return words.join(' ');
  }
  return null;
}

function ownNameMatch(header: DomainHeader, entry: AddressEntry, sender: string, ownName: string, subject: string): RuleMatch {
  const reason = ownName === 'listed' ? 'listed as one of his own addresses' : `an address that carries his name "${ownName}"`;
  const forwarded = /^\s*(fwd?|wg|tr|rv)\s*:/i.test(subject) ? ' The subject marks it as a forward.' : '';
  return {
    detector: 'webmail',
    kind: 'forward-to-own-name',
    ...headerMatch(header),
    start: null,
    end: null,
    value: entry.address,
    entry: ownName === 'listed' ? entry.address.toLowerCase() : ownName,
    confidence: 'high',
    explanation: `The suspect (${sender}) sent this message to ${quote(entry.address)} in ${HEADER_NAMES[header]}, ${reason}.${forwarded}`,
  };
}
