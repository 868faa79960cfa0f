// One rule's result: its hits per message, each match explained in words, with the matched text shown
// highlighted in its context once the investigator opens the message's hits.
import { useState } from 'react';

import type { MessageRecord, RuleMatch, RuleMessageHit, RuleResult } from '../../../../shared/types.js';
import { call } from '../../api.js';
import { ErrorNotice } from '../../components/ErrorNotice.js';
import { formatCount } from '../../format.js';
import { useAction } from '../../use-action.js';
import { contextOf, recordOfHit, textOfMatch } from './hit-context.js';

interface RuleResultViewProps {
  caseDir: string;
  rule: RuleResult;
  onOpenMessage: (sha256: string) => void;
}

export function RuleResultView({ caseDir, rule, onOpenMessage }: RuleResultViewProps) {
  return (
    <details className="rule-result" data-testid="rule-result" data-rule-id={rule.id}>
      <summary>
        <span className="rule-name">{rule.name}</span> <code>{rule.id}</code> v{rule.version} <span className="badge">{rule.severity}</span>{' '}
        <span className="badge">{rule.type}</span>{' '}
        <span className="rule-hits" data-testid="rule-hits">
          {rule.enabled ? formatCount(rule.hits, 'hit') : 'off'}
        </span>
        {rule.aborted.length > 0 && <span className="badge badge-warning"> aborted on {formatCount(rule.aborted.length, 'message')}</span>}
      </summary>
      {rule.tags.length > 0 && <p className="hint">Tags added to each hit: {rule.tags.join(', ')}</p>}
      {!rule.enabled && <p className="hint">This rule is a template and was not run. Fill in its lists and switch it on.</p>}
      {rule.enabled && rule.details.length === 0 && <p className="hint">No message matched.</p>}
      {rule.details.length > 0 && (
        <ul className="rule-messages">
          {rule.details.map((hit) => (
            <MessageHitView key={`${hit.sha256}/${hit.embeddedPath ?? ''}`} caseDir={caseDir} hit={hit} onOpenMessage={onOpenMessage} />
          ))}
        </ul>
      )}
      {rule.aborted.length > 0 && (
        <ul className="rule-messages">
          {rule.aborted.map((abort, index) => (
            <li key={index} className="row-warning">
              <code>{abort.sha256.slice(0, 16)}…</code> {abort.embeddedPath !== null && `(embedded message ${abort.embeddedPath}) `}
              {abort.reason}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

function MessageHitView({ caseDir, hit, onOpenMessage }: { caseDir: string; hit: RuleMessageHit; onOpenMessage: (sha256: string) => void }) {
  const [record, setRecord] = useState<MessageRecord | null>(null);
  const loadRecord = useAction(async () => {
    const loaded = await call('message:get', { dir: caseDir, sha256: hit.sha256 });
    setRecord(recordOfHit(loaded, hit));
  });

  return (
    <li data-testid="rule-hit-message">
      <button type="button" className="link-button" onClick={() => onOpenMessage(hit.sha256)}>
        <code>{hit.sha256.slice(0, 16)}…</code>
      </button>
      {hit.embeddedPath !== null && <span className="hint"> embedded message at part {hit.embeddedPath}</span>}{' '}
      {record === null && (
        <button type="button" className="link-button" data-testid="rule-hit-context" disabled={loadRecord.busy} onClick={() => void loadRecord.run()}>
          Show in context
        </button>
      )}
      <ErrorNotice error={loadRecord.error} testId="rule-hit-context-error" />
      <ul className="rule-matches">
        {hit.matches.map((match, index) => (
          <MatchView key={index} match={match} record={record} />
        ))}
      </ul>
    </li>
  );
}

function MatchView({ match, record }: { match: RuleMatch; record: MessageRecord | null }) {
  const text = record === null ? null : textOfMatch(record, match);
  const context = text === null ? null : contextOf(text, match);
  const chain = match.decoding;

  return (
    <li data-testid="rule-match">
      <span data-testid="rule-match-explanation">{match.explanation}</span> <span className="badge">{match.confidence} confidence</span>
      {chain !== null && (
        <span className="hint">
          {' '}
          Decoded from part {chain.path}: {chain.contentType}
          {chain.transferEncoding !== null && `, ${chain.transferEncoding}`}
          {chain.charsetUsed !== null && `, ${chain.charsetUsed}`}
          {chain.declaredCharset !== null && chain.declaredCharset !== chain.charsetUsed && ` (declared ${chain.declaredCharset})`}.
        </span>
      )}
      {context !== null && (
        <div className="snippet" data-testid="rule-match-context">
          {context.before}
          <mark>{context.match}</mark>
          {context.after}
        </div>
      )}
      {record !== null && text !== null && context === null && <p className="hint">The message text no longer matches the stored offsets; run the rules again.</p>}
    </li>
  );
}
