// Rule pack formats as zod schemas, shared so the UI can check a pack before it runs. Version 2 is current;
// version 1 files (domain-list and keyword-list rules only) are still read and converted to version 2.
// Every object is strict: a misspelt field is reported instead of silently ignored.
import { z } from 'zod';

import { MAX_KEYWORD_CHARS, MAX_RULES_PER_FILE, MAX_RULE_ENTRIES, MAX_RULE_NAME_CHARS } from './limits.js';
import {
  ATTACHMENT_KINDS,
  DOMAIN_HEADERS,
  DOMAIN_MATCH_KINDS,
  HIT_CONFIDENCES,
  RULE_SEVERITIES,
  TEXT_AREAS,
  WEBMAIL_MATCH_KINDS,
  type Condition,
  type PackRule,
  type RulePack,
} from './rules-types.js';

/** Rule ids: a letter or digit, then up to 63 letters, digits, '-' or '_'. */
export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9-_]{0,63}$/i;

/**
 * Deepest nesting of all/any/not conditions. Real rules nest two or three levels; the bound keeps a hostile
 * pack from exhausting the stack of the recursive schema and evaluator.
 */
export const MAX_CONDITION_DEPTH = 16;

/** Maximum length of a tag a rule adds, in characters, equal to the maximum the review store accepts. */
export const MAX_TAG_CHARS = 64;

/** Maximum length of a regex pattern, in characters. Investigator patterns are a line or two. */
export const MAX_REGEX_PATTERN_CHARS = 2_000;

/** Largest proximity window for supporting keywords, in characters. */
export const MAX_PROXIMITY_CHARS = 10_000;

/** Default distance between a hit and a supporting keyword, in characters, as in common DLP products. */
export const DEFAULT_PROXIMITY_CHARS = 300;

/**
 * A domain name: dot-separated labels of letters (any script), digits and inner hyphens, each at most
 * 63 characters, 253 in all (RFC 1035 section 2.3.4). A single label such as "ru" is allowed so a rule
 * can cover a whole top-level domain.
 */
const DOMAIN_LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const DOMAIN_PATTERN = new RegExp(`^${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})*$`, 'u');

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds the message for a missing field or a field of the wrong JSON type. */
function fieldTypeError(field: string, expected: string): (issue: { input?: unknown }) => string {
  return (issue) => (issue.input === undefined ? `Missing field "${field}"` : `Field "${field}" must be ${expected}`);
}

const domainEntry = z
  .string({ error: 'Domain must be a string' })
  .trim()
  .toLowerCase()
  .superRefine((value, context) => {
    if (value.includes('@')) {
      context.addIssue({ code: 'custom', message: `"${value}" is an address, not a domain. Write only the part after '@'.` });
    } else if (value.length > 253 || !DOMAIN_PATTERN.test(value)) {
      context.addIssue({ code: 'custom', message: `"${value}" is not a valid domain name such as rival.example` });
    }
  });

const keywordEntry = z
  .string({ error: 'Keyword must be a string' })
  .trim()
  .min(1, 'Keyword is empty')
  .max(MAX_KEYWORD_CHARS, `Keyword is longer than ${MAX_KEYWORD_CHARS} characters`);

const addressEntry = z
  .string({ error: 'Address must be a string' })
  .trim()
  .toLowerCase()
  .regex(/^[^\s@]+@[^\s@]+$/, 'Address must look like name@domain.example')
  .max(MAX_KEYWORD_CHARS, `Address is longer than ${MAX_KEYWORD_CHARS} characters`);

const phoneEntry = z
  .string({ error: 'Phone number must be a string' })
  .trim()
  .regex(/^\+?[\d\s().-]{6,40}$/, 'Phone number must contain 6 to 40 digits, spaces, "+", "(", ")", "-" or "."');

function entryList<T extends z.ZodType>(entry: T, field: string, noun: string, options: { min: number }) {
  const list = z.array(entry, { error: fieldTypeError(field, `an array of ${noun}`) }).max(MAX_RULE_ENTRIES, `A rule may list at most ${MAX_RULE_ENTRIES} ${noun}`);
  return options.min > 0 ? list.min(options.min, `List at least one entry in "${field}"`) : list;
}

