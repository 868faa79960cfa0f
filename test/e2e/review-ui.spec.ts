// The renderer in review mode against a stub handler table: it loads under the strict CSP, logs in with
// the token, calls the API and shows errors with their investigator message and field list.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import type { HandlerTable } from '../../electron/api/handler-table.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';
import { MailcaseError } from '../../shared/errors.js';

const STATIC_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

function stubHandlers(): HandlerTable {
  const unexpected = async (): Promise<never> => {
    throw new Error('handler should not run');
  };
  return {
    'case:open': async (input) => ({ dir: input.dir, name: input.name ?? path.basename(input.dir), caseId: 'case-1', messageCount: 0, parseErrorCount: 0 }),
    'mailbox:test': async () => {
      throw new MailcaseError('TLS_CERT_UNTRUSTED', 'Certificate not trusted', {
        userMessage: 'The server certificate is not trusted.',
        details: { fingerprint: 'AB:CD:EF', subject: 'CN=pop.test', issuer: 'CN=pop.test' },
      });
    },
    'acquisition:start': unexpected,
    'acquisition:cancel': unexpected,
    'job:get': unexpected,
    'messages:list': async () => [],
    'message:get': unexpected,
    'search:run': unexpected,
    'rules:run': async () => {
      throw new MailcaseError('RULES_INVALID', 'Rule file invalid', {
        userMessage: 'The rule file has 2 problems.',
        details: { issues: [{ path: 'rules.0.domains', message: 'Required' }, { path: 'version', message: 'Expected 1' }] },
      });
    },
    'bundle:export': unexpected,
    'bundle:verify': async () => ({
      valid: false,
      messageCount: 1,
      signerFingerprint: null,
      problems: [{ file: 'bag/data/messages/abc.eml', reason: 'SHA-256 mismatch' }],
      signerTrusted: null,
      signerIsOwnKey: null,
    }),
    'rules:get': async () => ({ rulesText: null, latest: null }),
    'rules:save': unexpected,
  };
}

test.describe('review UI', () => {
  let server: ReviewServer | null = null;

  test.beforeAll(async () => {
    test.skip(!existsSync(path.join(STATIC_DIR, 'index.html')), 'dist/renderer is missing: run `npx vite build` first');
    setLogSink(() => undefined);
    server = await startReviewServer({ staticDir: STATIC_DIR, handlers: stubHandlers() });
  });

  test.afterAll(async () => {
    await server?.close();
  });

  test('loads without CSP violations', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });

    await page.goto(server.url);

    await expect(page.getByRole('heading', { name: 'Case', exact: true })).toBeVisible();
    expect(consoleErrors).toEqual([]);
  });

  test('opens a case through the API', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);

    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-create').click();

    await expect(page.getByTestId('case-summary-name')).toHaveText('stub-case');
    await expect(page.getByTestId('nav-search')).toBeEnabled();
  });

  test('offers to trust an untrusted certificate', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-open').click();
    await page.getByTestId('nav-mailbox').click();
    await page.getByLabel('POP3 server', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('User', { exact: true }).fill('suspect');
    await page.getByLabel('Password', { exact: true }).fill('pw');

    await page.getByTestId('mailbox-test').click();
    await page.getByTestId('mailbox-cert-trust').click();

    await expect(page.getByLabel('Trusted certificate fingerprint (SHA-256)', { exact: true })).toHaveValue('AB:CD:EF');
  });

  test('lists every rule file issue', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-open').click();
    await page.getByTestId('nav-rules').click();

    await page.getByLabel('Rule file (JSON, version 1)', { exact: true }).fill('{"version": 2}');
    await page.getByTestId('rules-run').click();

    await expect(page.getByTestId('rules-error')).toContainText('The rule file has 2 problems.');
    await expect(page.getByTestId('rules-error-issues').locator('li')).toHaveText(['rules.0.domains: Required', 'version: Expected 1']);
  });

  test('shows bundle problems by file', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByTestId('nav-verify').click();

    await page.getByTestId('verify-file').fill('/exports/bundle.zip');
    await page.getByTestId('verify-run').click();

    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'false');
    await expect(page.getByTestId('verify-problem')).toHaveText('bag/data/messages/abc.eml: SHA-256 mismatch');
  });
});
