// Runs investigator-written regular expressions with a time limit per message, so a pattern with
// catastrophic backtracking such as (a+)+$ aborts the rule on that message instead of freezing the app.
import vm from 'node:vm';

import type { RegexCondition } from '../../shared/rules-types.js';
import type { MessageRecord, RuleMatch } from '../../shared/types.js';
import { describePlace, locationOf, messageTexts } from './message-texts.js';
import { quote } from './text-match.js';

/**
 * Time one regex condition may spend on one message (all its texts together), in milliseconds. Ordinary
 * patterns take well under a millisecond on a message, so a pattern that needs longer is almost certainly
 * backtracking exponentially. At 250 ms per message a 5,000-message run still ends within about 21 minutes.
 */
export const REGEX_TIME_LIMIT_MS = 250;

/**
 * The matching loop, run inside a separate V8 context because vm's timeout option is the one way in
 * Node 20 and 22 to interrupt a synchronous RegExp.exec on the calling thread. The context contains only
 * the texts, the pattern and the limit, and no other object of the process.
 */
const MATCH_SCRIPT = new vm.Script(`
  result = [];
  {
    const re = new RegExp(pattern, flags);
    for (let t = 0; t < texts.length && result.length < limit; t += 1) {
      re.lastIndex = 0;
      let m;
      while (result.length < limit && (m = re.exec(texts[t])) !== null) {
        result.push([t, m.index, m[0].length]);
        if (m[0].length === 0) re.lastIndex += 1;
      }
    }
  }
`);

/** A regex condition prepared once per run: its own context and the flags it runs with. */
export interface RegexDetector {
  condition: RegexCondition;
  context: vm.Context;
}

/** Result of one regex condition on one message: the hits, or the reason it was aborted. */
export type RegexOutcome = { matches: RuleMatch[]; aborted: null } | { matches: []; aborted: string };

/** Prepares a regex condition. The pattern was already compiled once by the schema, so it is valid. */
export function compileRegexDetector(condition: RegexCondition): RegexDetector {
  const context = vm.createContext({ pattern: condition.pattern, flags: `${condition.flags}gu`, texts: [], limit: 0, result: null });
  return { condition, context };
}

/** Runs a regex condition over one record's texts within REGEX_TIME_LIMIT_MS. */
export function runRegexDetector(detector: RegexDetector, record: MessageRecord, limit: number, timeLimitMs = REGEX_TIME_LIMIT_MS): RegexOutcome {
  const texts = messageTexts(record, detector.condition.in);
  if (texts.length === 0) return { matches: [], aborted: null };

  const context = detector.context as { texts: string[]; limit: number; result: unknown };
  context.texts = texts.map((text) => text.text);
  context.limit = limit;
  try {
    MATCH_SCRIPT.runInContext(detector.context, { timeout: timeLimitMs });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      return { matches: [], aborted: `The pattern ran longer than ${timeLimitMs} ms on this message and was stopped.` };
    }
    throw error;
  } finally {
    context.texts = [];
  }

  const found = Array.from(context.result as ArrayLike<[number, number, number]>, (entry) => [entry[0], entry[1], entry[2]] as const);
  context.result = null;

  const matches: RuleMatch[] = [];
  for (const [textIndex, start, length] of found) {
    const text = texts[textIndex];
    if (text === undefined) continue;

    const value = text.text.slice(start, start + length);
    matches.push({
      detector: 'regex',
      kind: 'regex',
      ...locationOf(text),
      start,
      end: start + length,
      value,
      entry: detector.condition.pattern,
      confidence: 'medium',
      explanation: `The pattern /${detector.condition.pattern}/ matches ${quote(value)} in ${describePlace(text)} at characters ${start}-${start + length}.`,
    });
  }
  return { matches, aborted: null };
}
