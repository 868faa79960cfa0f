// Evaluates one rule of a pack against one message record and turns the outcome into an explainable hit:
// the rule's matches with their places, or the reasons the rule could not finish on that record.
import type { Condition, PackRule } from '../../shared/rules-types.js';
import { MAX_MATCHES_PER_MESSAGE } from '../../shared/limits.js';
import type { MessageRecord, RuleAbort, RuleMatch, RuleMessageHit } from '../../shared/types.js';
import { compileCondition, describeCondition, type CompiledCondition, type QueryMatches } from './evaluate-condition.js';
import { flattenRecord, type RecordInContext } from './message-texts.js';

/** A rule prepared once per run. */
export interface CompiledRule {
  rule: PackRule;
  condition: CompiledCondition;
}

/** Outcome of one rule on one record: the hit (null when the rule did not match) and any aborts. */
export interface RuleOutcome {
  hit: RuleMessageHit | null;
  aborted: RuleAbort[];
}

/** Prepares a rule for matching against many messages. */
export function compileRule(rule: PackRule): CompiledRule {
  return { rule, condition: compileCondition(rule.condition) };
}

/** Evaluates a rule on one record in its evidence context. `queries` contains the case-wide results of the rule's queries. */
export function matchRule(compiled: CompiledRule, target: RecordInContext, queries: QueryMatches = new Map()): RuleOutcome {
  const outcome = compiled.condition(target, queries, MAX_MATCHES_PER_MESSAGE);
  const aborted = outcome.aborted.map((reason) => ({ sha256: target.evidenceSha256, embeddedPath: target.embeddedPath, reason }));
  if (!outcome.matched) return { hit: null, aborted };

  const matches = outcome.matches.length > 0 ? outcome.matches : [conditionMatch(compiled.rule.condition)];
  return {
    hit: {
      sha256: target.evidenceSha256,
      embeddedPath: target.embeddedPath,
      embeddedSha256: target.embeddedPath === null ? null : target.record.sha256,
      matches,
    },
    aborted,
  };
}

/** Evaluates a rule on an evidence record and each message embedded in it; returns the hits and aborts in record order. */
export function matchRecord(compiled: CompiledRule, record: MessageRecord, queries: QueryMatches = new Map()): RuleOutcome[] {
  return flattenRecord(record).map((target) => matchRule(compiled, target, queries));
}

/** Builds the hit of a condition that held without a detector hit to show, such as a NOT. */
function conditionMatch(condition: Condition): RuleMatch {
  const words = describeCondition(condition);
  return {
    detector: condition.type,
    kind: condition.type,
    field: 'message',
    area: 'message',
    header: null,
    partPath: null,
    member: null,
    start: null,
    end: null,
    value: '',
    entry: words,
    confidence: 'medium',
    decoding: null,
    explanation: `The message as a whole meets the condition ${words}.`,
  };
}
