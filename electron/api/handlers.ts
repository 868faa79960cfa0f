// The handler table behind every channel of the contract: opens cases, runs acquisitions as background
// jobs and calls the search, rules and bundle services. Shared by Electron IPC and the review server.
import { rmSync } from 'node:fs';
import path from 'node:path';

import type { ParsedChannelInput } from '../../shared/contract.js';
import { MailcaseError } from '../../shared/errors.js';
import { explainQuery, parseQuery } from '../../shared/query-parser.js';
import type { AddressEntry, CaseSummary, MailboxConfig, MessageRecord, MessageSummary, ReviewState } from '../../shared/types.js';
import { acquireMailbox } from '../acquisition/acquire-mailbox.js';
import { testConnection } from '../acquisition/test-connection.js';
import { exportBundle } from '../bundle/export-bundle.js';
import { defaultConfigDir } from '../bundle/signing-key.js';
import { verifyBundle } from '../bundle/verify-bundle.js';
import { createDemoCaseService } from '../demo/demo-case.js';
import { CaseStore } from '../evidence/case-store.js';
import { acquireLockFile } from '../evidence/lock-file.js';
import { importMessages } from '../import/import-messages.js';
import { createLogger, currentLogFile } from '../logging/logger.js';
import type { CredentialStore } from '../shell/credential-store.js';
import { collectDiagnostics } from '../shell/diagnostics.js';
import { checkNewMail } from '../rules/active-rules.js';
import { addNote, addTag, loadReviewStates, removeTag, setFlagged } from '../review/review-store.js';
import { builtinPacks } from '../rules/active-rules.js';
import { runRules } from '../rules/run-rules.js';
import { searchCase } from '../search/search-index.js';
import { CaseProcessor } from './case-processor.js';
import { readCaseRules, saveCaseRules } from './case-rules.js';
import type { HandlerTable } from './handler-table.js';
import { JobRegistry } from './job-registry.js';
import { describeSigner, readOwnKeyFingerprint } from '../bundle/signer-trust.js';

const log = createLogger('handlers');

export interface HandlerOptions {
  /** Folder containing the bundle signing key. Defaults to the user's Mailcase config folder. */
  configDir?: string;
  /** Returns the signing key's passphrase (the desktop app keeps it with safeStorage). Without it the key is used unencrypted. */
  keyPassphrase?: () => Promise<string | undefined>;
  /** Demo mailbox settings for 'demo:start'. Cases go to <configDir>/demo-cases unless casesDir is given. */
  demo?: { casesDir?: string; messages?: number; seed?: number };
  /** Remembered mailbox passwords (the desktop app's OS keychain). Without it, every sync requires the password. */
  credentials?: CredentialStore;
  /** Mode named in diagnostics, for example "desktop" or "browser review mode". */
  mode?: string;
  /**
   * Hold a lock file in each case this table opens for as long as the process runs, so a second app window or
   * review server cannot open the same case. The CLI does not: each of its writes takes the case's own locks.
   */
  lockOpenCases?: boolean;
}

/** Lock file, relative to the case folder, held while an app window or review server has the case open. */
export const OPEN_CASE_LOCK_FILE = 'case-open.lock';

/**
 * Creates the handler table. Each table keeps one CaseStore per case folder, because a custody log
 * accepts one writer at a time, and its own registry of acquisition jobs.
 */