function enumList<T extends readonly [string, ...string[]]>(values: T, field: string) {
  const allowed = values.map((value) => `"${value}"`).join(', ');
  return z
    .array(z.enum(values, { error: `Must be one of ${allowed}` }), { error: fieldTypeError(field, `an array of ${allowed}`) })
    .min(1, `List at least one of ${allowed} in "${field}"`)
    .default([...values]);
}

const confidenceField = z.enum(HIT_CONFIDENCES, { error: 'Field "minConfidence" must be "low", "medium" or "high"' });
const proximityField = z
  .number({ error: fieldTypeError('proximity', 'a number of characters') })
  .int('Field "proximity" must be a whole number')
  .min(1, 'Field "proximity" must be at least 1')
  .max(MAX_PROXIMITY_CHARS, `Field "proximity" must be at most ${MAX_PROXIMITY_CHARS}`);

/** Fields of the detectors that accept supporting keywords; `defaults` are the built-in supporting keywords. */
function supportFields(defaults: string[], minConfidence: 'low' | 'medium' | 'high') {
  return {
    supporting: entryList(keywordEntry, 'supporting', 'keywords', { min: 0 }).default(defaults),
    proximity: proximityField.default(DEFAULT_PROXIMITY_CHARS),
    minConfidence: confidenceField.default(minConfidence),
    in: enumList(TEXT_AREAS, 'in'),
  };
}

/** Supporting keywords commercial DLP products pair with each sensitive-information type. */
export const CARD_KEYWORDS = ['card', 'credit card', 'debit card', 'card number', 'visa', 'mastercard', 'amex', 'american express', 'expiry', 'exp', 'cvv', 'cvc'];
export const IBAN_KEYWORDS = ['iban', 'bank', 'account', 'bic', 'swift', 'transfer', 'wire'];
export const SSN_KEYWORDS = ['ssn', 'social security', 'social security number', 'ss#', 'ssa', 'taxpayer'];

const domainsCondition = z.strictObject({
  type: z.literal('domains'),
  domains: entryList(domainEntry, 'domains', 'domains', { min: 1 }),
  names: entryList(keywordEntry, 'names', 'names', { min: 0 }).default([]),
  match: enumList(DOMAIN_MATCH_KINDS, 'match'),
  headers: enumList(DOMAIN_HEADERS, 'headers'),
});

const webmailCondition = z.strictObject({
  type: z.literal('webmail'),
  domains: entryList(domainEntry, 'domains', 'domains', { min: 1 }),
  suspectAddresses: entryList(addressEntry, 'suspectAddresses', 'addresses', { min: 1 }),
  suspectNames: entryList(keywordEntry, 'suspectNames', 'names', { min: 0 }).default([]),
  match: enumList(WEBMAIL_MATCH_KINDS, 'match'),
});

const keywordsCondition = z.strictObject({
  type: z.literal('keywords'),
  keywords: entryList(keywordEntry, 'keywords', 'keywords', { min: 1 }),
  ...supportFields([], 'low'),
});

