// The rule file saved with a case (<case>/rules/active-rules.json) and the last rule run's result
// (derived/rules/latest.json), so the Rules panel shows both again when the case is reopened.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { z } from 'zod';

import type { CaseRules } from '../../shared/contract.js';
import { MailcaseError } from '../../shared/errors.js';
import type { RuleRunResult } from '../../shared/types.js';
import { writeFileAtomic } from '../evidence/atomic-file.js';
import type { CaseStore } from '../evidence/case-store.js';
import { createLogger } from '../logging/logger.js';
import { ACTIVE_RULES_FILE, readSavedRulesText } from '../rules/active-rules.js';
import { LATEST_RULE_RUN_FILE, RULE_RUN_SCHEMA_VERSION, parseRuleFile } from '../rules/run-rules.js';

const log = createLogger('case-rules');

export { ACTIVE_RULES_FILE };

/**
 * Largest derived/rules/latest.json read back, in bytes. The file lists every hit with its reasons, so it
 * grows with the case; 256 MB is a guess far above a rule run over a large mailbox, and it keeps a damaged
 * or planted file from exhausting memory.
 */
const MAX_LATEST_RESULT_BYTES = 256 * 1024 * 1024;

const ruleMatchSchema = z.object({
  detector: z.string(),
  kind: z.string(),
  field: z.string(),
  area: z.enum(['header', 'body', 'attachment', 'filename', 'message']),
  header: z.string().nullable(),
  partPath: z.string().nullable(),
  member: z.string().nullable(),
  start: z.number().nullable(),
  end: z.number().nullable(),
  value: z.string(),
  entry: z.string(),
  confidence: z.enum(['low', 'medium', 'high']),
  decoding: z
    .object({
      path: z.string(),
      contentType: z.string(),
      transferEncoding: z.string().nullable(),
      declaredCharset: z.string().nullable(),
      charsetUsed: z.string().nullable(),
      filename: z.string().nullable(),
      disposition: z.string().nullable(),
      size: z.number(),
      role: z.enum(['body-text', 'body-html', 'attachment', 'inline', 'message', 'container', 'other']),
    })
    .nullable(),
  explanation: z.string(),
});

// The saved result is derived data that anyone with access to the folder could edit, so its shape is
// checked before the renderer draws it. A record of another schema version (an older run) is ignored.
const ruleRunResultSchema = z.object({
  schemaVersion: z.literal(RULE_RUN_SCHEMA_VERSION),
  appVersion: z.string(),
  ranAt: z.string(),
  rulesSha256: z.string(),
  packName: z.string(),
  evidenceSha256: z.string(),
  messageCount: z.number(),
  unparsed: z.array(z.string()),
  contentSha256: z.string(),
  rules: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      version: z.number(),
      severity: z.enum(['low', 'medium', 'high']),
      tags: z.array(z.string()),
      type: z.string(),
      enabled: z.boolean(),
      hits: z.number(),
      messages: z.array(z.string()),
      details: z.array(
        z.object({
          sha256: z.string(),
          embeddedPath: z.string().nullable(),
          embeddedSha256: z.string().nullable(),
          matches: z.array(ruleMatchSchema),
        }),
      ),
      aborted: z.array(z.object({ sha256: z.string(), embeddedPath: z.string().nullable(), reason: z.string() })),
    }),
  ),
});

/** Reads the case's saved rule file and last rule run. A missing file gives null; an unusable latest.json is logged and gives null. */
export async function readCaseRules(store: CaseStore): Promise<CaseRules> {
  return { rulesText: await readSavedRulesText(store), latest: await readLatestRun(store) };
}

/**
 * Checks a rule file with parseRuleFile, writes its exact text to rules/active-rules.json atomically and appends
 * a 'rules-saved' custody entry. Throws RULES_INVALID, listing every bad field, before anything is written.
 */
export async function saveCaseRules(store: CaseStore, rulesText: string): Promise<{ rulesSha256: string }> {
  parseRuleFile(rulesText);

  const bytes = Buffer.from(rulesText, 'utf8');
  const rulesSha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFileAtomic(path.join(store.dir, ACTIVE_RULES_FILE), bytes);
  await store.custodyLog.append('rules-saved', { rulesSha256 });

  log.info('Case rules saved', { caseId: store.info.caseId, rulesSha256 });
  return { rulesSha256 };
}

async function readLatestRun(store: CaseStore): Promise<RuleRunResult | null> {
  const file = store.derivedPath('rules', LATEST_RULE_RUN_FILE);
  const size = await fileSize(file);
  if (size === null) return null;
  if (size > MAX_LATEST_RESULT_BYTES) {
    log.warn('Last rule run result ignored: file too large', { caseId: store.info.caseId, bytes: size });
    return null;
  }

  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    log.warn('Last rule run result ignored: not valid JSON', { caseId: store.info.caseId, error: error instanceof Error ? error.message : String(error) });
    return null;
  }
  const checked = ruleRunResultSchema.safeParse(value);
  if (!checked.success) {
    log.warn('Last rule run result ignored: unexpected shape', { caseId: store.info.caseId, issues: checked.error.issues.length });
    return null;
  }
  return checked.data;
}

/** Returns a regular file's size, or null when it does not exist. Other errors (permissions, a folder in its place) propagate. */
async function fileSize(file: string): Promise<number | null> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) {
      throw new MailcaseError('CASE_INVALID', `${file} is not a file`, { details: { file } });
    }
    return stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
