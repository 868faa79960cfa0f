// Verifies a bundle file: signature, manifest and every message's hash.
import { useState } from 'react';

import type { BundleVerification } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { useAction } from '../../use-action.js';

export function VerifyPanel() {
  const [file, setFile] = useState('');
  const [result, setResult] = useState<BundleVerification | null>(null);
  const verify = useAction(async () => {
    setResult(null);
    setResult(await call('bundle:verify', { file: file.trim() }));
  });

  return (
    <>
      <div className="form-grid">
        <label htmlFor="verify-file">Bundle to verify</label>
        <input id="verify-file" data-testid="verify-file" value={file} onChange={(event) => setFile(event.target.value)} spellCheck={false} />
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
          <dl className="summary">
            <dt>Messages</dt>
            <dd data-testid="verify-message-count">{result.messageCount}</dd>
            <dt>Signing key fingerprint</dt>
            <dd>
              <code>{result.signerFingerprint ?? '(unreadable)'}</code>
            </dd>
          </dl>
          {result.problems.length > 0 && (
            <ul className="issue-list" data-testid="verify-problems">
              {result.problems.map((problem, index) => (
                <li key={index} data-testid="verify-problem" data-file={problem.file}>
                  <code>{problem.file}</code>: {problem.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
