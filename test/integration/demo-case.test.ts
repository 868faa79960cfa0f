// The 'demo:start' channel through the real handler table: it starts one demo server, creates a case that contains
// the demo rule pack, and returns settings that log in to the generated mailbox.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { testConnection } from '../../electron/acquisition/test-connection.js';
import { createHandlers } from '../../electron/api/handlers.js';
import type { HandlerTable } from '../../electron/api/handler-table.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { demoPackText } from '../../electron/rules/active-rules.js';

setLogSink(() => undefined);

const MESSAGES = 15;

describe('demo:start', () => {
  let workDir: string;
  let handlers: HandlerTable;

  beforeAll(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-demo-case-'));
    handlers = createHandlers({ configDir: path.join(workDir, 'config'), demo: { messages: MESSAGES, seed: 3 } });
  });

  afterAll(async () => {
    await fs.rm(workDir, { recursive: true, force: true });
  });

  it('creates a case under the demo cases folder', async () => {
    const reply = await handlers['demo:start']({});
    expect(path.dirname(reply.caseDir)).toBe(path.join(workDir, 'config', 'demo-cases'));
    const summary = await handlers['case:open']({ dir: reply.caseDir, create: false });
    expect(summary.name).toBe('Demo case');
  });

  it('saves the demo rule pack as the active rules', async () => {
    const reply = await handlers['demo:start']({});
    const rules = await handlers['rules:get']({ dir: reply.caseDir });
    expect(rules.rulesText).toBe(demoPackText());
  });

  it('returns settings that log in over pinned TLS', async () => {
    const reply = await handlers['demo:start']({ dir: path.join(workDir, 'picked') });
    const result = await testConnection(
      { host: reply.host, port: reply.port, security: reply.security, user: reply.user, trustFingerprint: reply.fingerprint },
      reply.password,
    );
    expect(result.tlsFingerprint).toBe(reply.fingerprint);
  });

  it('reuses the running server', async () => {
    const first = await handlers['demo:start']({});
    const second = await handlers['demo:start']({});
    expect(second.port).toBe(first.port);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.caseDir).not.toBe(first.caseDir);
  });

  it('rejects a folder with a case', async () => {
    const dir = path.join(workDir, 'existing');
    await handlers['case:open']({ dir, create: true });
    await expect(handlers['demo:start']({ dir })).rejects.toMatchObject({ code: 'CASE_INVALID' });
  });

  it('rejects a relative folder', async () => {
    await expect(handlers['demo:start']({ dir: 'relative/case' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
