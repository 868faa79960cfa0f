// Imports, edits, exports and runs rule packs, and shows each rule's hits with the explanation in words and
// the matched text highlighted in context. The pack saved with the case (else the default pack) is active.
import { useEffect, useState, type ChangeEvent } from 'react';

import type { BuiltinRulePack } from '../../../../shared/contract.js';
import { MailcaseError } from '../../../../shared/errors.js';
import { MAX_RULE_FILE_BYTES } from '../../../../shared/limits.js';
import type { RuleRunResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount, formatDate } from '../../format.js';
import { useAction } from '../../use-action.js';
import { checkPackText, packFileName, setRuleEnabled, type PackCheck } from './pack-text.js';
import { RuleResultView } from './RuleResultView.js';

interface RulesPanelProps {
  caseDir: string;
  onOpenMessage: (sha256: string) => void;
}

export function RulesPanel({ caseDir, onOpenMessage }: RulesPanelProps) {
  const [rulesJson, setRulesJson] = useState('');
  /** Text of the rule pack saved with the case, or null when none is saved (the default pack is then active). */
  const [savedText, setSavedText] = useState<string | null>(null);
  const [builtin, setBuiltin] = useState<BuiltinRulePack[]>([]);
  const [result, setResult] = useState<RuleRunResult | null>(null);

  const loadSaved = useAction(async () => {
    const saved = await call('rules:get', { dir: caseDir });
    setSavedText(saved.rulesText);
    setResult((current) => current ?? saved.latest);

    // The editor starts with the active pack: the saved one, else the default. Text typed meanwhile is kept.
    // The built-in packs load separately, so a failure there still shows the saved pack and last run.
    let packs: BuiltinRulePack[] = [];
    try {
      packs = (await call('rules:packs', {})).packs;
    } finally {
      setBuiltin(packs);
      const active = saved.rulesText ?? packs.find((pack) => pack.id === 'default')?.text ?? '';
      setRulesJson((current) => (current === '' ? active : current));
    }
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

  const check = checkPackText(rulesJson);
  const exportPack = () => {
    const name = check.state === 'valid' ? check.pack.name : 'rules';
    const url = URL.createObjectURL(new Blob([rulesJson], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = packFileName(name);
    link.click();
    URL.revokeObjectURL(url);
  };

  return (
    <>
      <div className="form-grid">
        <label htmlFor="rules-file">Import rule pack</label>
        <input id="rules-file" data-testid="rules-file" type="file" accept=".json,application/json" onChange={onFileChosen} />
      </div>
      <div className="actions">
        {builtin.map((pack) => (
          <button key={pack.id} type="button" className="secondary" data-testid={`rules-load-${pack.id}`} onClick={() => changeText(pack.text)}>
            Load {pack.name}
          </button>
        ))}
        <button type="button" className="secondary" data-testid="rules-export" disabled={rulesJson.trim() === ''} onClick={exportPack}>
          Export rule pack
        </button>
      </div>
      <label htmlFor="rules-json" className="block-label">
        Rule pack (JSON)
      </label>
      <textarea
        id="rules-json"
        data-testid="rules-json"
        className="code-input"
        rows={14}
        value={rulesJson}
        onChange={(event) => changeText(event.target.value)}
        spellCheck={false}
      />
      <PackOverview check={check} onToggle={(index, enabled) => changeText(setRuleEnabled(rulesJson, index, enabled))} />
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
      {savedText === null && <p className="hint">Until a pack is saved, new mail is checked with the default pack.</p>}
      <ErrorNotice error={loadSaved.error} testId="rules-load-error" />
      <ErrorNotice error={loadFile.error} testId="rules-file-error" />
      <ErrorNotice error={runRules.error} testId="rules-error" />
      <ErrorNotice error={saveRules.error} testId="rules-save-error" />

      {result && (
        <div data-testid="rules-result">
          <p className="hint">
            Last run: {result.packName}, {formatCount(result.rules.length, 'rule')} over {formatCount(result.messageCount, 'message')} at{' '}
            {formatDate(result.ranAt)}.
            {result.unparsed.length > 0 && ` ${formatCount(result.unparsed.length, 'message')} not yet parsed and not checked.`}
          </p>
          <dl className="summary">
            <dt>Run record SHA-256</dt>
            <dd>
              <code data-testid="rules-record-sha256">{result.contentSha256}</code>
            </dd>
            <dt>Rule pack SHA-256</dt>
            <dd>
              <code>{result.rulesSha256}</code>
            </dd>
            <dt>Evidence list SHA-256</dt>
            <dd>
              <code>{result.evidenceSha256}</code>
            </dd>
          </dl>
          {result.rules.map((rule) => (
            <RuleResultView key={rule.id} caseDir={caseDir} rule={rule} onOpenMessage={onOpenMessage} />
          ))}
        </div>
      )}
    </>
  );
}

/** Lists the rules of a valid pack with a switch each, or every problem of an invalid one. */
function PackOverview({ check, onToggle }: { check: PackCheck; onToggle: (index: number, enabled: boolean) => void }) {
  if (check.state === 'empty') return <p className="hint">Load or import a rule pack, or write one.</p>;
  if (check.state === 'invalid') {
    return (
      <div className="notice notice-warning" data-testid="rules-check">
        <p className="notice-message">The rule pack has {formatCount(check.issues.length, 'problem')}:</p>
        <ul className="issue-list">
          {check.issues.map((issue, index) => (
            <li key={index}>
              <code>{issue.path}</code>: {issue.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }

  return (
    <div data-testid="rules-check">
      <p className="hint">
        {check.pack.name}: {formatCount(check.pack.rules.filter((rule) => rule.enabled).length, 'rule')} on, {formatCount(check.pack.rules.filter((rule) => !rule.enabled).length, 'template')}{' '}
        off.
        {check.version === 1 && ' Version 1 file: it runs as converted to version 2; save it as version 2 to switch rules on or off here.'}
      </p>
      <ul className="rule-matches">
        {check.pack.rules.map((rule, index) => (
          <li key={rule.id}>
            <label className="choice">
              <input
                type="checkbox"
                data-testid="rules-enable"
                data-rule-id={rule.id}
                checked={rule.enabled}
                disabled={check.version !== 2}
                onChange={(event) => onToggle(index, event.target.checked)}
              />{' '}
              <strong>{rule.name}</strong> <code>{rule.id}</code> v{rule.version} <span className="badge">{rule.severity}</span>
            </label>
            {rule.description && <span className="hint"> {rule.description}</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Says whether the text in the editor is the rule pack saved with the case. */
function savedStateText(savedText: string | null, text: string): string {
  if (savedText === null) return 'No rule file is saved with this case yet.';
  if (savedText === text) return "This is the case's saved rule file.";
  return "Changed since the case's rule file was saved.";
}
