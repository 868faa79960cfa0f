// "Try the demo case" in a real browser. The app starts its demo POP3 server, creates the demo case and fills in
// the mailbox form. Acquisition, search, the demo rule pack, export and verification are then checked against the
// generator's ground truth. With MAILCASE_UPDATE_SCREENSHOT=1 it also takes the README screenshot (docs/demo.png).
// Build first: `npx vite build`.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { test } from '@playwright/test';

import { createHandlers } from '../../electron/api/handlers.js';
import { createMailboxGenerator, type GroundTruth } from '../../electron/demo/generate-mailbox.js';
import { setLogSink } from '../../electron/logging/logger.js';
import { startReviewServer, type ReviewServer } from '../../electron/review-server/review-server.js';
import { runDemoFlow } from './demo-flow.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STATIC_DIR = path.join(REPO_ROOT, 'dist/renderer');
const SCREENSHOT = path.join(REPO_ROOT, 'docs/demo.png');

/** Messages at the first login: enough for every planted kind to occur, few enough to parse in seconds. */
const MESSAGES = 300;
const SEED = 1;

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

    // The README screenshot is taken again only when asked for, so a test run leaves the repository unchanged.
    const screenshot = process.env['MAILCASE_UPDATE_SCREENSHOT'] === '1' ? { screenshot: SCREENSHOT } : {};
    await runDemoFlow(page, { truth, bundleFile, messages: MESSAGES, ...screenshot });
  });
});
