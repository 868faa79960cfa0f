// "Try the demo case": starts the built-in demo mail server, creates a case with the demo rule pack and fills
// in the mailbox form, so a newcomer can acquire, search, run rules and export without a mail server.
import type { DemoStartReply } from '../../../../shared/demo-types.js';
import type { CaseSummary } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useAction } from '../../use-action.js';

interface TryDemoButtonProps {
  /** Called with the demo server's settings and the opened demo case. */
  onStarted: (demo: DemoStartReply, summary: CaseSummary) => void;
}

export function TryDemoButton({ onStarted }: TryDemoButtonProps) {
  const start = useAction(async () => {
    const demo = await call('demo:start', {});
    const summary = await call('case:open', { dir: demo.caseDir });
    onStarted(demo, summary);
  });

  return (
    <div className="demo-start" data-testid="demo-start">
      <h3>New to Mailcase?</h3>
      <p className="hint">
        Try the whole flow on a generated suspect mailbox: Mailcase starts a demo mail server on this computer (127.0.0.1 only), creates a
        case with a demo rule pack and fills in the mailbox settings. Then acquire, search, run the rules and export as with a real mailbox.
      </p>
      <div className="actions">
        <button type="button" data-testid="demo-start-button" disabled={start.busy} onClick={() => void start.run()}>
          {start.busy ? 'Starting the demo server…' : 'Try the demo case'}
        </button>
      </div>
      <ErrorNotice error={start.error} testId="demo-error" />
    </div>
  );
}

/** Shows the demo server's settings above the mailbox form: where it runs, its password and its pinned certificate. */
export function DemoMailboxNotice({ demo }: { demo: DemoStartReply }) {
  return (
    <div className="notice notice-success" role="status" data-testid="demo-mailbox-notice">
      <p className="notice-message">
        The form is filled in for the demo mail server. Its certificate is trusted for this demo only. Click “Acquire mailbox” to start; each
        later acquisition finds a few new messages.
      </p>
      <dl className="summary">
        <dt>Server</dt>
        <dd>
          <code data-testid="demo-server-address">
            {demo.host}:{demo.port}
          </code>{' '}
          (TLS)
        </dd>
        <dt>User</dt>
        <dd>
          <code>{demo.user}</code>
        </dd>
        <dt>Password</dt>
        <dd>
          <code data-testid="demo-password">{demo.password}</code>
        </dd>
        <dt>Certificate SHA-256</dt>
        <dd>
          <code data-testid="demo-fingerprint">{demo.fingerprint}</code>
        </dd>
        <dt>Case folder</dt>
        <dd>
          <code>{demo.caseDir}</code>
        </dd>
      </dl>
    </div>
  );
}