const regexCondition = z
  .strictObject({
    type: z.literal('regex'),
    pattern: z
      .string({ error: fieldTypeError('pattern', 'a string') })
      .min(1, 'Field "pattern" is empty')
      .max(MAX_REGEX_PATTERN_CHARS, `Field "pattern" is longer than ${MAX_REGEX_PATTERN_CHARS} characters`),
    flags: z
      .string({ error: fieldTypeError('flags', 'a string') })
      .regex(/^(?!.*(.).*\1)[ims]*$/, 'Field "flags" may hold only "i", "m" and "s", each once')
      .default('i'),
    in: enumList(TEXT_AREAS, 'in'),
  })
  .superRefine((value, context) => {
    // Compiling is linear in the pattern length, so it is safe here; only matching can backtrack.
    try {
      new RegExp(value.pattern, `${value.flags}gu`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      context.addIssue({ code: 'custom', path: ['pattern'], message: `Invalid regular expression: ${reason}` });
    }
  });

const cardCondition = z.strictObject({ type: z.literal('payment-card'), ...supportFields(CARD_KEYWORDS, 'medium') });
const ibanCondition = z.strictObject({ type: z.literal('iban'), ...supportFields(IBAN_KEYWORDS, 'medium') });
const ssnCondition = z.strictObject({ type: z.literal('ssn'), ...supportFields(SSN_KEYWORDS, 'medium') });

const emailListCondition = z.strictObject({
  type: z.literal('email-list'),
  addresses: entryList(addressEntry, 'addresses', 'addresses', { min: 1 }),
  ...supportFields([], 'low'),
});

const phoneListCondition = z.strictObject({
  type: z.literal('phone-list'),
  numbers: entryList(phoneEntry, 'numbers', 'phone numbers', { min: 1 }),
  ...supportFields([], 'low'),
});

const attachmentsCondition = z.strictObject({
  type: z.literal('attachments'),
  kinds: enumList(ATTACHMENT_KINDS, 'kinds'),
  maxSize: z
    .number({ error: fieldTypeError('maxSize', 'a number of octets') })
    .int('Field "maxSize" must be a whole number')
    .min(0, 'Field "maxSize" must not be negative')
    .default(25 * 1024 * 1024),
  inArchives: z.boolean({ error: fieldTypeError('inArchives', 'true or false') }).default(true),
});

const queryCondition = z.strictObject({
  type: z.literal('query'),
  query: z.string({ error: fieldTypeError('query', 'a string') }).trim().min(1, 'Field "query" is empty'),
});

const CONDITION_TYPES = [
  'domains',
  'webmail',
  'keywords',
  'regex',
  'payment-card',
  'iban',
  'ssn',
  'email-list',
  'phone-list',
  'attachments',
  'query',
  'all',
  'any',
  'not',
] as const;

/** Builds the schema of a condition at a nesting depth; all/any/not deeper than MAX_CONDITION_DEPTH are rejected. */
function conditionAt(depth: number): z.ZodType<Condition> {
  const nested = (): z.ZodType<Condition> =>
    depth >= MAX_CONDITION_DEPTH
      ? z.never({ error: `Conditions may nest at most ${MAX_CONDITION_DEPTH} levels deep` })
      : conditionAt(depth + 1);

  const allCondition = z.strictObject({
    type: z.literal('all'),
    get of() {
      return z.array(nested(), { error: fieldTypeError('of', 'an array of conditions') }).min(1, 'List at least one condition in "of"').max(MAX_RULE_ENTRIES);
    },
  });
  const anyCondition = z.strictObject({
    type: z.literal('any'),
    get of() {
      return z.array(nested(), { error: fieldTypeError('of', 'an array of conditions') }).min(1, 'List at least one condition in "of"').max(MAX_RULE_ENTRIES);
    },
  });
  const notCondition = z.strictObject({
    type: z.literal('not'),
    get condition() {
      return nested();
    },
  });

  const types = CONDITION_TYPES.map((type) => `"${type}"`).join(', ');
  return z.discriminatedUnion(
    'type',
    [
      domainsCondition,
      webmailCondition,
      keywordsCondition,
      regexCondition,
      cardCondition,
      ibanCondition,
      ssnCondition,
      emailListCondition,
      phoneListCondition,
      attachmentsCondition,
      queryCondition,
      allCondition,
      anyCondition,
      notCondition,
    ],
    { error: (issue) => (isPlainObject(issue.input) ? `Condition type must be one of ${types}` : 'Condition must be an object') },
  ) as unknown as z.ZodType<Condition>;
}

const conditionSchema = conditionAt(1);

const ruleId = z
  .string({ error: fieldTypeError('id', 'a string') })
  .regex(RULE_ID_PATTERN, 'Rule id must start with a letter or digit and use only letters, digits, "-" or "_" (at most 64 characters)');
const ruleName = z
  .string({ error: fieldTypeError('name', 'a string') })
  .trim()
  .min(1, 'Rule name is empty')
  .max(MAX_RULE_NAME_CHARS, `Rule name is longer than ${MAX_RULE_NAME_CHARS} characters`);

const packRuleSchema = z.strictObject(
  {
    id: ruleId,
    name: ruleName,
    version: z.number({ error: fieldTypeError('version', 'a whole number') }).int('Field "version" must be a whole number').min(1, 'Field "version" must be at least 1').default(1),
    severity: z.enum(RULE_SEVERITIES, { error: 'Field "severity" must be "low", "medium" or "high"' }).default('medium'),
    tags: z
      .array(
        z
          .string({ error: 'Tag must be a string' })
          .trim()
          .min(1, 'Tag is empty')
          .max(MAX_TAG_CHARS, `Tag is longer than ${MAX_TAG_CHARS} characters`)
          // eslint-disable-next-line no-control-regex
          .regex(/^[^\u0000-\u001f\u007f]*$/, 'Tag must not contain line breaks or control characters'),
        { error: fieldTypeError('tags', 'an array of strings') },
      )
      .max(100, 'A rule may add at most 100 tags')
      .default([]),
    enabled: z.boolean({ error: fieldTypeError('enabled', 'true or false') }).default(true),
    description: z.string({ error: fieldTypeError('description', 'a string') }).max(4_000, 'Field "description" is longer than 4000 characters').default(''),
    condition: conditionSchema,
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'Rule must be an object' : undefined) },
);

