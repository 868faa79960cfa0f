// Reads a rule pack, runs its rules over every parsed message of a case (embedded messages included),
// saves the run record as derived/rules/latest.json, records the run in the custody log and tags the hits.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';

import { canonicalJson } from '../../shared/canonical-json.js';
import { MailcaseError } from '../../shared/errors.js';
import { MAX_RULE_FILE_BYTES } from '../../shared/limits.js';
import { formatIssuePath, validateRuleFile, type RuleFile, type RuleFileIssue } from '../../shared/rules-schema.js';
import type { Condition, PackRule } from '../../shared/rules-types.js';
import type { RuleAbort, RuleMessageHit, RuleResult, RuleRunResult } from '../../shared/types.js';
import { APP_VERSION } from '../../shared/version.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { addTags } from '../review/review-store.js';
import { searchCase } from '../search/search-index.js';
import { describeCondition, type QueryMatches } from './evaluate-condition.js';
import { findJsonErrorPosition, toTextPosition } from './json-error-position.js';
import { compileRule, matchRule, type RuleOutcome } from './match-rules.js';
import { flattenRecord } from './message-texts.js';

const log = createLogger('run-rules');

/** Name of the saved record of the last rule run, inside derived/rules/. */
export const LATEST_RULE_RUN_FILE = 'latest.json';

/** Version of the run record's shape (RuleRunResult). */
export const RULE_RUN_SCHEMA_VERSION = 2;

/** Options of a rule run. */
export interface RunRulesOptions {
  /** Add each rule's tags to the messages it hits (default true). Tags are reviewer state in the custody log. */
  applyTags?: boolean;
}

/**
 * Parses and checks a rule pack's text (version 2, or version 1 converted to version 2). Throws
 * RULES_INVALID: for a JSON syntax error with details { line, column, offset } when the position is known,
 * and for schema errors with details.issues listing every bad field as { path: 'rules[1].condition.domains[0]', message }.
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
 * Runs a rule pack over every parsed message of the case, embedded messages included. Saves the run record
 * as derived/rules/latest.json, appends a 'rules-run' custody entry and adds each rule's tags to the
 * messages it hit. Throws RULES_INVALID for a bad pack or a query the search language rejects, before
 * anything is saved.
 * NOTE: messages without a derived record (not yet processed) are not checked; the record lists them in `unparsed`.
 */
export async function runRules(store: CaseStore, rulesText: string, options: RunRulesOptions = {}): Promise<RuleRunResult> {
  const pack = parseRuleFile(rulesText);
  const enabled = pack.rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => rule.enabled);
  const compiled = enabled.map(({ rule }) => compileRule(rule));
  const queries = await evaluateQueries(store, enabled);

  const evidence = await store.listMessages();
  const collectors = enabled.map(() => new RuleCollector());
  const unparsed: string[] = [];
  for (const sha256 of evidence) {
    const record = await store.loadRecord(sha256);
    if (record === null) {
      unparsed.push(sha256);
      continue;
    }
    for (const target of flattenRecord(record)) {
      compiled.forEach((rule, index) => collectors[index]?.add(matchRule(rule, target, queries)));
    }
  }

  const results = pack.rules.map((rule) => {
    const position = enabled.findIndex((item) => item.rule === rule);
    return toRuleResult(rule, collectors[position] ?? null);
  });
  const record = finishRecord({
    schemaVersion: RULE_RUN_SCHEMA_VERSION,
    appVersion: APP_VERSION,
    ranAt: new Date().toISOString(),
    rulesSha256: sha256Hex(rulesText),
    packName: pack.name,
    evidenceSha256: evidenceListSha256(evidence),
    messageCount: evidence.length,
    unparsed,
    rules: results,
  });

  const file = store.derivedPath('rules', LATEST_RULE_RUN_FILE);
  await writeFileAtomic(file, canonicalJson(record) + '\n');
  const recordSha256 = sha256Hex(await fs.readFile(file));
  const hitCount = results.reduce((sum, rule) => sum + rule.hits, 0);
  await store.custodyLog.append('rules-run', {
    rulesSha256: record.rulesSha256,
    recordSha256,
    contentSha256: record.contentSha256,
    evidenceSha256: record.evidenceSha256,
    ruleCount: results.length,
    hitCount,
  });

  if (options.applyTags ?? true) await applyRuleTags(store, results);
  log.info('rules run', { caseId: store.info.caseId, rulesSha256: record.rulesSha256, ruleCount: results.length, hitCount, messages: evidence.length });
  return record;
}

/**
 * Returns the SHA-256 of a list of evidence hashes: the hashes sorted by code point, each written as 64
 * lower-case hex digits followed by "\n", hashed as UTF-8.
 */
