// The one factory for app windows, with Electron's security settings fixed in one place.
import { BrowserWindow } from 'electron';

export interface MainWindowPaths {
  /** Absolute path of the bundled preload script (dist/electron/preload.cjs). */
  preloadPath: string;
  /** Absolute path of the built renderer page (dist/renderer/index.html). */
  indexPath: string;
}

/**
 * Creates the main window and loads the renderer from disk. The page runs isolated and sandboxed
 * without Node, may not navigate away or open windows, and reaches the Node side only through the preload.
 */
export function createMainWindow(paths: MainWindowPaths): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 900,
    minHeight: 600,
    title: 'Mailcase',
    show: false,
    webPreferences: {
      preload: paths.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });

  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-redirect', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.once('ready-to-show', () => window.show());

  void window.loadFile(paths.indexPath);
  return window;
}
