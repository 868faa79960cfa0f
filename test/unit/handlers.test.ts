// The real handler table on real case folders: unparsed messages are processed when a case opens, rule
// files are saved and read back with the case, and a bundle's signer is compared with the trusted keys.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ACTIVE_RULES_FILE } from '../../electron/api/case-rules.js';
import { dispatch } from '../../electron/api/dispatch.js';
import type { HandlerTable } from '../../electron/api/handler-table.js';
import { createHandlers } from '../../electron/api/handlers.js';
import { describeSigner } from '../../electron/bundle/signer-trust.js';
import { fingerprintsMatch, normalizeFingerprint } from '../../shared/text.js';
import { loadOrCreateSigningKey } from '../../electron/bundle/signing-key.js';
import { CaseStore } from '../../electron/evidence/case-store.js';
import { setLogSink } from '../../electron/logging/logger.js';
import type { Channel, ChannelReply } from '../../shared/contract.js';
import type { SerializedError } from '../../shared/errors.js';
import type { BundleVerification } from '../../shared/types.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/messages/plain-falcon.eml');

const VALID_RULES = '{\n  "version": 1,\n  "rules": [\n    { "id": "codewords", "name": "Codewords", "type": "keyword-list", "keywords": ["Falcon"] }\n  ]\n}\n';

const KEY_A = 'ab'.repeat(32);
const KEY_B = 'cd'.repeat(32);

/** Writes raw octets into the case as evidence, the way an acquisition does, without parsing them. */
async function storeRawMessage(store: CaseStore, raw: Buffer): Promise<string> {
  const writer = await store.createEvidenceWriter();
  await writer.write(raw);
  const committed = await writer.commit();
  return committed.sha256;
}

function valueOf<C extends Channel>(reply: ChannelReply<C>): ChannelReply<C> extends { ok: true; value: infer V } ? V : never {
  if (!reply.ok) throw new Error(`Expected a value, got ${JSON.stringify(reply.error)}`);
  return reply.value as never;
}

function errorOf(reply: ChannelReply<Channel>): SerializedError {
  if (reply.ok) throw new Error(`Expected an error reply, got ${JSON.stringify(reply.value)}`);
  return reply.error;
}

