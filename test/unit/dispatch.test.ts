// Checks that dispatch validates every request against the contract and always returns a reply.
import { beforeEach, describe, expect, it } from 'vitest';

import type { Channel, ChannelReply } from '../../shared/contract.js';
import { MailcaseError, type SerializedError } from '../../shared/errors.js';
import { stubHandlers } from '../helpers/stub-handlers.js';
import { dispatch } from '../../electron/api/dispatch.js';
import { setLogSink } from '../../electron/logging/logger.js';

const CASE_SUMMARY = { dir: '/cases/one', name: 'one', caseId: 'c-1', messageCount: 2, parseErrorCount: 0 };

/** Returns the error of a failed reply; a successful reply fails the test. */
function errorOf(reply: ChannelReply<Channel>): SerializedError {
  if (reply.ok) throw new Error(`Expected an error reply, got ${JSON.stringify(reply.value)}`);
  return reply.error;
}

describe('dispatch', () => {
  let logLines: string[] = [];

  beforeEach(() => {
    logLines = [];
    setLogSink((line) => logLines.push(line), 'debug');
  });

  it('returns the handler value for valid input', async () => {
    const handlers = stubHandlers({ 'case:open': async () => CASE_SUMMARY });

    const reply = await dispatch(handlers, 'case:open', { dir: '/cases/one' });

    expect(reply).toEqual({ ok: true, value: CASE_SUMMARY });
  });

  it('passes schema defaults to the handler', async () => {
    let received: unknown;
    const handlers = stubHandlers({
      'case:open': async (input) => {
        received = input;
        return CASE_SUMMARY;
      },
    });

    await dispatch(handlers, 'case:open', { dir: '/cases/one' });

    expect(received).toEqual({ dir: '/cases/one', create: false });
  });

  it('rejects an unknown channel', async () => {
    const reply = await dispatch(stubHandlers(), 'case:delete', {});

    expect(errorOf(reply).code).toBe('INVALID_INPUT');
    expect(errorOf(reply).details.channel).toBe('case:delete');
  });

  it('treats inherited property names as unknown channels', async () => {
    const reply = await dispatch(stubHandlers(), '__proto__', {});

    expect(errorOf(reply).code).toBe('INVALID_INPUT');
  });

  it('lists every schema issue with its path', async () => {
    const reply = await dispatch(stubHandlers(), 'mailbox:test', {
      mailbox: { host: '', port: 70000, security: 'ssl', user: 'suspect' },
      password: 'pw',
    });

    const issues = errorOf(reply).details.issues as { path: string; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(['mailbox.host', 'mailbox.port', 'mailbox.security']);
    expect(issues[0]?.message).toBe('Host is required');
  });

  it('reports a missing input object at the root path', async () => {
    const reply = await dispatch(stubHandlers(), 'search:run', null);

    const issues = errorOf(reply).details.issues as { path: string }[];
    expect(issues.map((issue) => issue.path)).toEqual(['(input)']);
  });

  it('keeps the password out of schema errors', async () => {
    const secret = 'hunter2-secret-value';

    const reply = await dispatch(stubHandlers(), 'mailbox:test', { mailbox: { host: 'h', port: 0, security: 'none', user: 'u' }, password: secret });

    expect(JSON.stringify(reply).includes(secret)).toBe(false);
  });

  it('redacts the password from a handler error', async () => {
    const secret = 'hunter2-secret-value';
    const handlers = stubHandlers({
      'mailbox:test': async () => {
        throw new Error(`server rejected PASS ${secret}`);
      },
    });

    const reply = await dispatch(handlers, 'mailbox:test', { mailbox: { host: 'h', port: 110, security: 'none', user: 'u' }, password: secret });

    expect(errorOf(reply).message).toBe('server rejected PASS [redacted]');
    expect(logLines.some((line) => line.includes(secret))).toBe(false);
  });

  it('serialises a MailcaseError with its code and details', async () => {
    const handlers = stubHandlers({
      'job:get': async () => {
        throw new MailcaseError('JOB_NOT_FOUND', 'No job with id j-9', { userMessage: 'Unknown task.', details: { jobId: 'j-9' } });
      },
    });

    const reply = await dispatch(handlers, 'job:get', { jobId: 'j-9' });

    expect(reply).toEqual({
      ok: false,
      error: { code: 'JOB_NOT_FOUND', message: 'No job with id j-9', userMessage: 'Unknown task.', details: { jobId: 'j-9' } },
    });
  });

  it('reports any other thrown value as INTERNAL', async () => {
    const handlers = stubHandlers({
      'job:get': async () => {
        throw new TypeError('boom');
      },
    });

    const reply = await dispatch(handlers, 'job:get', { jobId: 'j-1' });

    expect(errorOf(reply).code).toBe('INTERNAL');
  });
});
