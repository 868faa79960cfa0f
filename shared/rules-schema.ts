// The rule file format (version 1) as a zod schema, shared so the UI can check a rule file before it runs.
// Every object is strict: a misspelt field is reported instead of silently ignored.
import { z } from 'zod';

import { MAX_KEYWORD_CHARS, MAX_RULES_PER_FILE, MAX_RULE_ENTRIES, MAX_RULE_NAME_CHARS } from './limits.js';

/** Rule ids: a letter or digit, then up to 63 letters, digits, '-' or '_'. */
export const RULE_ID_PATTERN = /^[a-z0-9][a-z0-9-_]{0,63}$/i;

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

const ruleCommon = {
  id: z.string({ error: fieldTypeError('id', 'a string') }).regex(RULE_ID_PATTERN, 'Rule id must start with a letter or digit and use only letters, digits, "-" or "_" (at most 64 characters)'),
  name: z.string({ error: fieldTypeError('name', 'a string') }).trim().min(1, 'Rule name is empty').max(MAX_RULE_NAME_CHARS, `Rule name is longer than ${MAX_RULE_NAME_CHARS} characters`),
};

export const domainListRuleSchema = z.strictObject({
  ...ruleCommon,
  type: z.literal('domain-list'),
  domains: z
    .array(domainEntry, { error: fieldTypeError('domains', 'an array of domain names') })
    .min(1, 'A domain-list rule needs at least one domain')
    .max(MAX_RULE_ENTRIES, `A rule may list at most ${MAX_RULE_ENTRIES} domains`),
});

export const keywordListRuleSchema = z.strictObject({
  ...ruleCommon,
  type: z.literal('keyword-list'),
  keywords: z
    .array(keywordEntry, { error: fieldTypeError('keywords', 'an array of strings') })
    .min(1, 'A keyword-list rule needs at least one keyword')
    .max(MAX_RULE_ENTRIES, `A rule may list at most ${MAX_RULE_ENTRIES} keywords`),
});

export const ruleSchema = z.discriminatedUnion('type', [domainListRuleSchema, keywordListRuleSchema], {
  error: (issue) => (isPlainObject(issue.input) ? 'Rule type must be "domain-list" or "keyword-list"' : 'Rule must be an object'),
});

export const ruleFileSchema = z.strictObject(
  {
    version: z.literal(1, { error: (issue) => (issue.input === undefined ? 'Missing field "version"' : 'Field "version" must be 1') }),
    rules: z
      .array(ruleSchema, { error: fieldTypeError('rules', 'an array of rules') })
      .max(MAX_RULES_PER_FILE, `A rule file may hold at most ${MAX_RULES_PER_FILE} rules`),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'Rule file must be a JSON object with "version" and "rules"' : undefined) },
);

export type DomainListRule = z.infer<typeof domainListRuleSchema>;
export type KeywordListRule = z.infer<typeof keywordListRuleSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type RuleFile = z.infer<typeof ruleFileSchema>;

/** One problem in a rule file: where (e.g. "rules[1].domains[0]") and what is wrong. */
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
 * Checks a parsed JSON value against the rule file schema. Returns the rule file, or every issue
 * found sorted by path, with one issue per unknown field and per repeated rule id.
 */
export function validateRuleFile(value: unknown): { ok: true; ruleFile: RuleFile } | { ok: false; issues: RuleFileIssue[] } {
  const result = ruleFileSchema.safeParse(value);
  const issues: RuleFileIssue[] = findDuplicateIds(value);

  for (const issue of result.error?.issues ?? []) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) issues.push({ path: formatIssuePath([...issue.path, key]), message: `Unknown field "${key}"` });
    } else {
      issues.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }

  if (result.success && issues.length === 0) return { ok: true, ruleFile: result.data };
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
