// Mailbox connection settings and "Test connection", including the decision to trust an unknown certificate.
import { useEffect, useState } from 'react';

import type { CredentialStatus } from '../../../../shared/contract.js';

import type { MailcaseError } from '../../../../shared/errors.js';
import type { ConnectionTestResult, MailboxSecurity } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatSize } from '../../format.js';
import { useAction } from '../../use-action.js';
import { DEFAULT_PORTS, EMPTY_MAILBOX_FORM, toMailboxInput, type MailboxForm } from './mailbox-form.js';

interface MailboxPanelProps {
  form: MailboxForm;
  onChange: (form: MailboxForm) => void;
}

export function MailboxPanel({ form, onChange }: MailboxPanelProps) {
  const [result, setResult] = useState<ConnectionTestResult | null>(null);
  /** Fingerprint the investigator accepted with "Trust this certificate", shown until the field changes. */
  const [acceptedFingerprint, setAcceptedFingerprint] = useState<string | null>(null);
  const test = useAction(async (current: MailboxForm) => {
    setResult(null);
    setResult(await call('mailbox:test', toMailboxInput(current)));
  });

  const trustCertificate = (fingerprint: string) => {
    const next = { ...form, trustFingerprint: fingerprint };
    onChange(next);
    setAcceptedFingerprint(fingerprint);
    void test.run(next);
  };
  const showAccepted = acceptedFingerprint !== null && acceptedFingerprint === form.trustFingerprint && test.error?.code !== 'TLS_CERT_UNTRUSTED';

  const update = (changes: Partial<MailboxForm>) => onChange({ ...form, ...changes });

  // Whether a password can be remembered here (desktop app with an OS keychain) and is for this mailbox.
  const [credentials, setCredentials] = useState<CredentialStatus | null>(null);
  const { host, port, security, user } = form;
  useEffect(() => {
    const input = toMailboxInput({ ...EMPTY_MAILBOX_FORM, host, port, security, user });
    if (input.mailbox.host === '' || input.mailbox.user === '' || !Number.isInteger(input.mailbox.port) || input.mailbox.port < 1) {
      setCredentials(null);
      return;
    }
    let current = true;
    call('credentials:status', { mailbox: input.mailbox }).then(
      (status) => current && setCredentials(status),
      () => current && setCredentials(null),
    );
    return () => {
      current = false;
    };
  }, [host, port, security, user]);
  const forgetPassword = useAction(async () => {
    setCredentials(await call('credentials:forget', { mailbox: toMailboxInput(form).mailbox }));
  });
  const changeSecurity = (security: MailboxSecurity) => {
    // Follow the standard port for the new mode unless the investigator typed a non-standard one.
    const portIsDefault = form.port === DEFAULT_PORTS[form.security];
    update({ security, port: portIsDefault ? DEFAULT_PORTS[security] : form.port });
  };

  return (
    <>
      <div className="form-grid">
        <label htmlFor="mailbox-host">POP3 server</label>
        <input id="mailbox-host" data-testid="mailbox-host" value={form.host} onChange={(event) => update({ host: event.target.value })} placeholder="pop.example.com" spellCheck={false} />

        <label htmlFor="mailbox-security">Security</label>
        <select id="mailbox-security" data-testid="mailbox-security" value={form.security} onChange={(event) => changeSecurity(event.target.value as MailboxSecurity)}>
          <option value="tls">TLS (POP3S)</option>
          <option value="starttls">STARTTLS</option>
          <option value="none">None (plain text; test servers only)</option>
        </select>

        <label htmlFor="mailbox-port">Port</label>
        <input id="mailbox-port" data-testid="mailbox-port" inputMode="numeric" value={form.port} onChange={(event) => update({ port: event.target.value })} />

        <label htmlFor="mailbox-user">User</label>
        <input id="mailbox-user" data-testid="mailbox-user" value={form.user} onChange={(event) => update({ user: event.target.value })} autoComplete="off" spellCheck={false} />

        <label htmlFor="mailbox-password">Password</label>
        <input
          id="mailbox-password"
          data-testid="mailbox-password"
          type="password"
          value={form.password}
          onChange={(event) => update({ password: event.target.value })}
          autoComplete="off"
        />

        <label htmlFor="mailbox-fingerprint">Trusted certificate fingerprint (SHA-256)</label>
        <input
          id="mailbox-fingerprint"
          data-testid="mailbox-fingerprint"
          value={form.trustFingerprint}
          onChange={(event) => update({ trustFingerprint: event.target.value })}
          placeholder="Only for a server whose certificate is not publicly trusted"
          spellCheck={false}
        />
      </div>
      {credentials?.available ? (
        <>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="mailbox-remember"
              checked={form.rememberPassword ?? false}
              onChange={(event) => update({ rememberPassword: event.target.checked })}
            />
            Remember the password in the OS keychain after it logs in
          </label>
          {credentials.saved && (
            <p className="hint" data-testid="mailbox-password-saved">
              A password for this mailbox is saved in the OS keychain; leave the field empty to use it.{' '}
              <button type="button" className="link-button" disabled={forgetPassword.busy} onClick={() => void forgetPassword.run()}>
                Forget it
              </button>
            </p>
          )}
        </>
      ) : (
        <p className="hint">The password is kept in memory for this session only and is never written to the case.</p>
      )}

      <div className="actions">
        <button type="button" data-testid="mailbox-test" disabled={test.busy} onClick={() => void test.run(form)}>
          {test.busy ? 'Testing…' : 'Test connection'}
        </button>
      </div>

      {showAccepted && (
        <div className="notice notice-success" role="status" data-testid="mailbox-cert-accepted">
          <p className="notice-message">
            This certificate will be trusted for this mailbox: <code>{acceptedFingerprint}</code>
          </p>
        </div>
      )}
      {test.error?.code === 'TLS_CERT_UNTRUSTED' ? (
        <UntrustedCertificate error={test.error} onTrust={trustCertificate} />
      ) : (
        <ErrorNotice error={test.error} testId="mailbox-error" />
      )}

      {result && (
        <div className="notice notice-success" data-testid="mailbox-test-result" role="status">
          <p className="notice-message">Connected and logged in.</p>
          <dl className="summary">
            <dt>Greeting</dt>
            <dd>
              <code>{result.greeting}</code>
            </dd>
            <dt>Messages on server</dt>
            <dd data-testid="mailbox-test-count" data-count={result.messageCount}>
              {formatCount(result.messageCount, 'message')}
            </dd>
            <dt>Mailbox size</dt>
            <dd>{formatSize(result.mailboxOctets)}</dd>
            <dt>Capabilities</dt>
            <dd>{result.capabilities.length > 0 ? result.capabilities.join(', ') : '(none listed)'}</dd>
            <dt>Certificate fingerprint</dt>
            <dd>
              <code>{result.tlsFingerprint ?? 'No TLS'}</code>
            </dd>
          </dl>
        </div>
      )}
    </>
  );
}