export const rulePackSchema = z.strictObject(
  {
    version: z.literal(2),
    name: z.string({ error: fieldTypeError('name', 'a string') }).trim().min(1, 'Pack name is empty').max(MAX_RULE_NAME_CHARS).default('Rules'),
    description: z.string({ error: fieldTypeError('description', 'a string') }).max(4_000).default(''),
    rules: z
      .array(packRuleSchema, { error: fieldTypeError('rules', 'an array of rules') })
      .max(MAX_RULES_PER_FILE, `A rule file may hold at most ${MAX_RULES_PER_FILE} rules`),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'Rule file must be a JSON object with "version" and "rules"' : undefined) },
);

// Version 1: the original two rule types, kept so older rule files still load.

const ruleCommonV1 = { id: ruleId, name: ruleName };

const domainListRuleSchema = z.strictObject({
  ...ruleCommonV1,
  type: z.literal('domain-list'),
  domains: z
    .array(domainEntry, { error: fieldTypeError('domains', 'an array of domain names') })
    .min(1, 'A domain-list rule needs at least one domain')
    .max(MAX_RULE_ENTRIES, `A rule may list at most ${MAX_RULE_ENTRIES} domains`),
});

const keywordListRuleSchema = z.strictObject({
  ...ruleCommonV1,
  type: z.literal('keyword-list'),
  keywords: z
    .array(keywordEntry, { error: fieldTypeError('keywords', 'an array of strings') })
    .min(1, 'A keyword-list rule needs at least one keyword')
    .max(MAX_RULE_ENTRIES, `A rule may list at most ${MAX_RULE_ENTRIES} keywords`),
});

const ruleSchemaV1 = z.discriminatedUnion('type', [domainListRuleSchema, keywordListRuleSchema], {
  error: (issue) => (isPlainObject(issue.input) ? 'Rule type must be "domain-list" or "keyword-list"' : 'Rule must be an object'),
});

const ruleFileSchemaV1 = z.strictObject(
  {
    version: z.literal(1),
    rules: z
      .array(ruleSchemaV1, { error: fieldTypeError('rules', 'an array of rules') })
      .max(MAX_RULES_PER_FILE, `A rule file may hold at most ${MAX_RULES_PER_FILE} rules`),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'Rule file must be a JSON object with "version" and "rules"' : undefined) },
);

type RuleFileV1 = z.infer<typeof ruleFileSchemaV1>;

