// The one factory for app windows, with Electron's security settings fixed in one place. The options stay
// a literal here so Electronegativity's static checks can read them.
import { BrowserWindow } from 'electron';

import { APP_INDEX_URL, isAppUrl } from './shell/window-options.js';

/**
 * Creates the main window and loads the renderer from the app:// protocol. The page runs isolated and
 * sandboxed without Node, may not navigate away or open windows, and reaches the Node side only through
 * the preload.
 */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Mailcase',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // Middle-click (auxclick) could open links in new windows.
      disableBlinkFeatures: 'Auxclick',
    },
  });

  window.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  window.webContents.on('will-redirect', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.once('ready-to-show', () => window.show());

  void window.loadURL(APP_INDEX_URL);
  return window;
}
