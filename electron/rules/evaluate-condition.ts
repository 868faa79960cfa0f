// Compiles a rule's condition tree once per run and evaluates it on one message record, collecting the
// hits that explain a match. all/any/not combine detectors and search-language queries.
import type { Condition } from '../../shared/rules-types.js';
import type { RuleMatch } from '../../shared/types.js';
import { compileDomainsDetector, compileWebmailDetector, runDomainsDetector, runWebmailDetector } from './detect-addresses.js';
import { runAttachmentsDetector } from './detect-attachments.js';
import { compileContentDetector, runContentDetector } from './detect-content.js';
import { compileRegexDetector, runRegexDetector } from './detect-regex.js';
import type { RecordInContext } from './message-texts.js';

/** Outcome of a condition on one record: whether it holds, the hits behind it, and why it could not finish. */
export interface ConditionOutcome {
  matched: boolean;
  matches: RuleMatch[];
  /** Reasons the condition could not be decided on this record (for example a regex time-out); empty when decided. */
  aborted: string[];
}

/** Sets of records a query matched, by evidence SHA-256 and by embedded record id ("<evidence sha256>/<embedded path>"). */
export type QueryMatches = ReadonlyMap<string, ReadonlySet<string>>;

/** A condition ready to evaluate: a function of one record and the precomputed query results. */
export type CompiledCondition = (target: RecordInContext, queries: QueryMatches, limit: number) => ConditionOutcome;

/** Compiles a condition tree. Detectors prepare their patterns here, once for the whole run. */
export function compileCondition(condition: Condition): CompiledCondition {
  switch (condition.type) {
    case 'all':
      return compileAll(condition.of.map(compileCondition));
    case 'any':
      return compileAny(condition.of.map(compileCondition));
    case 'not':
      return compileNot(compileCondition(condition.condition));
    case 'query':
      return compileQuery(condition.query);
    case 'domains': {
      const detector = compileDomainsDetector(condition);
      return (target, _queries, limit) => outcome(runDomainsDetector(detector, target.record, limit));
    }
    case 'webmail': {
      const detector = compileWebmailDetector(condition);
      return (target, _queries, limit) => outcome(runWebmailDetector(detector, target.record, limit));
    }
    case 'attachments':
      return (target, _queries, limit) => outcome(runAttachmentsDetector(condition, target.record, limit));
    case 'regex': {
      const detector = compileRegexDetector(condition);
      return (target, _queries, limit) => {
        const result = runRegexDetector(detector, target.record, limit);
        if (result.aborted !== null) return { matched: false, matches: [], aborted: [result.aborted] };
        return outcome(result.matches);
      };
    }
    default: {
      const detector = compileContentDetector(condition);
      return (target, _queries, limit) => outcome(runContentDetector(detector, target.record, limit));
    }
  }
}

/** Lists the distinct queries of a condition tree, which the run evaluates once over the whole case. */
export function collectQueries(condition: Condition, into: Set<string> = new Set()): Set<string> {
  if (condition.type === 'query') into.add(condition.query);
  if (condition.type === 'all' || condition.type === 'any') for (const child of condition.of) collectQueries(child, into);
  if (condition.type === 'not') collectQueries(condition.condition, into);
  return into;
}

/** Describes a condition tree in a few words, e.g. "domains AND NOT query". */
export function describeCondition(condition: Condition): string {
  switch (condition.type) {
    case 'all':
      return condition.of.map(describeNested).join(' AND ');
    case 'any':
      return condition.of.map(describeNested).join(' OR ');
    case 'not':
      return `NOT ${describeNested(condition.condition)}`;
    default:
      return condition.type;
  }
}

function describeNested(condition: Condition): string {
  return condition.type === 'all' || condition.type === 'any' ? `(${describeCondition(condition)})` : describeCondition(condition);
}

function outcome(matches: RuleMatch[]): ConditionOutcome {
  return { matched: matches.length > 0, matches, aborted: [] };
}

function compileAll(children: CompiledCondition[]): CompiledCondition {
  return (target, queries, limit) => {
    const matches: RuleMatch[] = [];
    const aborted: string[] = [];
    let matched = true;
    for (const child of children) {
      const result = child(target, queries, limit);
      aborted.push(...result.aborted);
      if (!result.matched) {
        matched = false;
        // Once one part fails the whole fails, unless an earlier part was undecided; stop either way.
        break;
      }
      matches.push(...result.matches);
    }
    return matched ? { matched, matches: matches.slice(0, limit), aborted } : { matched: false, matches: [], aborted };
  };
}

function compileAny(children: CompiledCondition[]): CompiledCondition {
  return (target, queries, limit) => {
    const matches: RuleMatch[] = [];
    const aborted: string[] = [];
    let matched = false;
    for (const child of children) {
      const result = child(target, queries, limit);
      aborted.push(...result.aborted);
      if (result.matched) {
        matched = true;
        matches.push(...result.matches);
      }
    }
    // A decided match counts even when another alternative was aborted.
    return { matched, matches: matches.slice(0, limit), aborted: matched ? [] : aborted };
  };
}

function compileNot(child: CompiledCondition): CompiledCondition {
  return (target, queries, limit) => {
    const result = child(target, queries, limit);
    // An undecided part leaves NOT undecided too, so it does not match.
    if (result.aborted.length > 0) return { matched: false, matches: [], aborted: result.aborted };
    return { matched: !result.matched, matches: [], aborted: [] };
  };
}

function compileQuery(query: string): CompiledCondition {
  return (target, queries) => {
    const hits = queries.get(query);
    const id = target.embeddedPath === null ? target.evidenceSha256 : `${target.evidenceSha256}/${target.embeddedPath}`;
    const matched = hits !== undefined && (hits.has(id) || (target.embeddedPath !== null && hits.has(target.record.sha256)));
    if (!matched) return { matched: false, matches: [], aborted: [] };

    return {
      matched: true,
      aborted: [],
      matches: [
        {
          detector: 'query',
          kind: 'query',
          field: 'message',
          area: 'message',
          header: null,
          partPath: null,
          member: null,
          start: null,
          end: null,
          value: query,
          entry: query,
          confidence: 'high',
          decoding: null,
          explanation: `The message matches the search query ${JSON.stringify(query)}.`,
        },
      ],
    };
  };
}
