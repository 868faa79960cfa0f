// Calls the Node side through the Electron preload bridge, or over HTTP in browser review mode. Both
// transports return the same ChannelReply envelope; callers get the value or a thrown MailcaseError.
import type { Channel, ChannelInput, ChannelOutput, ChannelReply, MailcaseApi } from '../../shared/contract.js';
import { deserializeError, isErrorCode, MailcaseError, type SerializedError } from '../../shared/errors.js';

/** Review-mode transport: POST /api/<channel> with the session cookie the server set at login. */
const httpApi: MailcaseApi = {
  async invoke<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelReply<C>> {
    let response: Response;
    try {
      response = await fetch(`/api/${encodeURIComponent(channel)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input),
      });
    } catch (error) {
      return failure('INTERNAL', `Request to ${channel} failed: ${String(error)}`, 'Cannot reach the Mailcase review server. Check that it is still running.');
    }

    const reply = await response.json().catch(() => null);
    if (isReply(reply)) return reply as ChannelReply<C>;
    if (response.status === 401) {
      return failure('UNAUTHORIZED', 'Review session missing or expired', 'Your review session is not valid. Open the link that "mailcase web" printed again.');
    }
    return failure('INTERNAL', `Unexpected HTTP ${response.status} from ${channel}`, `The review server returned an unexpected response (HTTP ${response.status}).`);
  },
};

function failure(code: SerializedError['code'], message: string, userMessage: string): { ok: false; error: SerializedError } {
  return { ok: false, error: { code, message, userMessage, details: {} } };
}

function isReply(value: unknown): value is ChannelReply<Channel> {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { ok?: unknown; error?: { code?: unknown } };
  if (candidate.ok === true) return 'value' in candidate;
  return candidate.ok === false && isErrorCode(candidate.error?.code);
}

/** Returns the preload bridge inside Electron, else the HTTP client. */
function getApi(): MailcaseApi {
  const bridge = window.mailcase;
  if (!bridge) return httpApi;
  return {
    invoke: <C extends Channel>(channel: C, input: ChannelInput<C>) => (bridge[channel] as (value: ChannelInput<C>) => Promise<ChannelReply<C>>)(input),
  };
}

/** Calls one channel and returns its value. On failure it throws a MailcaseError with the investigator message. */
export async function call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
  const reply = await getApi().invoke(channel, input);
  if (reply.ok) return reply.value;
  throw deserializeError(reply.error);
}

/** Converts anything caught around call() into a MailcaseError for display. */
export function toMailcaseError(error: unknown): MailcaseError {
  if (error instanceof MailcaseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MailcaseError('INTERNAL', message, { userMessage: `Unexpected error: ${message}` });
}