/** A parsed rule pack; version 1 files arrive converted to version 2. */
export type RuleFile = RulePack;

/** One problem in a rule file: where (e.g. "rules[1].condition.domains[0]") and what is wrong. */
export interface RuleFileIssue {
  path: string;
  message: string;
}

/** Formats a zod issue path as "rules[1].domains[0]". An empty path, meaning the whole file, becomes "(file)". */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(file)' : text;
}

/**
 * Converts a version 1 rule file to a version 2 pack, keeping what each rule matched. A domain-list rule
 * becomes a domains condition on the five address headers version 1 read, without look-alikes or display
 * names. A keyword-list rule becomes a keywords condition over the subject, body and attachment file names.
 */
export function convertVersion1(file: RuleFileV1): RulePack {
  const rules: PackRule[] = file.rules.map((rule) => {
    const common = { id: rule.id, name: rule.name, version: 1, severity: 'medium' as const, tags: [], enabled: true, description: '' };
    if (rule.type === 'domain-list') {
      return {
        ...common,
        condition: { type: 'domains', domains: rule.domains, names: [], match: ['domain'], headers: ['from', 'to', 'cc', 'bcc', 'reply-to'] },
      };
    }
    return {
      ...common,
      condition: { type: 'keywords', keywords: rule.keywords, supporting: [], proximity: DEFAULT_PROXIMITY_CHARS, minConfidence: 'low', in: ['subject', 'body', 'filename'] },
    };
  });
  return { version: 2, name: 'Rules', description: '', rules };
}

/**
 * Checks a parsed JSON value against the rule file schema of its version. Returns the pack (version 1
 * converted), or every issue found sorted by path, with one issue per unknown field and per repeated rule id.
 */
export function validateRuleFile(value: unknown): { ok: true; ruleFile: RuleFile } | { ok: false; issues: RuleFileIssue[] } {
  const version = isPlainObject(value) ? (value as { version?: unknown }).version : undefined;
  const issues: RuleFileIssue[] = findDuplicateIds(value);

  let converted: RulePack | null = null;
  let zodIssues: z.core.$ZodIssue[] = [];
  if (version === 1) {
    const result = ruleFileSchemaV1.safeParse(value);
    if (result.success) converted = convertVersion1(result.data);
    else zodIssues = result.error.issues;
  } else {
    const result = rulePackSchema.safeParse(value);
    if (result.success) converted = result.data as RulePack;
    else zodIssues = result.error.issues;
  }

  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatIssuePath([...issue.path, key]), message: `Unknown field "${key}"` });
    } else if (issue.path.length === 1 && issue.path[0] === 'version') {
      issues.push({ path: 'version', message: version === undefined ? 'Missing field "version"' : 'Field "version" must be 1 or 2' });
    } else {
      issues.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }

  if (converted !== null && issues.length === 0) return { ok: true, ruleFile: converted };
  issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
  return { ok: false, issues };
}

/**
 * Reports every rule whose id (compared case-insensitively) an earlier rule already uses. Works on the
 * raw value because zod skips refinements once another field has failed, and every issue must be listed.
 */
function findDuplicateIds(value: unknown): RuleFileIssue[] {
  if (typeof value !== 'object' || value === null) return [];
  const rules = (value as { rules?: unknown }).rules;
  if (!Array.isArray(rules) || rules.length > MAX_RULES_PER_FILE) return [];

  const issues: RuleFileIssue[] = [];
  const firstIndexById = new Map<string, number>();
  rules.forEach((rule: unknown, index) => {
    const id = typeof rule === 'object' && rule !== null ? (rule as { id?: unknown }).id : undefined;
    if (typeof id !== 'string') return;

    const first = firstIndexById.get(id.toLowerCase());
    if (first === undefined) {
      firstIndexById.set(id.toLowerCase(), index);
    } else {
      issues.push({ path: formatIssuePath(['rules', index, 'id']), message: `Rule id "${id}" is already used by rules[${first}]` });
    }
  });
  return issues;
}