describe('handlers', () => {
  let root: string;
  let caseDir: string;
  let configDir: string;
  let handlers: HandlerTable;

  beforeEach(async () => {
    setLogSink(() => undefined);
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-handlers-'));
    caseDir = path.join(root, 'case');
    configDir = path.join(root, 'config');
    handlers = createHandlers({ configDir });
  });

  afterEach(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  describe('case:open', () => {
    it('parses a stored message without a record', async () => {
      const store = await CaseStore.create(caseDir, 'Unparsed');
      const sha256 = await storeRawMessage(store, await fs.readFile(FIXTURE));

      const summary = await handlers['case:open']({ dir: caseDir, create: false });
      const messages = await handlers['messages:list']({ dir: caseDir });

      expect(summary.messageCount).toBe(1);
      expect(messages.length).toBe(1);
      expect(messages[0]?.sha256).toBe(sha256);
    });

    it('rebuilds records after derived/ is deleted', async () => {
      const store = await CaseStore.create(caseDir, 'Rebuilt');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      await handlers['case:open']({ dir: caseDir, create: false });
      await fs.rm(path.join(caseDir, 'derived'), { recursive: true, force: true });

      await handlers['case:open']({ dir: caseDir, create: false });
      const messages = await handlers['messages:list']({ dir: caseDir });

      expect(messages.length).toBe(1);
    });

    it('finds a message stored after opening', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });
      const store = await CaseStore.open(caseDir);
      await storeRawMessage(store, await fs.readFile(FIXTURE));

      const result = await handlers['search:run']({ dir: caseDir, query: 'falcon' });

      expect(result.total).toBe(1);
    });
  });

  describe('rules:save and rules:get', () => {
    it('returns nulls for a case without rules', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });

      const rules = await handlers['rules:get']({ dir: caseDir });

      expect(rules).toEqual({ rulesText: null, latest: null });
    });

    it('saves a valid rule file byte for byte', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });
      const text = VALID_RULES.replace('Codewords', 'Codewörter');

      const saved = await handlers['rules:save']({ dir: caseDir, rulesText: text });
      const onDisk = await fs.readFile(path.join(caseDir, ACTIVE_RULES_FILE));

      expect(onDisk.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(saved.rulesSha256).toBe(createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex'));
    });

    it('logs a rules-saved custody entry', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });

      const saved = await handlers['rules:save']({ dir: caseDir, rulesText: VALID_RULES });
      const entries = await (await CaseStore.open(caseDir)).custodyLog.readAll();
      const last = entries.at(-1);

      expect(last?.type).toBe('rules-saved');
      expect(last?.data).toEqual({ rulesSha256: saved.rulesSha256 });
    });

    it('reads the saved rules and last run back', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });
      await handlers['rules:save']({ dir: caseDir, rulesText: VALID_RULES });
      const run = await handlers['rules:run']({ dir: caseDir, rulesJson: VALID_RULES });

      const rules = await createHandlers({ configDir })['rules:get']({ dir: caseDir });

      expect(rules.rulesText).toBe(VALID_RULES);
      expect(rules.latest).toEqual(run);
    });

    it('rejects an invalid rule file with its issues', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });
      const invalid = JSON.stringify({ version: 1, rules: [{ id: 'x', name: 'X', type: 'domain-list' }] });

      const error = errorOf(await dispatch(handlers, 'rules:save', { dir: caseDir, rulesText: invalid }));

      expect(error.code).toBe('RULES_INVALID');
      expect(error.details.issues).toEqual([{ path: 'rules[0].domains', message: expect.any(String) as string }]);
    });

    it('writes nothing for an invalid rule file', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });

      await dispatch(handlers, 'rules:save', { dir: caseDir, rulesText: '{"version": 2}' });
      const exists = await fs.stat(path.join(caseDir, ACTIVE_RULES_FILE)).then(
        () => true,
        () => false,
      );

      expect(exists).toBe(false);
    });

    it('ignores a damaged last run', async () => {
      await handlers['case:open']({ dir: caseDir, create: true });
      await fs.mkdir(path.join(caseDir, 'derived', 'rules'), { recursive: true });
      await fs.writeFile(path.join(caseDir, 'derived', 'rules', 'latest.json'), '{"schemaVersion": 1, "rules": "x"}');

      const rules = await handlers['rules:get']({ dir: caseDir });

      expect(rules.latest).toBe(null);
    });
  });

  describe('bundle:verify signer check', () => {
    it('reports the trusted and own key', async () => {
      const store = await CaseStore.create(caseDir, 'Signed');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      await handlers['case:open']({ dir: caseDir, create: false });
      const bundleFile = path.join(root, 'bundle.zip');
      const exported = await handlers['bundle:export']({ dir: caseDir, outFile: bundleFile });
      const colonUpper = exported.signerFingerprint.toUpperCase().match(/../g)?.join(':') ?? '';

      const reply = valueOf(await dispatch(handlers, 'bundle:verify', { file: bundleFile, trustedFingerprint: colonUpper })) as {
        signerTrusted: boolean | null;
        signerIsOwnKey: boolean | null;
      };

      expect(reply.signerTrusted).toBe(true);
      expect(reply.signerIsOwnKey).toBe(true);
    });

    it('reports a key that is not the trusted one', async () => {
      const store = await CaseStore.create(caseDir, 'Signed');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      const bundleFile = path.join(root, 'bundle.zip');
      await handlers['bundle:export']({ dir: caseDir, outFile: bundleFile });

      const reply = await handlers['bundle:verify']({ file: bundleFile, trustedFingerprint: KEY_B });

      expect(reply.signerTrusted).toBe(false);
    });

    it('leaves signerIsOwnKey null without an own key', async () => {
      const otherConfig = path.join(root, 'other-config');
      const store = await CaseStore.create(caseDir, 'Signed');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      const bundleFile = path.join(root, 'bundle.zip');
      await createHandlers({ configDir: otherConfig })['bundle:export']({ dir: caseDir, outFile: bundleFile });

      const reply = await handlers['bundle:verify']({ file: bundleFile });

      expect(reply.signerTrusted).toBe(null);
      expect(reply.signerIsOwnKey).toBe(null);
    });

    it('does not create an own key', async () => {
      const otherConfig = path.join(root, 'other-config');
      const store = await CaseStore.create(caseDir, 'Signed');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      const bundleFile = path.join(root, 'bundle.zip');
      await createHandlers({ configDir: otherConfig })['bundle:export']({ dir: caseDir, outFile: bundleFile });

      await handlers['bundle:verify']({ file: bundleFile });
      const keysExist = await fs.stat(path.join(configDir, 'keys')).then(
        () => true,
        () => false,
      );

      expect(keysExist).toBe(false);
    });

    it('says when another own key signed', async () => {
      await loadOrCreateSigningKey(configDir);
      const otherConfig = path.join(root, 'other-config');
      const store = await CaseStore.create(caseDir, 'Signed');
      await storeRawMessage(store, await fs.readFile(FIXTURE));
      const bundleFile = path.join(root, 'bundle.zip');
      await createHandlers({ configDir: otherConfig })['bundle:export']({ dir: caseDir, outFile: bundleFile });

      const reply = await handlers['bundle:verify']({ file: bundleFile });

      expect(reply.signerIsOwnKey).toBe(false);
    });

    it('rejects a malformed trusted fingerprint', async () => {
      const error = errorOf(await dispatch(handlers, 'bundle:verify', { file: '/x/bundle.zip', trustedFingerprint: 'abc' }));

      expect(error.code).toBe('INVALID_INPUT');
    });
  });
});

describe('signer check', () => {
  const verification = (signerFingerprint: string | null): BundleVerification => ({ valid: true, problems: [], messageCount: 1, signerFingerprint });

  it('normalises colons and case', () => {
    expect(normalizeFingerprint('AB:CD:ef')).toBe('abcdef');
  });

  it('matches a colon-separated upper-case fingerprint', () => {
    expect(fingerprintsMatch(KEY_A, KEY_A.toUpperCase().match(/../g)?.join(':') ?? '')).toBe(true);
  });

  it('does not match a different key', () => {
    expect(fingerprintsMatch(KEY_A, KEY_B)).toBe(false);
  });

  it('marks the trusted signer', () => {
    expect(describeSigner(verification(KEY_A), KEY_A.toUpperCase(), null).signerTrusted).toBe(true);
  });

  it('marks an untrusted signer', () => {
    expect(describeSigner(verification(KEY_A), KEY_B, null).signerTrusted).toBe(false);
  });

  it('leaves trust unknown without a trusted key', () => {
    expect(describeSigner(verification(KEY_A), undefined, KEY_A).signerTrusted).toBe(null);
  });

  it('leaves trust unknown for an unreadable signer', () => {
    expect(describeSigner(verification(null), KEY_A, KEY_A).signerTrusted).toBe(null);
  });

  it('recognises the own key', () => {
    expect(describeSigner(verification(KEY_A), undefined, KEY_A).signerIsOwnKey).toBe(true);
  });
});
