// The demo flow shared by the browser review mode test and the Electron window test: "Try the demo case",
// acquisition, search, the demo rule pack, export, verification and a second acquisition, each checked against
// the generator's ground truth.
import { expect, type Page } from '@playwright/test';

import { DEMO_ARRIVALS_PER_LOGIN } from '../../electron/demo/demo-server.js';
import type { GroundTruth } from '../../electron/demo/generate-mailbox.js';
import type { PlantedKind } from '../../electron/demo/generator-types.js';

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

export interface DemoFlowOptions {
  /** Ground truth of the generated mailbox the app's demo server serves. */
  truth: GroundTruth;
  /** Messages the demo server offers at the first login. */
  messages: number;
  /** Bundle file to export to; must not exist yet. */
  bundleFile: string;
  /** Where to save a screenshot after the first acquisition, if anywhere. */
  screenshot?: string;
}

/** Runs the demo flow on a page that shows the app's first screen. */
export async function runDemoFlow(page: Page, options: DemoFlowOptions): Promise<void> {
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
  await expect(page.getByTestId('acquire-new-count')).toHaveAttribute('data-count', String(options.messages), { timeout: 150_000 });
  await expect(page.getByTestId('acquire-outcome')).toHaveText('Acquisition finished.');
  await expect(page.getByTestId('sidebar-case')).toHaveText(`Demo case: ${options.messages} messages`);
  if (options.screenshot) await page.screenshot({ path: options.screenshot });

  // Search a planted code word.
  const searchCount = countMessages(options.truth, (kind, value) => kind === 'codeword' && value === SEARCH_PHRASE);
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
    await expectRuleHits(page, ruleId, hitsText(countMessages(options.truth, (kind) => kinds.includes(kind))));
  }

  // Export every message and verify the signed bundle.
  await page.getByTestId('nav-export').click();
  await page.getByLabel('Output bundle file', { exact: true }).fill(options.bundleFile);
  await page.getByTestId('export-run').click();
  await expect(page.getByTestId('export-result-count')).toHaveText(`${options.messages} messages`, { timeout: 120_000 });
  await page.getByTestId('nav-verify').click();
  await page.getByTestId('verify-file').fill(options.bundleFile);
  await page.getByTestId('verify-run').click();
  await expect(page.getByTestId('verify-result')).toHaveAttribute('data-valid', 'true', { timeout: 120_000 });
  await expect(page.getByTestId('verify-message-count')).toHaveText(`${options.messages} messages`);

  // A second acquisition fetches only the messages that arrived since the first login.
  await page.getByTestId('nav-mailbox').click();
  await page.getByTestId('acquire-start').click();
  await expect(page.getByTestId('acquire-new-count')).toHaveAttribute('data-count', String(DEMO_ARRIVALS_PER_LOGIN), { timeout: 60_000 });
  await expect(page.getByTestId('acquire-held-count')).toHaveAttribute('data-count', String(options.messages));
}