export function createHandlers(options: HandlerOptions = {}): HandlerTable {
  const stores = new Map<string, CaseStore>();
  const processors = new Map<CaseStore, CaseProcessor>();
  const jobs = new JobRegistry();
  const acquiringDirs = new Set<string>();
  const demo = createDemoCaseService({
    casesDir: options.demo?.casesDir ?? path.join(options.configDir ?? defaultConfigDir(), 'demo-cases'),
    ...(options.demo?.messages === undefined ? {} : { messages: options.demo.messages }),
    ...(options.demo?.seed === undefined ? {} : { seed: options.demo.seed }),
  });

  /** Keeps an opened store for later requests, first taking the case's open lock when the table holds one. */
  const keepStore = async (store: CaseStore): Promise<void> => {
    if (stores.has(store.dir)) return;
    if (options.lockOpenCases) {
      const lockPath = path.join(store.dir, OPEN_CASE_LOCK_FILE);
      await acquireLockFile(lockPath, {
        timeoutMs: 0,
        heldMessage: 'This case is open in another Mailcase window or review server. Close it there and try again.',
      });
      releaseOnExit(lockPath);
    }
    stores.set(store.dir, store);
  };

  const openStore = async (dir: string): Promise<CaseStore> => {
    const absolute = requireAbsolutePath(dir, 'dir');
    const cached = stores.get(absolute);
    if (cached) return cached;

    const store = await CaseStore.open(absolute);
    await keepStore(store);
    return store;
  };

  const processorFor = (store: CaseStore): CaseProcessor => {
    let processor = processors.get(store);
    if (!processor) {
      processor = new CaseProcessor(store);
      processors.set(store, processor);
    }
    return processor;
  };

  /** Returns the password typed in, else the remembered one, else fails asking for it. */
  const resolvePassword = async (mailbox: MailboxConfig, typed: string | undefined): Promise<string> => {
    if (typed !== undefined) return typed;

    const saved = (await options.credentials?.load(mailbox)) ?? null;
    if (saved !== null) return saved;
    throw new MailcaseError('INVALID_INPUT', 'Password missing and none remembered', {
      userMessage: 'Enter the mailbox password.',
      details: { field: 'password' },
    });
  };

  /** Saves a password that just logged in successfully, when the investigator asked to remember it. */
  const rememberIfRequested = async (mailbox: MailboxConfig, typed: string | undefined, remember: boolean): Promise<void> => {
    if (!remember || typed === undefined || !options.credentials) return;
    try {
      await options.credentials.save(mailbox, typed);
    } catch (error) {
      // The login worked, so the run goes on; the investigator types the password again next time.
      log.warn('Password not remembered', { host: mailbox.host, user: mailbox.user, error: error instanceof Error ? error.message : String(error) });
    }
  };

  /** Opens a case and parses any stored message that has no record yet, so readers see every message. */
  const openProcessedStore = async (dir: string): Promise<CaseStore> => {
    const store = await openStore(dir);
    await processorFor(store).ensureProcessed();
    return store;
  };

  return {
    'case:open': async (input) => {
      const absolute = requireAbsolutePath(input.dir, 'dir');
      if (input.create) {
        const created = await CaseStore.create(absolute, input.name);
        await keepStore(created);
        log.info('Case created', { caseId: created.info.caseId });
      }
      const store = await openStore(absolute);
      await processorFor(store).ensureProcessed({ force: true });
      return summarizeCase(store);
    },

    'mailbox:test': async (input) => {
      const mailbox = toMailboxConfig(input.mailbox);
      const result = await testConnection(mailbox, await resolvePassword(mailbox, input.password));
      await rememberIfRequested(mailbox, input.password, input.rememberPassword);
      return result;
    },

    'credentials:status': async (input) => {
      const mailbox = toMailboxConfig(input.mailbox);
      const available = options.credentials?.isAvailable() ?? false;
      return { available, saved: available && ((await options.credentials?.has(mailbox)) ?? false) };
    },

    'credentials:forget': async (input) => {
      const mailbox = toMailboxConfig(input.mailbox);
      await options.credentials?.forget(mailbox);
      return { available: options.credentials?.isAvailable() ?? false, saved: false };
    },

    'app:diagnostics': async () => ({
      text: await collectDiagnostics({ logFile: currentLogFile(), versions: process.versions, mode: options.mode ?? 'browser review mode' }),
    }),

    'acquisition:start': async (input) => {
      const store = await openStore(input.dir);
      if (acquiringDirs.has(store.dir)) {
        throw new MailcaseError('INVALID_INPUT', `An acquisition is already running for ${store.dir}`, {
          userMessage: 'An acquisition is already running for this case. Wait for it to finish.',
          details: { dir: store.dir },
        });
      }

      const mailbox = toMailboxConfig(input.mailbox);
      const password = await resolvePassword(mailbox, input.password);
      acquiringDirs.add(store.dir);
      const processor = processorFor(store);
      const jobId = jobs.start(async (reporter, signal) => {
        try {
          const summary = await acquireMailbox({ store, mailbox, password, signal, onProgress: (progress) => reporter.progress(progress) });
          await rememberIfRequested(mailbox, input.password, input.rememberPassword);
          reporter.progress({ phase: 'processing', total: 0, done: 0, currentUidl: null });
          await processor.ensureProcessed({
            onProgress: (done, total) => reporter.progress({ phase: 'processing', total, done, currentUidl: null }),
          });
          // New mail is checked against the case's active rules at once; a failure is logged, not fatal.
          if (summary.newMessages.length > 0) await checkNewMail(store);
          log.info('Acquisition job finished', { caseId: store.info.caseId, runId: summary.runId, cancelled: summary.cancelled });
          return summary;
        } catch (error) {
          log.warn('Acquisition job failed', { caseId: store.info.caseId, error: error instanceof Error ? error.message : String(error) });
          await parseAfterFailure(processor, store);
          throw error;
        } finally {
          acquiringDirs.delete(store.dir);
        }
      });
      return { jobId };
    },

    'acquisition:cancel': async (input) => ({ cancelRequested: jobs.cancel(input.jobId) }),

    'job:get': async (input) => jobs.get(input.jobId),

    'messages:list': async (input) => {
      const store = await openStore(input.dir);
      const records = await store.loadRecords();
      const reviews = await loadReviewStates(store);
      return records.map((record) => summarizeMessage(record, reviews.get(record.sha256))).sort(compareNewestFirst);
    },

    'message:get': async (input) => {
      const store = await openStore(input.dir);
      const record = await store.loadRecord(input.sha256);
      if (!record) {
        throw new MailcaseError('MESSAGE_NOT_FOUND', `No parsed record for message ${input.sha256}`, {
          userMessage: 'This message is not in the case, or it has not been processed yet.',
          details: { sha256: input.sha256 },
        });
      }
      return record;
    },

    'review:get': async (input) => {
      const store = await openStore(input.dir);
      const states = await loadReviewStates(store);
      return states.get(input.sha256) ?? { sha256: input.sha256, tags: [], flagged: false, notes: [] };
    },

    'review:update': async (input) => {
      const store = await openStore(input.dir);
      switch (input.action) {
        case 'add-tag':
          return addTag(store, input.sha256, input.tag);
        case 'remove-tag':
          return removeTag(store, input.sha256, input.tag);
        case 'set-flag':
          return setFlagged(store, input.sha256, input.flagged);
        case 'add-note':
          return addNote(store, input.sha256, input.text);
      }
    },

    'search:run': async (input) => {
      const result = await searchCase(await openProcessedStore(input.dir), input.query, { sort: input.sort ?? 'relevance' });
      return input.explain === true && input.query.trim() !== '' ? { ...result, explanation: explainQuery(parseQuery(input.query)) } : result;
    },

    'rules:run': async (input) => runRules(await openProcessedStore(input.dir), input.rulesJson),

    'rules:get': async (input) => readCaseRules(await openStore(input.dir)),

    'rules:save': async (input) => saveCaseRules(await openStore(input.dir), input.rulesText),

    'rules:packs': async () => ({ packs: builtinPacks() }),

    'bundle:export': async (input) => exportSelection(await openProcessedStore(input.dir), input, options.configDir, await options.keyPassphrase?.()),

    'bundle:verify': async (input) => {
      const verification = await verifyBundle(requireAbsolutePath(input.file, 'file'));
      const ownFingerprint = await readOwnKeyFingerprint(options.configDir ?? defaultConfigDir());
      return describeSigner(verification, input.trustedFingerprint, ownFingerprint);
    },

    'demo:start': async (input) => {
      const { store, reply } = await demo.start(input.dir === undefined ? undefined : requireAbsolutePath(input.dir, 'dir'));
      await keepStore(store);
      return reply;
    },

    'case:import': async (input) => {
      const store = await openStore(input.dir);
      const paths = input.paths.map((given, index) => requireAbsolutePath(given, `paths.${index}`));
      const summary = await importMessages({ store, paths, format: input.format });
      // Forced, because a duplicate from a new file adds a source to a record without changing the stored messages.
      const processed = await processorFor(store).ensureProcessed({ force: true });
      if (summary.newCount > 0) await checkNewMail(store);
      log.info('Import finished', { caseId: store.info.caseId, importId: summary.importId, messages: summary.messages, problems: summary.problems.length });
      return { ...summary, parsed: processed?.parsed ?? 0, parseErrors: processed?.parseErrors ?? 0 };
    },
  };
}

