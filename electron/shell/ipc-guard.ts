// The one wrapper every IPC handler goes through: it checks that the calling frame is the app's own
// top-level page, then lets dispatch validate the input with the channel's schema and shape any error.
import type { Channel, ChannelReply } from '../../shared/contract.js';
import { dispatch } from '../api/dispatch.js';
import type { HandlerTable } from '../api/handler-table.js';
import { createLogger } from '../logging/logger.js';
import { APP_INDEX_URL } from './window-options.js';

const log = createLogger('ipc');

/** The parts of Electron's WebFrameMain the check reads. */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

/** The parts of Electron's IpcMainInvokeEvent the check reads. */
export interface InvokeEvent {
  senderFrame: SenderFrame | null;
}

/** Tells whether a frame is the app's index page in a top-level frame. Query and fragment are ignored. */
export function isAppFrame(frame: SenderFrame | null): boolean {
  if (!frame || frame.parent !== null) return false;

  let url: URL;
  try {
    url = new URL(frame.url);
  } catch {
    return false;
  }
  url.hash = '';
  url.search = '';
  return url.href === APP_INDEX_URL;
}

/** Returns the ipcMain.handle listener for one channel: frame check, then schema check and dispatch. */
export function createIpcListener(handlers: HandlerTable, channel: Channel): (event: InvokeEvent, input: unknown) => Promise<ChannelReply<Channel>> {
  return async (event, input) => {
    if (!isAppFrame(event.senderFrame)) {
      log.warn('IPC call from an unexpected frame rejected', { channel, frameUrl: event.senderFrame?.url.slice(0, 200) ?? null });
      return {
        ok: false,
        error: {
          code: 'UNAUTHORIZED',
          message: `IPC caller is not the Mailcase page: ${channel}`,
          userMessage: 'Request rejected because it did not come from the Mailcase window.',
          details: {},
        },
      };
    }
    return dispatch(handlers, channel, input);
  };
}
