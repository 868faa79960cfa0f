// The mailbox form's state and its conversion to channel input. The password lives only in this
// in-memory state, and the renderer never stores it.
import type { ChannelInput } from '../../../../shared/contract.js';
import type { MailboxSecurity } from '../../../../shared/types.js';

export interface MailboxForm {
  host: string;
  /** Port as typed. It becomes a number only when a request is built, so the schema reports bad values. */
  port: string;
  security: MailboxSecurity;
  user: string;
  password: string;
  trustFingerprint: string;
  /** Remember the password in the OS keychain after it logs in successfully (desktop app only). */
  rememberPassword?: boolean;
}

/** Standard POP3 ports: 995 for implicit TLS (RFC 8314), 110 for plain and STARTTLS (RFC 1939, RFC 2595). */
export const DEFAULT_PORTS: Readonly<Record<MailboxSecurity, string>> = { tls: '995', starttls: '110', none: '110' };

export const EMPTY_MAILBOX_FORM: MailboxForm = { host: '', port: DEFAULT_PORTS.tls, security: 'tls', user: '', password: '', trustFingerprint: '' };

/** Builds the mailbox and password input shared by 'mailbox:test' and 'acquisition:start'. */
export function toMailboxInput(form: MailboxForm): ChannelInput<'mailbox:test'> {
  const trustFingerprint = form.trustFingerprint.trim();
  return {
    mailbox: {
      host: form.host.trim(),
      port: form.port.trim() === '' ? 0 : Number(form.port),
      security: form.security,
      user: form.user,
      ...(trustFingerprint ? { trustFingerprint } : {}),
    },
    // An empty field lets the Node side use a password remembered in the OS keychain, or ask for one.
    ...(form.password === '' ? {} : { password: form.password }),
    rememberPassword: form.rememberPassword ?? false,
  };
}