function detailText(details: Record<string, unknown>, ...keys: string[]): string | null {
  for (const key of keys) {
    const value = details[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
}

/** Shows the certificate the server presented and lets the investigator trust it after checking it out of band. */
function UntrustedCertificate({ error, onTrust }: { error: MailcaseError; onTrust: (fingerprint: string) => void }) {
  const fingerprint = detailText(error.details, 'fingerprint', 'tlsFingerprint', 'certFingerprint');
  // Node reports subject and issuer as one "KEY=value" line per attribute.
  const subject = detailText(error.details, 'subject');
  const issuer = detailText(error.details, 'issuer');

  return (
    <div className="notice notice-warning" role="alert" data-testid="mailbox-cert-untrusted">
      <p className="notice-message">{error.userMessage}</p>
      <dl className="summary">
        <dt>SHA-256 fingerprint</dt>
        <dd>
          <code data-testid="mailbox-cert-fingerprint">{fingerprint ?? '(not reported)'}</code>
        </dd>
        <dt>Subject</dt>
        <dd>{subject ?? '(not reported)'}</dd>
        <dt>Issuer</dt>
        <dd>{issuer ?? '(not reported)'}</dd>
        <dt>Valid</dt>
        <dd>
          {detailText(error.details, 'validFrom') ?? '?'} to {detailText(error.details, 'validTo') ?? '?'}
        </dd>
      </dl>
      <p className="hint">Compare the fingerprint with one obtained from the mail provider through another channel before trusting it.</p>
      {fingerprint && (
        <button type="button" data-testid="mailbox-cert-trust" onClick={() => onTrust(fingerprint)}>
          Trust this certificate
        </button>
      )}
    </div>
  );
}
