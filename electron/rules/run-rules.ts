// Reads a rule file, runs every rule over a case's parsed messages, saves the result as
// derived/rules/latest.json and records the run in the custody log.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { MAX_RULE_FILE_BYTES } from '../../shared/limits.js';
import { validateRuleFile, type RuleFile, type RuleFileIssue } from '../../shared/rules-schema.js';
import { SCHEMA_VERSION, type RuleMessageHit, type RuleResult, type RuleRunResult } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { findJsonErrorPosition, toTextPosition } from './json-error-position.js';
import { compileRule, matchRule } from './match-rules.js';

const log = createLogger('run-rules');

/** Name of the saved result of the last rule run, inside derived/rules/. */
export const LATEST_RULE_RUN_FILE = 'latest.json';

/**
 * Parses and checks a rule file's text. Throws RULES_INVALID: for a JSON syntax error with details
 * { line, column, offset } when the position is known, and for schema errors with details.issues listing
 * every bad field as { path: 'rules[1].domains[0]', message }.
 */
export function parseRuleFile(text: string): RuleFile {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_RULE_FILE_BYTES) {
    throw new MailcaseError('RULES_INVALID', `Rule file is ${bytes} bytes, more than the ${MAX_RULE_FILE_BYTES} allowed`, {
      userMessage: `The rule file is too large (${bytes} bytes). Split it into files of at most ${MAX_RULE_FILE_BYTES} bytes.`,
      details: { bytes, maxBytes: MAX_RULE_FILE_BYTES, issues: [] },
    });
  }

  // Editors on Windows often save UTF-8 with a byte order mark, which JSON.parse rejects.
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw jsonSyntaxError(json, error);
  }

  const checked = validateRuleFile(value);
  if (!checked.ok) throw schemaError(checked.issues);
  return checked.ruleFile;
}

/**
 * Runs a rule file over every parsed message of the case. Saves the result as derived/rules/latest.json
 * and appends a 'rules-run' custody entry. Throws RULES_INVALID for a bad rule file, before anything is saved.
 * NOTE: messages without a derived record (not yet processed) are not checked; processCase parses them.
 */
export async function runRules(store: CaseStore, rulesText: string): Promise<RuleRunResult> {
  const ruleFile = parseRuleFile(rulesText);
  const records = await store.loadRecords();
  const compiled = ruleFile.rules.map(compileRule);

  const rules: RuleResult[] = compiled.map(({ rule }) => ({ id: rule.id, name: rule.name, type: rule.type, hits: 0, messages: [], details: [] }));
  for (const record of records) {
    compiled.forEach((rule, index) => {
      const matches = matchRule(rule, record);
      const result = rules[index];
      if (matches.length === 0 || result === undefined) return;

      result.messages.push(record.sha256);
      result.details.push({ sha256: record.sha256, matches });
    });
  }
  for (const result of rules) sortResult(result);

  const result: RuleRunResult = {
    schemaVersion: SCHEMA_VERSION,
    appVersion: APP_VERSION,
    ranAt: new Date().toISOString(),
    rulesSha256: sha256Hex(rulesText),
    rules,
  };

  const file = store.derivedPath('rules', LATEST_RULE_RUN_FILE);
  await writeFileAtomic(file, canonicalJson(result) + '\n');
  const recordSha256 = sha256Hex(await fs.readFile(file));
  const hitCount = rules.reduce((sum, rule) => sum + rule.hits, 0);
  await store.custodyLog.append('rules-run', { rulesSha256: result.rulesSha256, recordSha256, ruleCount: rules.length, hitCount });

  log.info('rules run', { caseId: store.info.caseId, rulesSha256: result.rulesSha256, ruleCount: rules.length, hitCount, messages: records.length });
  return result;
}

/** Sorts a rule's messages and details by SHA-256 so equal inputs give equal output, and sets its hit count. */
function sortResult(result: RuleResult): void {
  result.messages.sort();
  result.details.sort((a: RuleMessageHit, b: RuleMessageHit) => compareCodePoints(a.sha256, b.sha256));
  result.hits = result.messages.length;
}

/** Orders strings by code point, the same order Array.prototype.sort uses, independent of locale. */
function compareCodePoints(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function jsonSyntaxError(text: string, error: unknown): MailcaseError {
  const reason = error instanceof Error ? error.message : String(error);
  const reported = /at position (\d+)/.exec(reason);
  const position = reported?.[1] !== undefined ? toTextPosition(text, Number(reported[1])) : findJsonErrorPosition(text);
  const where = position === null ? '' : ` at line ${position.line}, column ${position.column}`;

  return new MailcaseError('RULES_INVALID', `Rule file is not valid JSON${where}: ${reason}`, {
    userMessage: `The rule file is not valid JSON${where}. Check for a missing comma, quote or bracket there.`,
    details: { ...(position ?? {}), reason, issues: [] },
  });
}

function schemaError(issues: RuleFileIssue[]): MailcaseError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const listing = issues.map((issue) => `- ${issue.path}: ${issue.message}`).join('\n');

  return new MailcaseError('RULES_INVALID', `Rule file has ${count}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`, {
    userMessage: `The rule file has ${count}. Fix them and run the rules again:\n${listing}`,
    details: { issues },
  });
}
