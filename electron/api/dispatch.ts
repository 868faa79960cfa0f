// Routes one untrusted request to its handler: checks the channel name, parses the input with the
// channel's zod schema and turns every outcome into a ChannelReply. Used by Electron IPC and the review server.
import type { z } from 'zod';

import { channels, type Channel, type ChannelReply } from '../../shared/contract.js';
import { MailcaseError, serializeError, type SerializedError } from '../../shared/errors.js';
import { createLogger } from '../logging/logger.js';
import type { HandlerTable } from './handler-table.js';

const log = createLogger('dispatch');

/** One bad field in a request, as listed in INVALID_INPUT details. */
export interface InputIssue {
  path: string;
  message: string;
}

/** Tells whether a string names a channel of the contract. Uses Object.hasOwn so "__proto__" is no channel. */
export function isChannel(name: string): name is Channel {
  return Object.hasOwn(channels, name);
}

/**
 * Runs the handler for `channel` on `rawInput` and returns its reply. The returned promise never rejects:
 * an unknown channel or input that fails the schema gives INVALID_INPUT, and any error from the handler is serialised.
 */
export async function dispatch(handlers: HandlerTable, channel: string, rawInput: unknown): Promise<ChannelReply<Channel>> {
  try {
    return await dispatchOrThrow(handlers, channel, rawInput);
  } catch (error) {
    const serialized = redactSecrets(serializeError(error), collectSecrets(rawInput));
    if (serialized.code === 'INTERNAL') {
      log.error('Handler failed with an unexpected error', { channel: safeChannelName(channel), error: serialized.message });
    } else {
      log.info('Handler returned an error', { channel: safeChannelName(channel), code: serialized.code });
    }
    return { ok: false, error: serialized };
  }
}

async function dispatchOrThrow(handlers: HandlerTable, channel: string, rawInput: unknown): Promise<ChannelReply<Channel>> {
  if (!isChannel(channel)) {
    throw new MailcaseError('INVALID_INPUT', `Unknown channel: ${safeChannelName(channel)}`, {
      userMessage: 'The app sent a request this version does not support.',
      details: { channel: safeChannelName(channel) },
    });
  }

  const schema: z.ZodType = channels[channel].input;
  const parsed = schema.safeParse(rawInput);
  if (!parsed.success) {
    const issues = listIssues(parsed.error);
    throw new MailcaseError('INVALID_INPUT', `Invalid input for ${channel}: ${describeIssues(issues)}`, {
      userMessage: `Please correct the form: ${describeIssues(issues)}`,
      details: { channel, issues },
    });
  }

  // The cast is sound because the schema and the handler come from the same channel entry.
  const handler = handlers[channel] as (input: unknown) => Promise<unknown>;
  const value = await handler(parsed.data);
  return { ok: true, value } as ChannelReply<Channel>;
}

/**
 * Lists each schema failure as a dotted path and a message. Only zod's messages are used, never the
 * received values, so a password cannot end up in the reply.
 */
export function listIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '(input)' : issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function describeIssues(issues: InputIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** Shortens a channel name taken from a request before it goes into a log line or an error. */
function safeChannelName(channel: string): string {
  return channel.slice(0, 64).replace(/[^\w:.-]/g, '?');
}

/** Collects the password fields of a request so they can be scrubbed from any error text. */
function collectSecrets(rawInput: unknown): string[] {
  if (rawInput === null || typeof rawInput !== 'object') return [];
  const password = (rawInput as Record<string, unknown>).password;
  return typeof password === 'string' && password.length > 0 ? [password] : [];
}

/**
 * Replaces any occurrence of a secret in the serialised error. Services are written not to echo
 * passwords, and this keeps that true even for an unexpected error text from a library.
 */
function redactSecrets(error: SerializedError, secrets: string[]): SerializedError {
  if (secrets.length === 0) return error;

  const scrub = (text: string): string => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(scrub(JSON.stringify(error.details))) as Record<string, unknown>;
  } catch {
    details = {};
  }
  return { code: error.code, message: scrub(error.message), userMessage: scrub(error.userMessage), details };
}
