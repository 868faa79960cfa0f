// Electron entry point: one instance, one window, and every contract channel served over IPC through
// one wrapper that checks the calling frame before dispatching.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';

import { CHANNEL_NAMES } from '../shared/contract.js';
import { dispatch } from './api/dispatch.js';
import { createHandlers } from './api/handlers.js';
import { SECURITY_HEADERS } from './api/security-headers.js';
import { createLogger, logToFile } from './logging/logger.js';
import { createMainWindow } from './window.js';

const log = createLogger('main');

// main.ts compiles to dist/electron/main.js, and the preload and the renderer build are beside it in dist/.
const PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const INDEX_PATH = fileURLToPath(new URL('../renderer/index.html', import.meta.url));
const INDEX_URL = pathToFileURL(INDEX_PATH).href;

/** Tells whether an IPC call comes from the app's own page in a top-level frame. */
function isAppFrame(frame: WebFrameMain | null): boolean {
  if (!frame || frame.parent !== null) return false;
  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  url.hash = '';
  url.search = '';
  return url.href === INDEX_URL;
}

/** Registers one ipcMain handler per contract channel, all going through the frame check and dispatch(). */
function registerChannels(): void {
  const handlers = createHandlers();
  for (const channel of CHANNEL_NAMES) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, input: unknown) => {
      if (!isAppFrame(event.senderFrame)) {
        log.warn('IPC call from an unexpected frame rejected', { channel, frameUrl: event.senderFrame?.url.slice(0, 200) ?? null });
        return {
          ok: false,
          error: { code: 'UNAUTHORIZED', message: 'IPC caller is not the Mailcase page', userMessage: 'Request rejected because it did not come from the Mailcase window.', details: {} },
        };
      }
      return dispatch(handlers, channel, input);
    });
  }
}

/** Denies every permission request, sets the CSP header and blocks navigation in all web contents. */
function hardenSessions(): void {
  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  defaultSession.setPermissionCheckHandler(() => false);
  defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, ...Object.fromEntries(Object.entries(SECURITY_HEADERS).map(([name, value]) => [name, [value]])) } });
  });

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
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
    hardenSessions();
    registerChannels();
    mainWindow = createMainWindow({ preloadPath: PRELOAD_PATH, indexPath: INDEX_PATH });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  });
}

main();
