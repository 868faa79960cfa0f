// Preload for the sandboxed renderer: exposes window.mailcase.invoke and nothing else. The renderer
// never gets ipcRenderer, and only channel names from the contract are forwarded.
import { contextBridge, ipcRenderer } from 'electron';

import { CHANNEL_NAMES } from '../shared/channel-names.js';
import type { Channel, ChannelReply, MailcaseApi } from '../shared/contract.js';

const allowedChannels: ReadonlySet<string> = new Set(CHANNEL_NAMES);

/** Forwards a call to the main process, or returns INVALID_INPUT for a name outside the contract. */
function invoke(channel: unknown, input: unknown): Promise<ChannelReply<Channel>> {
  if (typeof channel !== 'string' || !allowedChannels.has(channel)) {
    return Promise.resolve({
      ok: false,
      error: {
        code: 'INVALID_INPUT',
        message: `Unknown channel: ${String(channel).slice(0, 64)}`,
        userMessage: 'The app sent a request this version does not support.',
        details: {},
      },
    });
  }
  return ipcRenderer.invoke(channel, input) as Promise<ChannelReply<Channel>>;
}

const api: MailcaseApi = { invoke: invoke as MailcaseApi['invoke'] };
contextBridge.exposeInMainWorld('mailcase', api);
