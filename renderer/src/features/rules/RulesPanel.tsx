// Runs a rule file against the case and shows hits per rule with the reasons each message matched. The
// rule file can be saved with the case, and the saved file and last run come back when the case is opened.
import { useEffect, useState, type ChangeEvent } from 'react';

import { MAX_RULE_FILE_BYTES } from '../../../../shared/limits.js';
import { MailcaseError } from '../../../../shared/errors.js';
import type { RuleResult, RuleRunResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate } from '../../format.js';
import { useAction } from '../../use-action.js';

const EXAMPLE_RULES = `{
  "version": 1,
  "rules": [
    { "id": "competitors", "name": "Mail with competitors", "type": "domain-list", "domains": ["rival.example"] },
    { "id": "codewords", "name": "Internal codewords", "type": "keyword-list", "keywords": ["Project Falcon"] }
  ]
}`;

interface RulesPanelProps {
  caseDir: string;
  onOpenMessage: (sha256: string) => void;
}

export function RulesPanel({ caseDir, onOpenMessage }: RulesPanelProps) {
  const [rulesJson, setRulesJson] = useState('');
  /** Text of the rule file saved with the case, or null when none is saved. */
  const [savedText, setSavedText] = useState<string | null>(null);
  const [result, setResult] = useState<RuleRunResult | null>(null);
  const loadSaved = useAction(async () => {
    const saved = await call('rules:get', { dir: caseDir });
    setSavedText(saved.rulesText);
    // Text typed while the request ran is kept rather than overwritten.
    if (saved.rulesText !== null) setRulesJson((current) => (current === '' ? (saved.rulesText ?? '') : current));
    setResult((current) => current ?? saved.latest);
  });
  const runRules = useAction(async () => {
    setResult(null);
    setResult(await call('rules:run', { dir: caseDir, rulesJson }));
  });
  const saveRules = useAction(async () => {
    await call('rules:save', { dir: caseDir, rulesText: rulesJson });
    setSavedText(rulesJson);
  });
  const loadFile = useAction(async (file: File) => {
    if (file.size > MAX_RULE_FILE_BYTES) {
      throw new MailcaseError('RULES_INVALID', `Rule file ${file.name} is ${file.size} bytes`, {
        userMessage: `The rule file ${file.name} is larger than ${MAX_RULE_FILE_BYTES} bytes. Split it into smaller files.`,
      });
    }
    changeText(await file.text());
  });

  const { run: runLoadSaved } = loadSaved;
  useEffect(() => {
    void runLoadSaved();
  }, [runLoadSaved]);

  /** Replaces the rule text and drops errors about the previous text, which no longer apply. */
  const changeText = (text: string) => {
    setRulesJson(text);
    runRules.clearError();
    saveRules.clearError();
  };

  const onFileChosen = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    loadFile.clearError();
    if (file) void loadFile.run(file);
    // Clearing the value lets the investigator load the same file again after editing it on disk.
    event.target.value = '';
  };

  return (
    <>
      <div className="form-grid">
        <label htmlFor="rules-file">Load rule file</label>
        <input id="rules-file" data-testid="rules-file" type="file" accept=".json,application/json" onChange={onFileChosen} />
      </div>
      <label htmlFor="rules-json" className="block-label">
        Rule file (JSON, version 1)
      </label>
      <textarea
        id="rules-json"
        data-testid="rules-json"
        className="code-input"
        rows={12}
        value={rulesJson}
        onChange={(event) => changeText(event.target.value)}
        placeholder={EXAMPLE_RULES}
        spellCheck={false}
      />
      <p className="hint">
        Rule types: <code>domain-list</code> matches From, To, Cc, Bcc and Reply-To addresses in a listed domain or its subdomains;{' '}
        <code>keyword-list</code> matches whole words and phrases in the subject, body text and attachment file names, ignoring case.
      </p>
      <div className="actions">
        <button type="button" data-testid="rules-run" disabled={runRules.busy || rulesJson.trim() === ''} onClick={() => void runRules.run()}>
          {runRules.busy ? 'Running…' : 'Run rules'}
        </button>
        <button
          type="button"
          className="secondary"
          data-testid="rules-save"
          disabled={saveRules.busy || rulesJson.trim() === '' || rulesJson === savedText}
          onClick={() => void saveRules.run()}
        >
          {saveRules.busy ? 'Saving…' : 'Save as case rules'}
        </button>
      </div>
      <p className="hint" data-testid="rules-saved-state">
        {savedStateText(savedText, rulesJson)}
      </p>
      <ErrorNotice error={loadSaved.error} testId="rules-load-error" />
      <ErrorNotice error={loadFile.error} testId="rules-file-error" />
      <ErrorNotice error={runRules.error} testId="rules-error" />
      <ErrorNotice error={saveRules.error} testId="rules-save-error" />

      {result && (
        <div data-testid="rules-result">
          <p className="hint">
            Last run: {formatCount(result.rules.length, 'rule')} at {formatDate(result.ranAt)}. Rule file SHA-256:{' '}
            <code>{result.rulesSha256}</code>
          </p>
          {result.rules.map((rule) => (
            <RuleResultView key={rule.id} rule={rule} onOpenMessage={onOpenMessage} />
          ))}
        </div>
      )}
    </>
  );
}

/** Says whether the text in the editor is the rule file saved with the case. */
function savedStateText(savedText: string | null, text: string): string {
  if (savedText === null) return 'No rule file is saved with this case yet.';
  if (savedText === text) return "This is the case's saved rule file.";
  return "Changed since the case's rule file was saved.";
}

function RuleResultView({ rule, onOpenMessage }: { rule: RuleResult; onOpenMessage: (sha256: string) => void }) {
  return (
    <details className="rule-result" data-testid="rule-result" data-rule-id={rule.id}>
      <summary>
        <span className="rule-name">{rule.name}</span> <code>{rule.id}</code> <span className="badge">{rule.type}</span>{' '}
        <span className="rule-hits" data-testid="rule-hits">
          {formatCount(rule.hits, 'hit')}
        </span>
      </summary>
      {rule.details.length === 0 ? (
        <p className="hint">No message matched.</p>
      ) : (
        <ul className="rule-messages">
          {rule.details.map((hit) => (
            <li key={hit.sha256} data-testid="rule-hit-message">
              <button type="button" className="link-button" onClick={() => onOpenMessage(hit.sha256)}>
                <code>{hit.sha256.slice(0, 16)}…</code>
              </button>
              <ul className="rule-matches">
                {hit.matches.map((match, index) => (
                  <li key={index}>
                    <strong>{match.field}</strong>: <code>{match.value}</code> (rule entry <code>{match.entry}</code>)
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}
