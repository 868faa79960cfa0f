// Preload for the sandboxed renderer: exposes window.mailcase with one function per channel of the typed
// contract and nothing else. The renderer never gets ipcRenderer or a way to name any other channel.
import { contextBridge, ipcRenderer } from 'electron';

import { CHANNEL_NAMES } from '../shared/channel-names.js';
import type { MailcaseBridge } from '../shared/contract.js';

const bridge = Object.freeze(
  Object.fromEntries(CHANNEL_NAMES.map((channel) => [channel, (input: unknown) => ipcRenderer.invoke(channel, input)])),
) as unknown as MailcaseBridge;

contextBridge.exposeInMainWorld('mailcase', bridge);
