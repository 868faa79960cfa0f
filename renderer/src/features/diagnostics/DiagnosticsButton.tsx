// "Copy diagnostics": versions, platform and recent log lines for a support request, copied to the clipboard.
import { useState } from 'react';

import { call } from '../../api.js';
import { useAction } from '../../use-action.js';

export function DiagnosticsButton() {
  const [state, setState] = useState<'idle' | 'copied' | 'shown'>('idle');
  const [text, setText] = useState('');

  const copy = useAction(async () => {
    const report = await call('app:diagnostics', {});
    setText(report.text);
    try {
      await navigator.clipboard.writeText(report.text);
      setState('copied');
    } catch {
      // Clipboard access can be refused; the text is then shown for the investigator to copy by hand.
      setState('shown');
    }
  });

  return (
    <div className="sidebar-footer">
      <button type="button" className="secondary" data-testid="diagnostics-copy" disabled={copy.busy} onClick={() => void copy.run()}>
        Copy diagnostics
      </button>
      {state === 'copied' && (
        <p className="sidebar-note" role="status" data-testid="diagnostics-status">
          Diagnostics copied. They hold versions and log lines, no passwords or message content.
        </p>
      )}
      {copy.error && (
        <p className="sidebar-note" role="alert">
          {copy.error.userMessage}
        </p>
      )}
      {state === 'shown' && <textarea className="diagnostics-text" data-testid="diagnostics-text" readOnly value={text} rows={8} aria-label="Diagnostics" />}
    </div>
  );
}
