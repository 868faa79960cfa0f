// Launches the Electron app when its binary is installed and drives the demo flow in its window. The npm
// package downloads the binary in a postinstall step, which offline machines skip, so there these tests are
// skipped. demo.spec.ts runs the same flow in the browser review mode.
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { _electron as electron, expect, test } from '@playwright/test';

import { DEMO_DEFAULT_MESSAGES, DEMO_DEFAULT_SEED } from '../../electron/demo/demo-launcher.js';
import { CHANNEL_NAMES } from '../../shared/channel-names.js';
import { createMailboxGenerator } from '../../electron/demo/generate-mailbox.js';
import { runDemoFlow } from './demo-flow.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN_SCRIPT = path.join(REPO_ROOT, 'dist/electron/main.js');

/** Returns the Electron executable path, or null when the binary was never downloaded. */
function findElectronBinary(): string | null {
  try {
    // The electron package exports the binary's path and throws when the download did not happen.
    const binary: unknown = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const electronBinary = findElectronBinary();

test.describe('electron app', () => {
  test.skip(electronBinary === null, 'Electron binary not available (offline machine)');

  test('opens the main window with the bridge only', async () => {
    test.skip(!existsSync(MAIN_SCRIPT), 'dist/electron/main.js is missing: run `npm run build` first');
    const app = await electron.launch({ executablePath: electronBinary ?? undefined, args: [MAIN_SCRIPT] });
    try {
      const page = await app.firstWindow();

      await expect(page.getByRole('heading', { name: 'Mailcase' })).toBeVisible();
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof window.mailcase?.['case:open'])).toBe('function');
    } finally {
      await app.close();
    }
  });

  test('exposes exactly the contract channels', async () => {
    test.skip(!existsSync(MAIN_SCRIPT), 'dist/electron/main.js is missing: run `npm run build` first');
    const app = await electron.launch({ executablePath: electronBinary ?? undefined, args: [MAIN_SCRIPT] });
    try {
      const page = await app.firstWindow();

      const names = await page.evaluate(() => Object.keys(window.mailcase ?? {}).sort());

      expect(names).toEqual([...CHANNEL_NAMES].sort());
    } finally {
      await app.close();
    }
  });

  test('runs the demo flow in the window', async () => {
    test.skip(!existsSync(MAIN_SCRIPT), 'dist/electron/main.js is missing: run `npm run build` first');
    // The app's demo mailbox has 2,000 generated messages with attachments; parsing them is the slow step.
    test.setTimeout(900_000);
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcase-electron-'));
    const truth = await createMailboxGenerator({ seed: DEMO_DEFAULT_SEED, count: DEMO_DEFAULT_MESSAGES, attachments: true }).groundTruth();
    const app = await electron.launch({
      executablePath: electronBinary ?? undefined,
      args: [MAIN_SCRIPT, `--user-data-dir=${path.join(workDir, 'user-data')}`],
      env: { ...process.env, MAILCASE_CONFIG_DIR: path.join(workDir, 'config') } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      await runDemoFlow(page, { truth, messages: DEMO_DEFAULT_MESSAGES, bundleFile: path.join(workDir, 'demo-bundle.zip') });
    } finally {
      await app.close();
      await fs.rm(workDir, { recursive: true, force: true });
    }
  });
});
