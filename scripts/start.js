// Launches the Electron app; where the Electron binary cannot be obtained, serves the browser review mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** How long the one-time download of the Electron binary may take before falling back, in milliseconds. */
const ELECTRON_DOWNLOAD_TIMEOUT_MS = 120_000;

function resolveElectronBinary() {
  try {
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function downloadElectronBinary() {
  const installer = path.join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return;
  // The registry package ships without its binary because install scripts are not approved by default.
  // Electron's own installer fetches it once, and fails fast on machines without internet.
  spawnSync(process.execPath, [installer], { cwd: path.dirname(installer), stdio: 'ignore', timeout: ELECTRON_DOWNLOAD_TIMEOUT_MS });
}

let electronBinary = resolveElectronBinary();
if (!electronBinary) {
  downloadElectronBinary();
  electronBinary = resolveElectronBinary();
}

let child;
if (electronBinary) {
  child = spawn(electronBinary, [root], { stdio: 'inherit' });
} else {
  process.stdout.write('Electron binary not available (download failed); serving the browser review mode instead.\n');
  child = spawn(process.execPath, [path.join(root, 'bin', 'mailcase.js'), 'web'], { stdio: 'inherit' });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
