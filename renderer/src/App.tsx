// The app shell: a sidebar of sections and the open case, shared state between features.
import { useCallback, useState } from 'react';

import type { DemoStartReply } from '../../shared/demo-types.js';
import type { CaseSummary } from '../../shared/types.js';
import { call } from './api.js';
import { Panel } from './components/Panel.js';
import { formatCount } from './format.js';
import { AcquisitionPanel } from './features/acquisition/AcquisitionPanel.js';
import { CasePanel } from './features/case/CasePanel.js';
import { DiagnosticsButton } from './features/diagnostics/DiagnosticsButton.js';
import { toDemoMailboxForm } from './features/demo/demo-form.js';
import { DemoMailboxNotice, TryDemoButton } from './features/demo/TryDemoButton.js';
import { ExportPanel } from './features/export/ExportPanel.js';
import { VerifyPanel } from './features/export/VerifyPanel.js';
import { ImportPanel } from './features/import/ImportPanel.js';
import { EMPTY_MAILBOX_FORM, type MailboxForm } from './features/mailbox/mailbox-form.js';
import { MailboxPanel } from './features/mailbox/MailboxPanel.js';
import { MessagesPanel } from './features/messages/MessagesPanel.js';
import { RulesPanel } from './features/rules/RulesPanel.js';
import { SearchPanel } from './features/search/SearchPanel.js';

type SectionId = 'case' | 'mailbox' | 'import' | 'messages' | 'search' | 'rules' | 'export' | 'verify';

const SECTIONS: { id: SectionId; label: string; needsCase: boolean }[] = [
  { id: 'case', label: 'Case', needsCase: false },
  { id: 'mailbox', label: 'Mailbox and acquisition', needsCase: true },
  { id: 'import', label: 'Import files', needsCase: true },
  { id: 'messages', label: 'Messages', needsCase: true },
  { id: 'search', label: 'Search', needsCase: true },
  { id: 'rules', label: 'Rules', needsCase: true },
  { id: 'export', label: 'Export', needsCase: true },
  { id: 'verify', label: 'Verify bundle', needsCase: false },
];

export function App() {
  const [section, setSection] = useState<SectionId>('case');
  const [caseSummary, setCaseSummary] = useState<CaseSummary | null>(null);
  const [mailboxForm, setMailboxForm] = useState<MailboxForm>(EMPTY_MAILBOX_FORM);
  const [messagesVersion, setMessagesVersion] = useState(0);
  const [selectedMessage, setSelectedMessage] = useState<string | null>(null);
  const [lastSearchQuery, setLastSearchQuery] = useState<string | null>(null);
  const [demo, setDemo] = useState<DemoStartReply | null>(null);

  const openCase = useCallback((summary: CaseSummary) => {
    setCaseSummary(summary);
    setSelectedMessage(null);
    setLastSearchQuery(null);
    setMessagesVersion((version) => version + 1);
  }, []);

  const closeCase = useCallback(() => {
    setCaseSummary(null);
    setSelectedMessage(null);
    setLastSearchQuery(null);
  }, []);

  const startDemo = useCallback(
    (started: DemoStartReply, summary: CaseSummary) => {
      setDemo(started);
      setMailboxForm(toDemoMailboxForm(started));
      openCase(summary);
      setSection('mailbox');
    },
    [openCase],
  );

  const caseDir = caseSummary?.dir ?? null;
  const refreshCase = useCallback(() => {
    setMessagesVersion((version) => version + 1);
    if (caseDir === null) return;
    // A failed refresh keeps the previous summary, because the acquisition panel already shows the job's error.
    call('case:open', { dir: caseDir }).then(setCaseSummary, () => undefined);
  }, [caseDir]);

  const openMessage = useCallback((sha256: string) => {
    setSelectedMessage(sha256);
    setSection('messages');
  }, []);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Sections">
        <h1 className="brand">Mailcase</h1>
        <p className="sidebar-case" data-testid="sidebar-case">
          {caseSummary ? `${caseSummary.name}: ${formatCount(caseSummary.messageCount, 'message')}` : 'No case open'}
        </p>
        <ul>
          {SECTIONS.map((entry) => (
            <li key={entry.id}>
              <button
                type="button"
                data-testid={`nav-${entry.id}`}
                className={section === entry.id ? 'nav-item active' : 'nav-item'}
                aria-current={section === entry.id ? 'page' : undefined}
                disabled={entry.needsCase && caseDir === null}
                onClick={() => setSection(entry.id)}
              >
                {entry.label}
              </button>
            </li>
          ))}
        </ul>
        <DiagnosticsButton />
      </nav>

      <main className="content">
        {/* Sections stay mounted while hidden so their inputs and results survive switching. */}
        <Panel title="Case" testId="section-case" hidden={section !== 'case'}>
          <CasePanel summary={caseSummary} onOpened={openCase} onOpenFailed={closeCase} />
          <TryDemoButton onStarted={startDemo} />
        </Panel>
        {caseDir !== null && (
          <>
            <Panel title="Mailbox and acquisition" testId="section-mailbox" hidden={section !== 'mailbox'}>
              {demo !== null && demo.caseDir === caseDir && <DemoMailboxNotice demo={demo} />}
              <MailboxPanel form={mailboxForm} onChange={setMailboxForm} />
              <h3>Acquisition</h3>
              <AcquisitionPanel caseDir={caseDir} form={mailboxForm} onFinished={refreshCase} />
            </Panel>
            <Panel title="Import files" testId="section-import" hidden={section !== 'import'}>
              <ImportPanel key={caseDir} caseDir={caseDir} onFinished={refreshCase} />
            </Panel>
            <Panel title="Messages" testId="section-messages" hidden={section !== 'messages'}>
              <MessagesPanel caseDir={caseDir} reloadKey={messagesVersion} selectedSha256={selectedMessage} onSelect={setSelectedMessage} />
            </Panel>
            <Panel title="Search" testId="section-search" hidden={section !== 'search'}>
              <SearchPanel key={caseDir} caseDir={caseDir} onSearched={setLastSearchQuery} onOpenMessage={openMessage} />
            </Panel>
            <Panel title="Rules" testId="section-rules" hidden={section !== 'rules'}>
              <RulesPanel key={caseDir} caseDir={caseDir} onOpenMessage={openMessage} />
            </Panel>
            <Panel title="Export" testId="section-export" hidden={section !== 'export'}>
              <ExportPanel key={caseDir} caseDir={caseDir} searchQuery={lastSearchQuery} />
            </Panel>
          </>
        )}
        <Panel title="Verify bundle" testId="section-verify" hidden={section !== 'verify'}>
          <VerifyPanel />
        </Panel>
      </main>
    </div>
  );
}
