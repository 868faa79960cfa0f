// "Try the demo case" in a real browser. The app starts its demo POP3 server, creates the demo case and fills in
// the mailbox form. Acquisition, search, the demo rule pack, export and verification are then checked against the
// generator's ground truth. The test also takes the README screenshot (docs/demo.png). Build first: `npx vite build`.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test, type Page } from '@playwright/test';

import { createHandlers } from '../../electron/api/handlers.js';
import { DEMO_ARRIVALS_PER_LOGIN } from '../../electron/demo/demo-server.js';
import { createMailboxGenerator, type GroundTruth } from '../../electron/demo/generate-mailbox.js';
import type { PlantedKind } from '../../electron/demo/generator-types.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_DIR = path.join(REPO_ROOT, 'dist/renderer');
const SCREENSHOT = path.join(REPO_ROOT, 'docs/demo.png');

/** Messages at the first login: enough for every planted kind to occur, few enough to parse in seconds. */
const MESSAGES = 300;
const SEED = 1;

/** Code word searched for; the expected count is the number of messages the ground truth plants it in. */
const SEARCH_PHRASE = 'Copper Lantern';

/** Planted kinds whose messages each rule of the demo pack must report, exactly. */
const RULE_KINDS: Record<string, PlantedKind[]> = {
  'attachment-type-mismatch': ['type-mismatch'],
  'encrypted-archive': ['encrypted-zip'],
  'encrypted-document': ['encrypted-pdf'],
  'encrypted-message': [],
  'image-attachment': ['image'],
  'executable-attachment': ['executable'],
  'payment-card': ['payment-card'],
  iban: ['iban'],
  'us-ssn': ['ssn'],
  'competitor-domains': ['competitor-domain'],
  'competitor-lookalikes': ['lookalike-domain'],
  'competitor-display-names': ['competitor-display-name'],
  'personal-webmail': ['webmail'],
  'forward-to-own-name': ['forward-to-own-name'],
  codewords: ['codeword'],
};

/** Returns how many distinct messages carry a planted item that matches. */
function countMessages(truth: GroundTruth, matches: (kind: PlantedKind, value: string) => boolean): number {
  return new Set(truth.planted.filter((item) => matches(item.kind, item.value)).map((item) => item.messageIndex)).size;
}

function hitsText(count: number): string {
  return count === 1 ? '1 hit' : `${count} hits`;
}

async function expectRuleHits(page: Page, ruleId: string, text: string): Promise<void> {
  await expect(page.locator(`[data-testid="rule-result"][data-rule-id="${ruleId}"] [data-testid="rule-hits"]`)).toHaveText(text);
}

test.describe('demo case', () => {
  let server: ReviewServer | null = null;
  let workDir = '';
  let truth: GroundTruth;

  test.beforeAll(async () => {
    test.skip(!existsSync(path.join(STATIC_DIR, 'index.html')), 'dist/renderer is missing: run `npx vite build` first');

    setLogSink(() => undefined);
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-e2e-demo-'));
    truth = await createMailboxGenerator({ seed: SEED, count: MESSAGES, attachments: true }).groundTruth();
    const handlers = createHandlers({ configDir: path.join(workDir, 'config'), demo: { messages: MESSAGES, seed: SEED } });
    server = await startReviewServer({ staticDir: STATIC_DIR, handlers });
  });

  test.afterAll(async () => {
    await server?.close();
    if (workDir) await fs.rm(workDir, { recursive: true, force: true });
  });

  test('acquires, searches, runs the demo pack, exports and verifies', async ({ page }) => {
    if (!server) throw new Error('beforeAll did not start the review server');
    // Generous limits for a slow or busy machine: parsing the generated attachments is the slow step.
    test.setTimeout(600_000);
    const bundleFile = path.join(workDir, 'demo-bundle.zip');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(server.url);

    // "Try the demo case" opens the new case on the mailbox section with the form filled in.
    await page.getByTestId('demo-start-button').click();
    await expect(page.getByTestId('demo-mailbox-notice')).toBeVisible();
    await expect(page.getByTestId('section-mailbox')).toBeVisible();
    await expect(page.getByTestId('sidebar-case')).toHaveText('Demo case: 0 messages');
    const fingerprint = (await page.getByTestId('demo-fingerprint').textContent()) ?? '';
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await expect(page.getByLabel('POP3 server', { exact: true })).toHaveValue('127.0.0.1');
    await expect(page.getByLabel('Security', { exact: true })).toHaveValue('tls');
    await expect(page.getByLabel('User', { exact: true })).toHaveValue('suspect');
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue((await page.getByTestId('demo-password').textContent()) ?? '');
    await expect(page.getByLabel('Trusted certificate fingerprint (SHA-256)', { exact: true })).toHaveValue(fingerprint);

    // First acquisition: the whole generated mailbox, over TLS pinned to the demo certificate.
    await page.getByTestId('acquire-start').click();
    await expect(page.getByTestId('acquire-new-count')).toHaveAttribute('data-count', String(MESSAGES), { timeout: 150_000 });
    await expect(page.getByTestId('acquire-outcome')).toHaveText('Acquisition finished.');
    await expect(page.getByTestId('sidebar-case')).toHaveText(`Demo case: ${MESSAGES} messages`);
    await page.screenshot({ path: SCREENSHOT });

    // Search a planted code word.
    const searchCount = countMessages(truth, (kind, value) => kind === 'codeword' && value === SEARCH_PHRASE);
    expect(searchCount).toBeGreaterThan(0);
    await page.getByTestId('nav-search').click();
    await page.getByLabel('Search query', { exact: true }).fill(`"${SEARCH_PHRASE}"`);
    await page.getByTestId('search-run').click();
    await expect(page.getByTestId('search-count')).toHaveAttribute('data-total', String(searchCount), { timeout: 120_000 });

    // The demo pack is the case's saved rule file; each rule reports exactly the messages planted for it.
    await page.getByTestId('nav-rules').click();
    await expect(page.getByTestId('rules-saved-state')).toHaveText("This is the case's saved rule file.");
    await page.getByTestId('rules-run').click();
    await expect(page.getByTestId('rules-result')).toBeVisible({ timeout: 120_000 });
    for (const [ruleId, kinds] of Object.entries(RULE_KINDS)) {
      await expectRuleHits(page, ruleId, hitsText(countMessages(truth, (kind) => kinds.includes(kind))));
    }

    // Export every message and verify the signed bundle.
    await page.getByTestId('nav-export').click();
    await page.getByLabel('Output bundle file', { exact: true }).fill(bundleFile);
    await page.getByTestId('export-run').click();
    await expect(page.getByTestId('export-result-count')).toHaveText(`${MESSAGES} messages`, { timeout: 120_000 });
    await page.getByTestId('nav-verify').click();
    await page.getByTestId('verify-file').fill(bundleFile);
    await page.getByTestId('verify-run').click();
    await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'true', { timeout: 120_000 });
    await expect(page.getByTestId('verify-message-count')).toHaveText(`${MESSAGES} messages`);

    // A second acquisition fetches only the messages that arrived since the first login.
    await page.getByTestId('nav-mailbox').click();
    await page.getByTestId('acquire-start').click();
    await expect(page.getByTestId('acquire-new-count')).toHaveAttribute('data-count', String(DEMO_ARRIVALS_PER_LOGIN), { timeout: 60_000 });
    await expect(page.getByTestId('acquire-held-count')).toHaveAttribute('data-count', String(MESSAGES));
  });
});
