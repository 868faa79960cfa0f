// Coded errors shared by the services, the CLI, the IPC bridge and the renderer.

/** Every error code Mailcase raises. Codes are stable: tests, the CLI and the UI match on them. */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'CASE_NOT_FOUND',
  'CASE_INVALID',
  'CASE_VERSION_UNSUPPORTED',
  'CASE_LOCKED',
  'MESSAGE_NOT_FOUND',
  'POP3_CONNECT_FAILED',
  'POP3_TIMEOUT',
  'POP3_AUTH_FAILED',
  'POP3_PROTOCOL',
  'POP3_SERVER_ERROR',
  'POP3_SIZE_MISMATCH',
  'POP3_LIMIT_EXCEEDED',
  'TLS_CERT_UNTRUSTED',
  'TLS_FAILED',
  'STARTTLS_UNSUPPORTED',
  'EVIDENCE_WRITE_FAILED',
  'CUSTODY_LOG_INVALID',
  'PARSE_FAILED',
  'INDEX_INVALID',
  'QUERY_SYNTAX',
  'RULES_INVALID',
  'BUNDLE_INVALID',
  'KEY_INVALID',
  'JOB_NOT_FOUND',
  'UNAUTHORIZED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Plain shape of an error as it crosses IPC, HTTP and the CLI's --json output. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  userMessage: string;
  details: Record<string, unknown>;
}

export interface MailcaseErrorOptions {
  /** Message shown to the investigator, including what to do next. Defaults to the developer message. */
  userMessage?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error class Mailcase throws on purpose; anything else is reported as INTERNAL. */
export class MailcaseError extends Error {
  readonly code: ErrorCode;
  readonly userMessage: string;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: MailcaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MailcaseError';
    this.code = code;
    this.userMessage = options.userMessage ?? message;
    this.details = options.details ?? {};
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** Tells whether a value is a known error code, for data that arrives over IPC or HTTP. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Converts any thrown value into the plain shape; unknown errors become INTERNAL. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof MailcaseError) {
    return {
      code: error.code,
      message: error.message,
      userMessage: error.userMessage,
      details: error.details,
    };
  }

  const message = error instanceof Error ? error.message : String(error);
  return {
    code: 'INTERNAL',
    message,
    userMessage: `Unexpected error: ${message}`,
    details: {},
  };
}

/** Rebuilds a MailcaseError from its plain shape, as received by the renderer or a client. */
export function deserializeError(data: SerializedError): MailcaseError {
  return new MailcaseError(data.code, data.message, {
    userMessage: data.userMessage,
    details: data.details,
  });
}
