// The bridge the Electron preload adds to window. It is absent in browser review mode.
import type { MailcaseBridge } from '../../shared/contract.js';

declare global {
  interface Window {
    mailcase?: MailcaseBridge;
  }
}

export {};
