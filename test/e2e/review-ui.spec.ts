// The renderer in review mode against a stub handler table: it loads under the strict CSP, logs in with
// the token, calls the API and shows errors with their investigator message and field list.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import type { HandlerTable } from '../../electron/api/handler-table.js';
import { stubHandlers } from '../helpers/stub-handlers.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';
import { MailcaseError } from '../../shared/errors.js';

const STATIC_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

const CERT_FINGERPRINT = Array.from({ length: 32 }, (_, index) => (index * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
const SIGNER = 'ab'.repeat(32);

function reviewHandlers(): HandlerTable {
  return stubHandlers({
    'rules:packs': async () => ({ packs: [] }),
    'case:open': async (input) => {
      if (input.dir.includes('missing')) {
        throw new MailcaseError('CASE_NOT_FOUND', 'No case', { userMessage: `No Mailcase case in ${input.dir}.` });
      }
      return { dir: input.dir, name: input.name ?? path.basename(input.dir), caseId: 'case-1', messageCount: 1, parseErrorCount: 0 };
    },
    'mailbox:test': async (input) => {
      if (input.mailbox.trustFingerprint === CERT_FINGERPRINT) {
        return { ok: true, greeting: '+OK ready', messageCount: 2, mailboxOctets: 2048, capabilities: ['UIDL'], tlsFingerprint: CERT_FINGERPRINT };
      }
      throw new MailcaseError('TLS_CERT_UNTRUSTED', 'Certificate not trusted', {
        userMessage: 'The server certificate is not trusted.',
        details: { fingerprint: CERT_FINGERPRINT, subject: 'CN=pop.test', issuer: 'CN=pop.test' },
      });
    },
    'messages:list': async () => [],
    'search:run': async () => {
      throw new MailcaseError('QUERY_SYNTAX', 'Invalid search query at character 1', {
        userMessage: 'The search query has an error at character 1: missing closing quote. Write words, field:word (fields: subject, body).',
        details: { position: 0, start: 0, end: 1 },
      });
    },
    'rules:run': async () => {
      throw new MailcaseError('RULES_INVALID', 'Rule file invalid', {
        userMessage: 'The rule file has 2 problems. Fix them and run the rules again:\n- rules.0.domains: Required\n- version: Expected 1',
        details: { issues: [{ path: 'rules.0.domains', message: 'Required' }, { path: 'version', message: 'Expected 1' }] },
      });
    },
    'rules:get': async () => ({ rulesText: null, latest: null }),
    'bundle:verify': async (input) => {
      const problemCount = input.file.includes('many') ? 250 : 1;
      return {
        valid: false,
        messageCount: 1,
        signerFingerprint: SIGNER,
        problems: Array.from({ length: problemCount }, (_, index) => ({ file: `bag/data/messages/m${index}.eml`, reason: 'SHA-256 mismatch' })),
        signerTrusted: input.trustedFingerprint === undefined ? null : input.trustedFingerprint.toLowerCase() === SIGNER,
        signerIsOwnKey: null,
      };
    },
  });
}

test.describe('review UI', () => {
  let server: ReviewServer | null = null;

  test.beforeAll(async () => {
    test.skip(!existsSync(path.join(STATIC_DIR, 'index.html')), 'dist/renderer is missing: run `npx vite build` first');
    setLogSink(() => undefined);
    server = await startReviewServer({ staticDir: STATIC_DIR, handlers: reviewHandlers() });
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
    await expect(page.getByTestId('sidebar-case')).toHaveText('stub-case: 1 message');
    await expect(page.getByTestId('nav-search')).toBeEnabled();
  });

  test('clears the open case when opening fails', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-open').click();
    await expect(page.getByTestId('case-summary')).toHaveCount(1);

    await page.getByLabel('Case folder', { exact: true }).fill('/cases/missing');
    await page.getByTestId('case-open').click();

    await expect(page.getByTestId('case-error-message')).toHaveText('No Mailcase case in /cases/missing.');
    await expect(page.getByTestId('case-summary')).toHaveCount(0);
    await expect(page.getByTestId('sidebar-case')).toHaveText('No case open');
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

    await expect(page.getByLabel('Trusted certificate fingerprint (SHA-256)', { exact: true })).toHaveValue(CERT_FINGERPRINT);
    await expect(page.getByTestId('mailbox-cert-accepted')).toHaveText(`This certificate will be trusted for this mailbox: ${CERT_FINGERPRINT}`);
    await expect(page.getByTestId('mailbox-cert-untrusted')).toHaveCount(0);
    await expect(page.getByTestId('mailbox-test-count')).toHaveText('2 messages');
  });

  test('lists every rule file issue', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-open').click();
    await page.getByTestId('nav-rules').click();

    await page.getByLabel('Rule pack (JSON)', { exact: true }).fill('{"version": 2}');
    await page.getByTestId('rules-run').click();

    await expect(page.getByTestId('rules-error-message')).toHaveText('The rule file has 2 problems:');
    await expect(page.getByTestId('rules-error-issues').locator('li')).toHaveText(['rules.0.domains: Required', 'version: Expected 1']);
    await expect(page.getByTestId('rules-error').locator('.notice-code')).toHaveText('Reference: RULES_INVALID');
  });

  test('shows a query error once', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill('/cases/stub-case');
    await page.getByTestId('case-open').click();
    await page.getByTestId('nav-search').click();

    await page.getByLabel('Search query', { exact: true }).fill('"open');
    await page.getByTestId('search-run').click();

    await expect(page.getByTestId('search-error-message')).toHaveText(
      'The search query has an error at character 1: missing closing quote. Write words, field:word (fields: subject, body).',
    );
    await expect(page.locator('#search-hint')).toBeHidden();
    await expect(page.getByTestId('search-error-position').locator('mark')).toHaveText('"');
  });

  test('shows bundle problems by file', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByTestId('nav-verify').click();

    await page.getByTestId('verify-file').fill('/exports/bundle.zip');
    await page.getByTestId('verify-run').click();

    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'false');
    await expect(page.getByTestId('verify-problem')).toHaveText('bag/data/messages/m0.eml: SHA-256 mismatch');
    await expect(page.getByTestId('verify-problem-count')).toHaveText('1 problem:');
    await expect(page.getByTestId('verify-signer-status')).toHaveAttribute('data-signer', 'unchecked');
  });

  test('caps a long problem list', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByTestId('nav-verify').click();

    await page.getByTestId('verify-file').fill('/exports/many.zip');
    await page.getByTestId('verify-run').click();

    await expect(page.getByTestId('verify-problem')).toHaveCount(200);
    await expect(page.getByTestId('verify-problems-more')).toHaveText('and 50 more problems');
  });

  test('compares the signer with a trusted key', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    await page.goto(server.url);
    await page.getByTestId('nav-verify').click();
    await page.getByTestId('verify-file').fill('/exports/bundle.zip');

    await page.getByLabel('Trusted key fingerprint (optional)', { exact: true }).fill(SIGNER.toUpperCase());
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-signer-status')).toHaveText('Signed by the trusted key.');

    await page.getByLabel('Trusted key fingerprint (optional)', { exact: true }).fill('cd'.repeat(32));
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-signer-status')).toHaveText('Signed by a key that is NOT the trusted key.');
  });
});
