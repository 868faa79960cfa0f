// Tells whether a domain imitates a listed one: one character changed, two letters swapped, a digit for a
// letter, look-alike Unicode characters (also written as punycode), or the same name under another TLD.
import { domainToASCII, domainToUnicode } from 'node:url';

/** Technique by which a look-alike domain imitates the listed one. */
export type LookalikeTechnique = 'other-tld' | 'confusable-unicode' | 'digit-for-letter' | 'confusable' | 'swapped-letters' | 'edit-distance-1';

/**
 * Shortest name (the labels before the TLD) for which one changed character counts as a look-alike. With
 * fewer letters, one edit turns most short names into other real names.
 */
export const MIN_LOOKALIKE_NAME_CHARS = 4;

/**
 * Characters that look like a Latin letter, mapped to it. Covers the Cyrillic and Greek letters that
 * homograph attacks use, and the digits that stand for letters (0 for o, 1 for l or i, 3 for e, 5 for s).
 * Accented Latin letters lose their accent separately, by Unicode decomposition.
 */
const CONFUSABLES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'l', ї: 'l', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', ɡ: 'g',
    α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'l', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ω: 'w',
    '0': 'o', '1': 'l', '3': 'e', '5': 's', i: 'l', ı: 'l',
  }),
);

/** Returns the domain in lower-case Unicode form (punycode decoded), without a final dot. */
export function unicodeDomain(domain: string): string {
  const trimmed = domain.trim().toLowerCase().replace(/\.$/, '');
  return domainToUnicode(trimmed) || trimmed;
}

/** Returns the domain in lower-case ASCII (punycode) form, without a final dot. */
export function asciiDomain(domain: string): string {
  const trimmed = domain.trim().toLowerCase().replace(/\.$/, '');
  return domainToASCII(trimmed) || trimmed;
}

/** Reduces a name to the letters it looks like, so "n0rw1nd" and "nоrwind" (Cyrillic o) both become "norwlnd". */
export function skeleton(name: string): string {
  const stripped = name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  let out = '';
  for (const char of stripped) out += CONFUSABLES.get(char) ?? char;
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w');
}

/**
 * Returns the optimal string alignment distance between two strings when it is at most 1, else 2:
 * 0 equal, 1 one insertion, deletion, substitution or swap of two neighbouring characters.
 */
export function editDistanceUpToOne(a: string, b: string): { distance: 0 | 1 | 2; swapped: boolean } {
  if (a === b) return { distance: 0, swapped: false };
  if (Math.abs(a.length - b.length) > 1) return { distance: 2, swapped: false };

  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix += 1;
  const restA = a.slice(prefix);
  const restB = b.slice(prefix);

  if (restA.slice(1) === restB.slice(1) && a.length === b.length) return { distance: 1, swapped: false };
  if (restA.slice(1) === restB && a.length === b.length + 1) return { distance: 1, swapped: false };
  if (restA === restB.slice(1) && b.length === a.length + 1) return { distance: 1, swapped: false };
  if (a.length === b.length && restA.length >= 2 && restA[0] === restB[1] && restA[1] === restB[0] && restA.slice(2) === restB.slice(2)) {
    return { distance: 1, swapped: true };
  }
  return { distance: 2, swapped: false };
}

/** A listed domain split into its name labels and its last label, in Unicode. */
export interface ListedDomain {
  entry: string;
  ascii: string;
  unicode: string;
  /** Labels before the last one, joined with ".", e.g. "norwind" for "norwind.example". */
  name: string;
  tld: string;
  labelCount: number;
}

/** Splits a listed domain for look-alike checks. */
export function prepareListedDomain(entry: string): ListedDomain {
  const unicode = unicodeDomain(entry);
  const labels = unicode.split('.');
  return { entry, ascii: asciiDomain(entry), unicode, name: labels.slice(0, -1).join('.'), tld: labels.at(-1) ?? '', labelCount: labels.length };
}

/** Tells whether a domain (ASCII form) is the listed domain or a subdomain of it. "notrival.example" is neither. */
export function domainCovers(domainAscii: string, listedAscii: string): boolean {
  return domainAscii === listedAscii || domainAscii.endsWith(`.${listedAscii}`);
}

/**
 * Returns how a domain imitates a listed domain, or null when it does not. The domain's last labels (as
 * many as the listed domain has) are compared, so a subdomain of a look-alike counts too. A domain the
 * listed domain covers is not a look-alike. NOTE: a listed name under a two-label suffix such as
 * "norwind.co.uk" is found only when the listed domain has the same number of labels.
 */
export function lookalikeTechnique(domainUnicode: string, listed: ListedDomain): LookalikeTechnique | null {
  const labels = domainUnicode.split('.');
  if (listed.labelCount < 2 || labels.length < listed.labelCount) return null;
  if (domainCovers(asciiDomain(domainUnicode), listed.ascii)) return null;

  const tail = labels.slice(labels.length - listed.labelCount);
  const name = tail.slice(0, -1).join('.');
  const tld = tail.at(-1) ?? '';

  if (name === listed.name) return tld === listed.tld ? null : 'other-tld';
  if (listed.name.length < MIN_LOOKALIKE_NAME_CHARS) return null;

  if (skeleton(name) === skeleton(listed.name)) {
    if (/[^\p{ASCII}]/u.test(name)) return 'confusable-unicode';
    if (/\d/.test(name)) return 'digit-for-letter';
    return 'confusable';
  }

  const { distance, swapped } = editDistanceUpToOne(name, listed.name);
  if (distance !== 1) return null;
  return swapped ? 'swapped-letters' : 'edit-distance-1';
}

/** Describes a look-alike technique in words for explanations. */
export function describeTechnique(technique: LookalikeTechnique): string {
  switch (technique) {
    case 'other-tld':
      return 'the same name under another top-level domain';
    case 'confusable-unicode':
      return 'look-alike Unicode characters';
    case 'digit-for-letter':
      return 'a digit in place of a look-alike letter';
    case 'confusable':
      return 'letters that look alike';
    case 'swapped-letters':
      return 'two neighbouring letters swapped';
    case 'edit-distance-1':
      return 'one character added, removed or changed';
  }
}
