// Checks the rule pack text in the editor with the shared schema, so every problem shows before a run, and
// edits single fields of it: turning a rule on or off needs no hand-edited JSON.
import { validateRuleFile, type RuleFileIssue } from '../../../../shared/rules-schema.js';
import type { RulePack } from '../../../../shared/rules-types.js';

/** Outcome of checking the editor text: the pack, or the problems to show. */
export type PackCheck =
  | { state: 'empty' }
  | { state: 'valid'; pack: RulePack; version: 1 | 2 }
  | { state: 'invalid'; issues: RuleFileIssue[] };

/** Checks rule pack text the way the service will; JSON syntax errors are reported as one issue on the whole file. */
export function checkPackText(text: string): PackCheck {
  if (text.trim() === '') return { state: 'empty' };

  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    return { state: 'invalid', issues: [{ path: '(file)', message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}` }] };
  }

  const checked = validateRuleFile(value);
  if (!checked.ok) return { state: 'invalid', issues: checked.issues };
  const version = (value as { version?: unknown }).version === 1 ? 1 : 2;
  return { state: 'valid', pack: checked.ruleFile, version };
}

/**
 * Returns the pack text with rule `index` turned on or off, written with two-space indentation. Only for
 * version 2 text that parses; other text comes back unchanged.
 */
export function setRuleEnabled(text: string, index: number, enabled: boolean): string {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch {
    return text;
  }

  const rules = (value as { version?: unknown; rules?: unknown }).rules;
  if ((value as { version?: unknown }).version !== 2 || !Array.isArray(rules)) return text;
  const rule: unknown = rules[index];
  if (typeof rule !== 'object' || rule === null) return text;

  (rule as Record<string, unknown>)['enabled'] = enabled;
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Builds a file name for exporting a pack, from its name: "Mailcase default rules" becomes "mailcase-default-rules.json". */
export function packFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${slug === '' ? 'rules' : slug}.json`;
}