/**
 * Parses the messages a failed acquisition stored before it stopped, so they show up without reopening the
 * case. A parsing failure here is logged and dropped, because the acquisition's own error is the one to report.
 */
async function parseAfterFailure(processor: CaseProcessor, store: CaseStore): Promise<void> {
  try {
    await processor.ensureProcessed();
  } catch (error) {
    log.warn('Parsing after a failed acquisition failed', { caseId: store.info.caseId, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Exports every message, or only the messages the given search query finds. */
async function exportSelection(store: CaseStore, input: ParsedChannelInput<'bundle:export'>, configDir: string | undefined, keyPassphrase: string | undefined) {
  const outFile = requireAbsolutePath(input.outFile, 'outFile');
  const settings = {
    store,
    outFile,
    configDir,
    keyPassphrase,
    investigator: input.investigator,
    organisation: input.organisation,
    caseReference: input.caseReference,
    includeMbox: input.includeMbox,
    timestampUrl: input.timestampUrl,
  };
  if (input.query === undefined) {
    return exportBundle(settings);
  }

  // Every matching stored message is exported, not one page of hits; hits in embedded messages count as their parent.
  const sha256s = (await searchCase(store, input.query, { limit: 0, allMatches: true })).sha256s ?? [];
  if (sha256s.length === 0) {
    throw new MailcaseError('INVALID_INPUT', `Search "${input.query.slice(0, 200)}" found no messages to export`, {
      userMessage: 'The current search finds no messages, so there is nothing to export. Change the search or export all messages.',
      details: { query: input.query.slice(0, 200) },
    });
  }
  return exportBundle({ ...settings, sha256s });
}

async function summarizeCase(store: CaseStore): Promise<CaseSummary> {
  const stored = await store.listMessages();
  const records = await store.loadRecords();
  return {
    dir: store.dir,
    name: store.info.name,
    caseId: store.info.caseId,
    messageCount: stored.length,
    parseErrorCount: records.filter((record) => record.parseError !== null).length,
  };
}

/** Removes a lock file when the process exits, even on process.exit(); a crash leaves it for stale-lock detection. */
function releaseOnExit(lockPath: string): void {
  process.once('exit', () => rmSync(lockPath, { force: true }));
}

function summarizeMessage(record: MessageRecord, review: ReviewState | undefined): MessageSummary {
  return {
    sha256: record.sha256,
    date: record.date,
    from: formatAddress(record.from[0]),
    subject: record.subject,
    size: record.size,
    attachmentCount: record.attachments.length,
    parseError: record.parseError,
    tags: review?.tags ?? [],
    flagged: review?.flagged ?? false,
  };
}

function formatAddress(entry: AddressEntry | undefined): string {
  if (!entry) return '';
  if (entry.name && entry.address) return `${entry.name} <${entry.address}>`;
  return entry.address || entry.name;
}

/** Sorts by date, newest first; messages without a date go last, and ties fall back to the SHA-256. */
function compareNewestFirst(a: MessageSummary, b: MessageSummary): number {
  if (a.date !== b.date) {
    if (a.date === null) return 1;
    if (b.date === null) return -1;
    return a.date < b.date ? 1 : -1;
  }
  return a.sha256 < b.sha256 ? -1 : 1;
}

function toMailboxConfig(mailbox: ParsedChannelInput<'mailbox:test'>['mailbox']): MailboxConfig {
  return {
    host: mailbox.host,
    port: mailbox.port,
    security: mailbox.security,
    user: mailbox.user,
    trustFingerprint: mailbox.trustFingerprint,
    auth: mailbox.auth,
  };
}

/**
 * Returns the path unchanged when it is absolute. Relative paths are rejected because the app's
 * working folder is invisible to the investigator, so a relative path would land somewhere unexpected.
 */
function requireAbsolutePath(value: string, field: string): string {
  if (!path.isAbsolute(value)) {
    throw new MailcaseError('INVALID_INPUT', `${field} must be an absolute path: ${value.slice(0, 200)}`, {
      userMessage: `Enter a full path starting from the root of the disk (for example /home/me/cases/case-1), not "${value.slice(0, 200)}".`,
      details: { issues: [{ path: field, message: 'Expected an absolute path' }] },
    });
  }
  return path.resolve(value);
}
