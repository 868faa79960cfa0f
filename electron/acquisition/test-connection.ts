// "Test connection": proves the mailbox settings and password work without fetching or changing any message.
import type { ConnectionTestResult, MailboxConfig } from '../../shared/types.js';
import { Pop3Session, type Pop3SessionOptions } from './pop3-session.js';

/**
 * Connects with the mailbox's security mode (which sends CAPA), logs in with the mailbox's login method, reads
 * STAT and quits. Returns the greeting, message count, mailbox size, capabilities and certificate fingerprint.
 * Throws the session's coded errors.
 */
export async function testConnection(
  mailbox: MailboxConfig,
  password: string,
  options: Pop3SessionOptions = {},
): Promise<ConnectionTestResult> {
  const session = await Pop3Session.connect(mailbox, options);
  try {
    // The session sent CAPA before login, and again over TLS after STARTTLS, because RFC 2595 section 4
    // requires that capabilities learned before the upgrade be discarded.
    const capabilities = session.capabilities ?? [];
    await session.authenticate(password);
    const { messageCount, mailboxOctets } = await session.stat();

    return {
      ok: true,
      greeting: session.greeting,
      messageCount,
      mailboxOctets,
      capabilities,
      tlsFingerprint: session.tlsFingerprint,
    };
  } finally {
    await session.quit();
  }
}