export function evidenceListSha256(hashes: readonly string[]): string {
  const sorted = [...hashes].sort(compareCodePoints);
  return sha256Hex(sorted.map((hash) => `${hash}\n`).join(''));
}

/**
 * Returns the self-hash a run record states: SHA-256 of canonicalJson of the record without `ranAt` and
 * `contentSha256`. Verifiers recompute it the same way.
 */
export function runRecordContentSha256(record: Omit<RuleRunResult, 'contentSha256'> | RuleRunResult): string {
  const { ranAt: _ranAt, ...rest } = record;
  const withoutHash: Record<string, unknown> = { ...rest };
  delete withoutHash['contentSha256'];
  return sha256Hex(canonicalJson(withoutHash));
}

function finishRecord(record: Omit<RuleRunResult, 'contentSha256'>): RuleRunResult {
  return { ...record, contentSha256: runRecordContentSha256(record) };
}

/** Collects one rule's hits and aborts over the whole run. */
class RuleCollector {
  readonly details: RuleMessageHit[] = [];
  readonly aborted: RuleAbort[] = [];
  readonly messages = new Set<string>();

  /** Keeps the outcome of the rule on one record. */
  add(outcome: RuleOutcome): void {
    this.aborted.push(...outcome.aborted);
    if (outcome.hit === null) return;
    this.messages.add(outcome.hit.sha256);
    this.details.push(outcome.hit);
  }
}

function toRuleResult(rule: PackRule, collector: RuleCollector | null): RuleResult {
  const details = [...(collector?.details ?? [])].sort(
    (a, b) => compareCodePoints(a.sha256, b.sha256) || compareCodePoints(a.embeddedPath ?? '', b.embeddedPath ?? ''),
  );
  const aborted = [...(collector?.aborted ?? [])].sort(
    (a, b) => compareCodePoints(a.sha256, b.sha256) || compareCodePoints(a.embeddedPath ?? '', b.embeddedPath ?? '') || compareCodePoints(a.reason, b.reason),
  );
  const messages = [...(collector?.messages ?? [])].sort(compareCodePoints);
  return {
    id: rule.id,
    name: rule.name,
    version: rule.version,
    severity: rule.severity,
    tags: rule.tags,
    type: describeCondition(rule.condition),
    enabled: rule.enabled,
    hits: messages.length,
    messages,
    details,
    aborted,
  };
}

/**
 * Runs every query of the enabled rules once over the whole case and returns the matching record ids.
 * A query the search language rejects becomes RULES_INVALID naming the rule and the query's path.
 */
async function evaluateQueries(store: CaseStore, enabled: { rule: PackRule; index: number }[]): Promise<QueryMatches> {
  const paths = new Map<string, string>();
  for (const { rule, index } of enabled) collectQueryPaths(rule.condition, ['rules', index, 'condition'], paths);

  const results = new Map<string, Set<string>>();
  for (const [query, path] of paths) {
    try {
      const found = await searchCase(store, query, { limit: 0, allMatches: true });
      results.set(query, new Set(found.sha256s ?? []));
    } catch (error) {
      if (!(error instanceof MailcaseError) || error.code !== 'QUERY_SYNTAX') throw error;
      throw schemaError([{ path, message: `Invalid search query: ${error.userMessage}` }]);
    }
  }
  return results;
}

function collectQueryPaths(condition: Condition, path: (string | number)[], into: Map<string, string>): void {
  if (condition.type === 'query' && !into.has(condition.query)) into.set(condition.query, formatIssuePath([...path, 'query']));
  if (condition.type === 'all' || condition.type === 'any') condition.of.forEach((child, index) => collectQueryPaths(child, [...path, 'of', index], into));
  if (condition.type === 'not') collectQueryPaths(condition.condition, [...path, 'condition'], into);
}

/**
 * Adds each rule's tags to the evidence messages it hit, in one batch. Tags already present are skipped
 * without a custody entry, so running the same rules again adds nothing.
 */
async function applyRuleTags(store: CaseStore, results: readonly RuleResult[]): Promise<void> {
  const requested = new Map<string, Set<string>>();
  for (const result of results) {
    if (result.tags.length === 0) continue;
    for (const sha256 of result.messages) {
      const tags = requested.get(sha256) ?? new Set<string>();
      for (const tag of result.tags) tags.add(tag);
      requested.set(sha256, tags);
    }
  }
  if (requested.size === 0) return;

  const items = [...requested.keys()]
    .sort(compareCodePoints)
    .flatMap((sha256) => [...(requested.get(sha256) ?? [])].sort(compareCodePoints).map((tag) => ({ sha256, tag })));
  const added = await addTags(store, items);
  log.info('rule tags applied', { caseId: store.info.caseId, messages: requested.size, added });
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
