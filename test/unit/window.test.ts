// Checks the window factory's security settings and navigation rules with Electron's BrowserWindow replaced
// by a recorder, since the Electron binary is not needed to read the options the factory passes.
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Listener = (...args: unknown[]) => unknown;

const created: { options: Record<string, unknown>; listeners: Map<string, Listener>; openHandler: Listener | null; loadedUrl: string | null }[] = [];

vi.mock('electron', () => {
  class BrowserWindow {
    readonly record = { options: {} as Record<string, unknown>, listeners: new Map<string, Listener>(), openHandler: null as Listener | null, loadedUrl: null as string | null };
    readonly webContents = {
      on: (name: string, listener: Listener) => this.record.listeners.set(name, listener),
      setWindowOpenHandler: (handler: Listener) => {
        this.record.openHandler = handler;
      },
    };

    constructor(options: Record<string, unknown>) {
      this.record.options = options;
      created.push(this.record);
    }

    once(): void {}

    async loadURL(url: string): Promise<void> {
      this.record.loadedUrl = url;
    }
  }
  return { BrowserWindow };
});

const { createMainWindow } = await import('../../electron/window.js');

describe('createMainWindow', () => {
  beforeEach(() => {
    created.length = 0;
    createMainWindow('/app/dist/electron/preload.cjs');
  });

  it('isolates and sandboxes the page without Node', () => {
    expect(created[0]?.options['webPreferences']).toEqual({
      preload: '/app/dist/electron/preload.cjs',
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
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('loads the app from the app protocol', () => {
    expect(created[0]?.loadedUrl).toBe('app://mailcase/index.html');
  });

  it('denies new windows', () => {
    expect(created[0]?.openHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
  });

  it('blocks navigation to a remote page', () => {
    const event = { preventDefault: vi.fn() };

    created[0]?.listeners.get('will-navigate')?.(event, 'https://example.org/');

    expect(event.preventDefault).toHaveBeenCalledTimes(1);
  });

  it('allows navigation inside the app', () => {
    const event = { preventDefault: vi.fn() };

    created[0]?.listeners.get('will-navigate')?.(event, 'app://mailcase/index.html#search');

    expect(event.preventDefault).not.toHaveBeenCalled();
  });

  it('blocks every redirect', () => {
    const event = { preventDefault: vi.fn() };

    created[0]?.listeners.get('will-redirect')?.(event, 'app://mailcase/index.html');

    expect(event.preventDefault).toHaveBeenCalledTimes(1);
  });
});
