// The investigator's whole workflow in a real browser: create a case, test and acquire a Dovecot
// mailbox, search, run and save rules, export a signed bundle and verify it, then catch a tampered copy.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test, type Page } from '@playwright/test';

import { createHandlers } from '../../electron/api/handlers.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';
import { canRunDovecot, startDovecot, type DovecotServer } from '../helpers/dovecot.js';
import { copyBundleWithFlippedByte } from './bundle-tamper.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_DIR = path.join(REPO_ROOT, 'dist/renderer');
const FIXTURE_DIR = path.join(REPO_ROOT, 'test/fixtures/e2e');

const RULES = JSON.stringify(
  {
    version: 1,
    rules: [
      { id: 'competitors', name: 'Mail with competitors', type: 'domain-list', domains: ['rival.example'] },
      { id: 'codewords', name: 'Internal codewords', type: 'keyword-list', keywords: ['Falcon pricing'] },
      { id: 'unused', name: 'Codeword nobody used', type: 'keyword-list', keywords: ['bluebird'] },
    ],
  },
  null,
  2,
);

test.describe('review flow', () => {
  let dovecot: DovecotServer | null = null;
  let server: ReviewServer | null = null;
  let workDir = '';
  let messageCount = 0;

  test.beforeAll(async () => {
    test.skip(!(await canRunDovecot()), 'Dovecot needs root and /usr/sbin/dovecot');
    test.skip(!existsSync(path.join(STATIC_DIR, 'index.html')), 'dist/renderer is missing: run `npx vite build` first');

    setLogSink(() => undefined);
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-e2e-'));
    const names = (await fs.readdir(FIXTURE_DIR)).filter((name) => name.endsWith('.eml')).sort();
    const messages = await Promise.all(names.map((name) => fs.readFile(path.join(FIXTURE_DIR, name))));
    messageCount = messages.length;

    dovecot = await startDovecot({ messages });
    server = await startReviewServer({ staticDir: STATIC_DIR, handlers: createHandlers({ configDir: path.join(workDir, 'config') }) });
  });

  test.afterAll(async () => {
    await server?.close();
    await dovecot?.stop();
    if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  });

  test('acquires, searches, runs rules, exports and verifies', async ({ page }) => {
    if (!server || !dovecot) throw new Error('beforeAll did not start the servers');
    const caseDir = path.join(workDir, 'case');
    const bundleFile = path.join(workDir, 'bundle.zip');
    const searchBundleFile = path.join(workDir, 'search-bundle.zip');
    const tamperedFile = path.join(workDir, 'tampered.zip');

    await page.goto(server.url);
    await expect(page).toHaveURL(`http://127.0.0.1:${server.port}/`);

    // Case
    await page.getByLabel('Case folder', { exact: true }).fill(caseDir);
    await page.getByTestId('case-create').click();
    await expect(page.getByTestId('case-message-count')).toHaveText('0 messages');

    // Mailbox: plain POP3 on the loopback Dovecot.
    await page.getByTestId('nav-mailbox').click();
    await page.getByLabel('POP3 server', { exact: true }).fill(dovecot.host);
    await page.getByLabel('Security', { exact: true }).selectOption('none');
    await page.getByLabel('Port', { exact: true }).fill(String(dovecot.plainPort));
    await page.getByLabel('User', { exact: true }).fill(dovecot.user);
    await page.getByLabel('Password', { exact: true }).fill(dovecot.password);
    await page.getByTestId('mailbox-test').click();
    await expect(page.getByTestId('mailbox-test-count')).toHaveText(`${messageCount} messages`);

    // Acquisition
    await page.getByTestId('acquire-start').click();
    await expect(page.getByTestId('acquire-new-count')).toHaveAttribute('data-count', String(messageCount), { timeout: 120_000 });
    await expect(page.getByTestId('acquire-server-count')).toHaveText(`${messageCount} messages`);
    await expect(page.getByTestId('acquire-outcome')).toHaveText('Acquisition finished.');
    await expect(page.getByTestId('sidebar-case')).toContainText(`${messageCount} messages`);

    // Messages
    await page.getByTestId('nav-messages').click();
    await expect(page.getByTestId('message-row')).toHaveCount(messageCount);
    await expect(page.getByTestId('message-row').first()).toContainText('Club meeting');
    await page.getByTestId('message-row').filter({ hasText: 'Meeting notes' }).getByRole('button').click();
    await expect(page.getByTestId('message-detail-attachments')).toContainText('notes.txt');

    // Review: a tag, the flag and a note, each kept in the custody log and shown in the list.
    await page.getByTestId('review-tag-input').fill('competitor');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await expect(page.getByTestId('review-tags')).toHaveText(['competitor×']);
    // The box follows the saved state, so it turns checked once the custody entry is written.
    await page.getByTestId('review-flag').click();
    await expect(page.getByTestId('review-flag')).toBeChecked();
    await page.getByTestId('review-note-input').fill('Sent the meeting notes out.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await expect(page.getByTestId('review-notes').locator('li')).toContainText(['Sent the meeting notes out.']);
    await expect(page.getByTestId('message-row').filter({ hasText: 'Meeting notes' }).getByTestId('message-tag')).toHaveText('competitor');

    // Search
    await page.getByTestId('nav-search').click();
    await page.getByLabel('Search query', { exact: true }).fill('Falcon pricing');
    await page.getByTestId('search-run').click();
    await expect(page.getByTestId('search-count')).toHaveAttribute('data-total', '3');
    await expect(page.getByTestId('search-hit')).toHaveCount(3);
    await expect(page.getByTestId('search-count')).toContainText('3 messages match');
    // The words are marked where the body matched; a hit on the subject alone shows the body start unmarked.
    const bodyHit = page.getByTestId('search-hit').filter({ hasText: 'Q3 numbers' });
    await expect(bodyHit.getByTestId('search-snippet').locator('mark')).toHaveText(['Falcon', 'pricing']);

    // Rules
    await page.getByTestId('nav-rules').click();
    await page.getByLabel('Rule pack (JSON)', { exact: true }).fill(RULES);
    await page.getByTestId('rules-run').click();
    await expectRuleHits(page, 'competitors', '2 hits');
    await expectRuleHits(page, 'codewords', '3 hits');
    await expectRuleHits(page, 'unused', '0 hits');
    await expect(page.getByTestId('rules-saved-state')).toHaveText('No rule file is saved with this case yet.');
    await page.getByTestId('rules-save').click();
    await expect(page.getByTestId('rules-saved-state')).toHaveText("This is the case's saved rule file.");

    // A fresh page that opens the case again gets the saved rule file and the last run back.
    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill(caseDir);
    await page.getByTestId('case-open').click();
    await expect(page.getByTestId('case-message-count')).toHaveText(`${messageCount} messages`);
    await page.getByTestId('nav-rules').click();
    await expect(page.getByLabel('Rule pack (JSON)', { exact: true })).toHaveValue(RULES);
    await expectRuleHits(page, 'codewords', '3 hits');
    await page.getByTestId('nav-search').click();
    await page.getByLabel('Search query', { exact: true }).fill('Falcon pricing');
    await page.getByTestId('search-run').click();
    await expect(page.getByTestId('search-count')).toHaveAttribute('data-total', '3');

    // Export everything, then only the search results.
    await page.getByTestId('nav-export').click();
    await page.getByLabel('Output bundle file', { exact: true }).fill(bundleFile);
    await page.getByTestId('export-run').click();
    await expect(page.getByTestId('export-result-count')).toHaveText(`${messageCount} messages`);
    expect(existsSync(bundleFile)).toBe(true);

    await page.getByLabel('Output bundle file', { exact: true }).fill(searchBundleFile);
    await page.getByTestId('export-scope-search').check();
    await page.getByTestId('export-run').click();
    await expect(page.getByTestId('export-result-count')).toHaveText('3 messages');
    const signerFingerprint = (await page.getByTestId('export-result-fingerprint').textContent()) ?? '';

    // Verify the original bundle.
    await page.getByTestId('nav-verify').click();
    await page.getByTestId('verify-file').fill(bundleFile);
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'true');
    await expect(page.getByTestId('verify-message-count')).toHaveText(`${messageCount} messages`);
    await expect(page.getByTestId('verify-signer-status')).toHaveAttribute('data-signer', 'own');

    // The same bundle checked against the signer's fingerprint, typed with colons, then against another key.
    const colonFingerprint = signerFingerprint.toUpperCase().match(/../g)?.join(':') ?? '';
    await page.getByLabel('Trusted key fingerprint (optional)', { exact: true }).fill(colonFingerprint);
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-signer-status')).toHaveText('Signed by the trusted key. It is also your key.');
    await page.getByLabel('Trusted key fingerprint (optional)', { exact: true }).fill('0'.repeat(64));
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-signer-status')).toHaveAttribute('data-signer', 'untrusted');
    await page.getByLabel('Trusted key fingerprint (optional)', { exact: true }).fill('');

    // Verify a copy with one flipped byte in one message.
    const tamperedMember = await copyBundleWithFlippedByte(bundleFile, tamperedFile, 'bag/data/messages/');
    expect(tamperedMember).toMatch(/^bag\/data\/messages\/[0-9a-f]{64}\.eml$/);
    await page.getByTestId('verify-file').fill(tamperedFile);
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'false');
    await expect(page.getByTestId('verify-problem').first()).toHaveAttribute('data-file', tamperedMember);
    const problemFiles = await page.getByTestId('verify-problem').evaluateAll((items) => items.map((item) => item.getAttribute('data-file')));
    expect(new Set(problemFiles)).toEqual(new Set([tamperedMember]));

    // The password went through the UI, the API and a full acquisition, and no case file may contain it.
    const filesWithPassword = await findFilesContaining(caseDir, dovecot.password);
    expect(filesWithPassword).toEqual([]);
  });

  test('shows schema errors for an invalid rule file', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the server');
    const caseDir = path.join(workDir, 'case-rules');

    await page.goto(server.url);
    await page.getByLabel('Case folder', { exact: true }).fill(caseDir);
    await page.getByTestId('case-create').click();
    await expect(page.getByTestId('case-message-count')).toHaveText('0 messages');
    await page.getByTestId('nav-rules').click();
    await page.getByLabel('Rule pack (JSON)', { exact: true }).fill(JSON.stringify({ version: 1, rules: [{ id: 'x', name: 'X', type: 'domain-list' }] }));
    await page.getByTestId('rules-run').click();

    await expect(page.getByTestId('rules-error')).toHaveAttribute('data-error-code', 'RULES_INVALID');
    await expect(page.getByTestId('rules-error-message')).toHaveText('The rule file has 1 problem:');
    await expect(page.getByTestId('rules-error-issues').locator('li')).toHaveCount(1);
    await expect(page.getByTestId('rules-error')).toContainText('Reference: RULES_INVALID');

    // Editing the text removes the error about the old text.
    await page.getByLabel('Rule pack (JSON)', { exact: true }).fill('{}');
    await expect(page.getByTestId('rules-error')).toHaveCount(0);
  });
});

async function expectRuleHits(page: Page, ruleId: string, text: string): Promise<void> {
  await expect(page.locator(`[data-testid="rule-result"][data-rule-id="${ruleId}"] [data-testid="rule-hits"]`)).toHaveText(text);
}

/** Lists every file under `dir` whose bytes contain `text`. */
async function findFilesContaining(dir: string, text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await fs.readFile(file)).includes(text)) found.push(file);
  }
  return found;
}
