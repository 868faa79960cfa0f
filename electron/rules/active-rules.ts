// The rules active for a case: the pack saved with it (<case>/rules/active-rules.json), or the built-in
// default pack when none is saved. New mail is checked by running them again over the whole case.
import { promises as fs } from 'node:fs';
import path from 'node:path';

import type { BuiltinRulePack } from '../../shared/contract.js';
import { MailcaseError } from '../../shared/errors.js';
import { MAX_RULE_FILE_BYTES } from '../../shared/limits.js';
import type { RuleRunResult } from '../../shared/types.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import defaultPack from './packs/default-pack.json' with { type: 'json' };
import demoPack from './packs/demo-pack.json' with { type: 'json' };
import { runRules, type RunRulesOptions } from './run-rules.js';

const log = createLogger('active-rules');

/** Location of the case's saved rule pack, relative to the case folder. */
export const ACTIVE_RULES_FILE = path.join('rules', 'active-rules.json');


/** Returns the text of the built-in default pack: the JSON file with two-space indentation and a final newline. */
export function defaultPackText(): string {
  return `${JSON.stringify(defaultPack, null, 2)}\n`;
}

/** Returns the text of the demo pack, which fits the generated demo mailbox. */
export function demoPackText(): string {
  return `${JSON.stringify(demoPack, null, 2)}\n`;
}

/** Lists the built-in packs. */
export function builtinPacks(): BuiltinRulePack[] {
  return [
    { id: 'default', name: defaultPack.name, text: defaultPackText() },
    { id: 'demo', name: demoPack.name, text: demoPackText() },
  ];
}

/**
 * Reads the text of the case's saved rule pack, or null when none is saved. Throws RULES_INVALID for a
 * file over MAX_RULE_FILE_BYTES and CASE_INVALID when something other than a file sits at its place.
 */
export async function readSavedRulesText(store: CaseStore): Promise<string | null> {
  const file = path.join(store.dir, ACTIVE_RULES_FILE);
  let size: number;
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new MailcaseError('CASE_INVALID', `${file} is not a file`, { details: { file } });
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }

  if (size > MAX_RULE_FILE_BYTES) {
    throw new MailcaseError('RULES_INVALID', `${file} is ${size} bytes, more than the ${MAX_RULE_FILE_BYTES} allowed`, {
      userMessage: `The saved rule file ${file} is too large (${size} bytes). Replace it with a file of at most ${MAX_RULE_FILE_BYTES} bytes.`,
      details: { file, bytes: size, maxBytes: MAX_RULE_FILE_BYTES },
    });
  }
  return fs.readFile(file, 'utf8');
}

/** Returns the text of the rules active for a case: its saved pack, else the default pack. */
export async function readActiveRulesText(store: CaseStore): Promise<{ text: string; source: 'case' | 'default' }> {
  const saved = await readSavedRulesText(store);
  return saved === null ? { text: defaultPackText(), source: 'default' } : { text: saved, source: 'case' };
}

/**
 * Runs the case's active rules over the whole case, so messages added by an incremental acquisition or an
 * import are checked and tagged like the rest. Call it after processCase has parsed the new messages.
 * Running over everything keeps the run record complete and reproducible; tags already present are not added again.
 */
export async function runActiveRules(store: CaseStore, options: RunRulesOptions = {}): Promise<RuleRunResult> {
  const active = await readActiveRulesText(store);
  log.info('running active rules', { caseId: store.info.caseId, source: active.source });
  return runRules(store, active.text, options);
}

/**
 * Runs the active rules after new mail arrived (an incremental acquisition or an import), logging instead of
 * throwing when they fail: a broken saved pack must not make a finished acquisition look failed. Returns the
 * run record, or null when the run failed.
 */
export async function checkNewMail(store: CaseStore, options: RunRulesOptions = {}): Promise<RuleRunResult | null> {
  try {
    return await runActiveRules(store, options);
  } catch (error) {
    const code = error instanceof MailcaseError ? error.code : 'INTERNAL';
    log.error('active rules failed on new mail', { caseId: store.info.caseId, code, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
}
