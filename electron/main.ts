// Electron entry point: one instance, one window served from app://mailcase/, and every contract channel
// served over IPC through one wrapper that checks the calling frame before dispatching.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { app, BrowserWindow, ipcMain, protocol, safeStorage, session } from 'electron';

import { CHANNEL_NAMES } from '../shared/contract.js';
import { createHandlers } from './api/handlers.js';
import { CONTENT_SECURITY_POLICY } from './api/security-headers.js';
import { createLogger, logToFile } from './logging/logger.js';
import { createAppFileHandler } from './shell/app-protocol.js';
import { CredentialStore } from './shell/credential-store.js';
import { createIpcListener } from './shell/ipc-guard.js';
import { APP_SCHEME } from './shell/window-options.js';
import { createMainWindow } from './window.js';

const log = createLogger('main');

// main.ts compiles to dist/electron/main.js, and the preload and the renderer build are beside it in dist/.
const PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

// The app scheme behaves like https for the page: a secure context with its own origin.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);

/** Registers one ipcMain handler per contract channel, all going through the frame check and dispatch(). */
function registerChannels(): void {
  const credentials = CredentialStore.inFolder(app.getPath('userData'), safeStorage);
  const handlers = createHandlers({
    credentials,
    mode: 'desktop',
    lockOpenCases: true,
    // The signing key's passphrase is random, made once and kept by the OS keychain, so the investigator never
    // types it in the app. NOTE: without a keychain the key is stored unencrypted (mode 0600), as before.
    keyPassphrase: async () => (await credentials.loadOrCreateSecret('signing-key-passphrase', () => randomBytes(32).toString('base64url'))) ?? undefined,
  });
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, createIpcListener(handlers, channel));
  }
}

/** Denies every permission request, adds the CSP to every response and blocks navigation in all web contents. */
function hardenSessions(): void {
  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  defaultSession.setPermissionCheckHandler(() => false);
  // app:// responses carry the headers already; this covers anything else the session loads.
  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }

  let mainWindow: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    // Log lines go to the user's log folder (for example ~/.config/Mailcase/logs on Linux), never to the case.
    logToFile(path.join(app.getPath('logs'), 'mailcase.log'));
    protocol.handle(APP_SCHEME, createAppFileHandler(RENDERER_DIR));
    hardenSessions();
    registerChannels();
    mainWindow = createMainWindow(PRELOAD_PATH);
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    log.info('Main window opened');
  });
}

main();
