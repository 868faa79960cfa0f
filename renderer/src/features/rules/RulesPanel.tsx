// Runs a rule file against the case and shows hits per rule with the reasons each message matched.
import { useState, type ChangeEvent } from 'react';

import { MAX_RULE_FILE_BYTES } from '../../../../shared/limits.js';
import { MailcaseError } from '../../../../shared/errors.js';
import type { RuleResult, RuleRunResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatDate } from '../../format.js';
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
  const [result, setResult] = useState<RuleRunResult | null>(null);
  const runRules = useAction(async () => {
    setResult(null);
    setResult(await call('rules:run', { dir: caseDir, rulesJson }));
  });
  const loadFile = useAction(async (file: File) => {
    if (file.size > MAX_RULE_FILE_BYTES) {
      throw new MailcaseError('RULES_INVALID', `Rule file ${file.name} is ${file.size} bytes`, {
        userMessage: `The rule file ${file.name} is larger than ${MAX_RULE_FILE_BYTES} bytes. Split it into smaller files.`,
      });
    }
    setRulesJson(await file.text());
  });

  const onFileChosen = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
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
        onChange={(event) => setRulesJson(event.target.value)}
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
      </div>
      <ErrorNotice error={loadFile.error} testId="rules-file-error" />
      <ErrorNotice error={runRules.error} testId="rules-error" />

      {result && (
        <div data-testid="rules-result">
          <p className="hint">
            Ran {result.rules.length} {result.rules.length === 1 ? 'rule' : 'rules'} at {formatDate(result.ranAt)}. Rule file SHA-256:{' '}
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

function RuleResultView({ rule, onOpenMessage }: { rule: RuleResult; onOpenMessage: (sha256: string) => void }) {
  return (
    <details className="rule-result" data-testid="rule-result" data-rule-id={rule.id}>
      <summary>
        <span className="rule-name">{rule.name}</span> <code>{rule.id}</code> <span className="badge">{rule.type}</span>{' '}
        <span className="rule-hits" data-testid="rule-hits">
          {rule.hits} {rule.hits === 1 ? 'hit' : 'hits'}
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
