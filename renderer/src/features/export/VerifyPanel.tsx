// Verifies a bundle file: signature, manifests, every message's hash, the time-stamp, and whose key signed it.
import { useState } from 'react';

import type { BundleVerifyReply } from '../../../../shared/contract.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../format.js';
import { useAction } from '../../use-action.js';

/** Problems listed one per row; a hostile bundle can report tens of thousands, which would freeze the page. */
const MAX_PROBLEM_ROWS = 200;

export function VerifyPanel() {
  const [file, setFile] = useState('');
  const [trustedFingerprint, setTrustedFingerprint] = useState('');
  const [result, setResult] = useState<BundleVerifyReply | null>(null);
  const verify = useAction(async () => {
    setResult(null);
    const trusted = trustedFingerprint.trim();
    setResult(await call('bundle:verify', { file: file.trim(), ...(trusted ? { trustedFingerprint: trusted } : {}) }));
  });

  return (
    <>
      <div className="form-grid">
        <label htmlFor="verify-file">Bundle to verify</label>
        <input id="verify-file" data-testid="verify-file" value={file} onChange={(event) => setFile(event.target.value)} spellCheck={false} />
        <label htmlFor="verify-trusted-fingerprint">Trusted key fingerprint (optional)</label>
        <input
          id="verify-trusted-fingerprint"
          data-testid="verify-trusted-fingerprint"
          value={trustedFingerprint}
          onChange={(event) => setTrustedFingerprint(event.target.value)}
          placeholder="64 hex digits of the signer's key, obtained from the sender"
          spellCheck={false}
        />
      </div>
      <div className="actions">
        <button type="button" data-testid="verify-run" disabled={verify.busy || file.trim() === ''} onClick={() => void verify.run()}>
          {verify.busy ? 'Verifying…' : 'Verify bundle'}
        </button>
      </div>
      <ErrorNotice error={verify.error} testId="verify-error" />

      {result && (
        <div
          className={`notice ${result.valid ? 'notice-success' : 'notice-error'}`}
          role="status"
          data-testid="verify-result"
          data-valid={String(result.valid)}
        >
          <p className="notice-message" data-testid="verify-verdict">
            {result.valid ? 'Valid: the signature and every file hash check out.' : 'Invalid: the bundle does not match its signed manifest.'}
          </p>
          <SignerStatus result={result} />
          <dl className="summary">
            <dt>Messages</dt>
            <dd data-testid="verify-message-count" data-count={result.messageCount}>
              {formatCount(result.messageCount, 'message')}
            </dd>
            <dt>Signing key fingerprint</dt>
            <dd>
              <code data-testid="verify-signer-fingerprint">{result.signerFingerprint ?? '(unreadable)'}</code>
            </dd>
            <dt>Time-stamp</dt>
            <dd data-testid="verify-timestamp">
              {result.timestampTime ? `${result.timestampTime} by ${result.timestampSigner ?? 'an unnamed authority'}` : 'none'}
            </dd>
          </dl>
          <ProblemList problems={result.problems} />
        </div>
      )}
    </>
  );
}

/** States whether the signer is the trusted key, the investigator's own key, or unchecked. */
function SignerStatus({ result }: { result: BundleVerifyReply }) {
  if (result.signerFingerprint === null) return null;

  let state: 'trusted' | 'untrusted' | 'own' | 'unchecked';
  let text: string;
  if (result.signerTrusted === true) {
    state = 'trusted';
    text = 'Signed by the trusted key.';
  } else if (result.signerTrusted === false) {
    state = 'untrusted';
    text = 'Signed by a key that is NOT the trusted key.';
  } else if (result.signerIsOwnKey === true) {
    state = 'own';
    text = 'Signed by your key.';
  } else {
    state = 'unchecked';
    text = 'Signer not checked against a trusted key. Enter the fingerprint the sender gave you to check it.';
  }
  // A bundle signed by this installation's key gets that noted too when it was checked against a trusted key.
  const ownNote = result.signerIsOwnKey === true && state !== 'own' ? ' It is also your key.' : '';
  let statusClass = 'signer-trusted';
  if (state === 'untrusted') statusClass = 'signer-untrusted';
  if (state === 'unchecked') statusClass = 'signer-unchecked';

  return (
    <p className={`signer-status ${statusClass}`} data-testid="verify-signer-status" data-signer={state}>
      {text}
      {ownNote}
    </p>
  );
}

function ProblemList({ problems }: { problems: BundleVerifyReply['problems'] }) {
  if (problems.length === 0) return null;
  const hidden = problems.length - MAX_PROBLEM_ROWS;

  return (
    <>
      <p className="notice-message" data-testid="verify-problem-count">
        {formatCount(problems.length, 'problem')}:
      </p>
      <ul className="issue-list" data-testid="verify-problems">
        {problems.slice(0, MAX_PROBLEM_ROWS).map((problem, index) => (
          <li key={index} data-testid="verify-problem" data-file={problem.file}>
            <code>{problem.file}</code>: {problem.reason}
          </li>
        ))}
      </ul>
      {hidden > 0 && (
        <p className="hint" data-testid="verify-problems-more">
          and {formatCount(hidden, 'more problem', 'more problems')}
        </p>
      )}
    </>
  );
}
