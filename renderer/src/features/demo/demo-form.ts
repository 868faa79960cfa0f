// Turns the demo server's connection settings into the mailbox form, with its certificate pre-trusted.
import type { DemoStartReply } from '../../../../shared/demo-types.js';
import type { MailboxForm } from '../mailbox/mailbox-form.js';

/** Builds the add-mailbox form for the demo server: implicit TLS, its user and password, and its certificate pinned. */
export function toDemoMailboxForm(demo: DemoStartReply): MailboxForm {
  return {
    host: demo.host,
    port: String(demo.port),
    security: demo.security,
    user: demo.user,
    password: demo.password,
    trustFingerprint: demo.fingerprint,
  };
}
