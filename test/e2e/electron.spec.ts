// Launches the packaged Electron app when its binary is installed. The npm package downloads the binary
// in a postinstall step, which offline machines skip, so there this test is skipped.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { _electron as electron, expect, test } from '@playwright/test';

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
      expect(await page.evaluate(() => typeof window.mailcase?.invoke)).toBe('function');
    } finally {
      await app.close();
    }
  });

  test('rejects a channel outside the contract', async () => {
    test.skip(!existsSync(MAIN_SCRIPT), 'dist/electron/main.js is missing: run `npm run build` first');
    const app = await electron.launch({ executablePath: electronBinary ?? undefined, args: [MAIN_SCRIPT] });
    try {
      const page = await app.firstWindow();

      const reply = await page.evaluate(() => (window.mailcase?.invoke as (channel: string, input: unknown) => Promise<unknown>)('shell:exec', {}));

      expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    } finally {
      await app.close();
    }
  });
});
