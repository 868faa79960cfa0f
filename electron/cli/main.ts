// The mailcase command line: every step of the investigation, for scripts and tests.
import { createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { MailcaseError, serializeError } from '../../shared/errors.js';
import { mailboxSchema } from '../../shared/contract.js';
import { MAX_RULE_FILE_BYTES } from '../../shared/limits.js';
import { pluralize } from '../../shared/text.js';
import type { AcquisitionProgress, MailboxConfig, RuleRunResult } from '../../shared/types.js';
import { acquireMailbox } from '../acquisition/acquire-mailbox.js';
import { testConnection } from '../acquisition/test-connection.js';
import { createHandlers } from '../api/handlers.js';
import { exportBundle } from '../bundle/export-bundle.js';
import { KEY_PASSPHRASE_ENV, readKeyPassphrase } from './key-passphrase.js';
import { assessSignerTrust, type SignerTrustStatus } from '../bundle/signer-trust.js';
import { defaultConfigDir, fingerprintOf, readPublicKey, readSigningKeyState } from '../bundle/signing-key.js';
import { verifyBundle } from '../bundle/verify-bundle.js';
import { CaseStore } from '../evidence/case-store.js';
import { verifyCase } from '../evidence/verify-case.js';
import { logToFile } from '../logging/logger.js';
import { processCase, rebuildCase } from '../parsing/process-case.js';
import { importMessages } from '../import/import-messages.js';
import { IMPORT_FORMATS, type ImportFormat } from '../../shared/import-types.js';
import { explainQuery, parseQuery } from '../../shared/query-parser.js';
import { startReviewServer } from '../review-server/review-server.js';
import { checkNewMail, runActiveRules } from '../rules/active-rules.js';
import { runRules } from '../rules/run-rules.js';
import { searchCase } from '../search/search-index.js';
import { readPassword } from './password-prompt.js';
import { USAGE } from './usage.js';

/** Exit status when verification ran and found problems. */
const EXIT_INVALID = 1;
/** Exit status when an import was cancelled or left some named files or messages out. */
const EXIT_INCOMPLETE = 1;
/** Exit status for every error that stopped a command. */
const EXIT_ERROR = 2;


const OPTIONS = {
  case: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  security: { type: 'string' },
  user: { type: 'string' },
  'trust-fingerprint': { type: 'string' },
  auth: { type: 'string' },
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
  sort: { type: 'string' },
  explain: { type: 'boolean', default: false },
  rules: { type: 'string' },
  out: { type: 'string' },
  query: { type: 'string' },
  'trusted-key': { type: 'string' },
  'trusted-fingerprint': { type: 'string' },
  format: { type: 'string' },
  messages: { type: 'string' },
  seed: { type: 'string' },
  investigator: { type: 'string' },
  organisation: { type: 'string' },
  'case-reference': { type: 'string' },
  mbox: { type: 'boolean', default: false },
  tsa: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** Runs one CLI invocation and returns its exit status. */
export async function runCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new MailcaseError('INVALID_INPUT', (error as Error).message, {
      userMessage: `${(error as Error).message}. Run "mailcase --help" for the options.`,
    });
  }

  const [command, ...rest] = parsed.positionals;
  const options = parsed.values;
  if (!command || options.help || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }

  switch (command) {
    case 'test-connection':
      return commandTestConnection(options);
    case 'acquire':
      return commandAcquire(options);
    case 'search':
      return commandSearch(options, rest);
    case 'rules':
      return commandRules(options);
    case 'export':
      return commandExport(options);
    case 'verify':
      return commandVerify(options, rest);
    case 'key':
      return commandKey(options, rest);
    case 'verify-case':
      return commandVerifyCase(options);
    case 'import':
      return commandImport(options, rest);
    case 'rebuild':
      return commandRebuild(options);
    case 'web':
      return commandWeb(options);
    case 'demo-server':
      return commandDemoServer(options);
    default:
      throw new MailcaseError('INVALID_INPUT', `Unknown command "${command}"`, {
        userMessage: `Unknown command "${command}". Run "mailcase --help" for the list of commands.`,
      });
  }
}

function requireOption(options: Options, name: 'case' | 'host' | 'user' | 'out'): string {
  const value = options[name];
  if (!value) {
    throw new MailcaseError('INVALID_INPUT', `Missing --${name}`, { userMessage: `Missing --${name}. Run "mailcase --help" for the options.` });
  }
  return value;
}

function parseMailbox(options: Options): MailboxConfig {
  const security = options.security ?? 'tls';
  const defaultPort = security === 'tls' ? 995 : 110;
  const port = options.port === undefined ? defaultPort : Number(options.port);
  const result = mailboxSchema.safeParse({
    host: requireOption(options, 'host'),
    port,
    security,
    user: requireOption(options, 'user'),
    trustFingerprint: options['trust-fingerprint'],
    auth: options.auth ?? 'auto',
  });
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `--${String(issue.path[0] ?? '?')}: ${issue.message}`);
    throw new MailcaseError('INVALID_INPUT', `Invalid mailbox options: ${issues.join('; ')}`, { details: { issues } });
  }
  return result.data;
}

/**
 * Opens the case named by --case and parses any stored message that has no derived record yet, so search,
 * rules and export never silently miss messages left unparsed by an interrupted acquisition.
 */
async function openProcessedCase(options: Options): Promise<CaseStore> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  await processCase(store);
  return store;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

async function commandTestConnection(options: Options): Promise<number> {
  const mailbox = parseMailbox(options);
  const password = await readPassword(`Password for ${mailbox.user}@${mailbox.host}: `);
  const result = await testConnection(mailbox, password);
  if (options.json) {
    printJson(result);
    return 0;
  }
  process.stdout.write(`Connected to ${mailbox.host}:${mailbox.port}: ${result.messageCount} messages, ${result.mailboxOctets} octets.\n`);
  if (result.tlsFingerprint) process.stdout.write(`Server certificate SHA-256: ${result.tlsFingerprint}\n`);
  return 0;
}

async function commandAcquire(options: Options): Promise<number> {
  const mailbox = parseMailbox(options);
  const caseDir = requireOption(options, 'case');
  const password = await readPassword(`Password for ${mailbox.user}@${mailbox.host}: `);
  const store = await CaseStore.openOrCreate(caseDir);

  // The first Ctrl-C cancels cleanly: messages in flight are stored and the custody log records the stop.
  const cancel = new AbortController();
  const onInterrupt = (): void => {
    if (!options.json) process.stderr.write('\nCancelling after the messages in flight are stored...\n');
    cancel.abort();
  };
  process.once('SIGINT', onInterrupt);

  let summary;
  try {
    summary = await acquireMailbox({
      store,
      mailbox,
      password,
      signal: cancel.signal,
      onProgress: (progress) => {
        if (!options.json && progress.phase === 'downloading') process.stderr.write(`\r${describeProgress(progress)}`);
      },
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (!options.json) process.stderr.write('\n');

  const processed = await processCase(store);
  const rulesRun = summary.newMessages.length > 0 ? await checkNewMail(store) : null;
  if (!options.json && rulesRun !== null) process.stderr.write(`${describeRulesRun(rulesRun)}\n`);
  if (options.json) {
    printJson({
      ...summary,
      new: summary.newMessages.length,
      newUidls: summary.new,
      parsed: processed.parsed,
      parseErrors: processed.parseErrors,
    });
    return 0;
  }
  process.stdout.write(
    `${summary.cancelled ? 'Cancelled. ' : ''}Acquired ${summary.newMessages.length} new messages (${summary.alreadyHeld} already held, ` +
      `${summary.serverMessageCount} on the server, ${summary.bytes} octets received) into ${store.dir}.\n` +
      `Vanished from the server since the last run: ${summary.vanished.length}; reappeared: ${summary.reappeared.length}; ` +
      `size changed: ${summary.sizeChanged.length}.\n` +
      `Parsed ${processed.parsed} messages; ${processed.parseErrors} could not be parsed and are flagged.\n`,
  );
  if (!summary.uidlSupported) process.stdout.write('Warning: the server does not support UIDL, so every message was fetched.\n');
  for (const warning of summary.warnings) {
    process.stdout.write(
      `Warning: message ${warning.messageNumber} (UIDL ${warning.uidl ?? 'none'}) was listed as ${warning.listSize} octets ` +
        `but ${warning.receivedSize} were received, also on a second try; stored as received.\n`,
    );
  }
  for (const failure of summary.failed) {
    process.stdout.write(
      `Warning: the server refused message ${failure.messageNumber} (UIDL ${failure.uidl ?? 'none'}): ${failure.reply}. ` +
        'Run acquire again to retry it.\n',
    );
  }
  for (const uidl of summary.refetched) {
    process.stdout.write(`Warning: the stored file of UIDL ${uidl} was missing from the case and was fetched again.\n`);
  }
  return 0;
}

/** Formats a download progress line: messages, octets, rate and estimated time left. */
function describeProgress(progress: AcquisitionProgress): string {
  const mebibytes = (octets: number | undefined): string => ((octets ?? 0) / (1024 * 1024)).toFixed(1);
  const eta = progress.etaSeconds === null || progress.etaSeconds === undefined ? '?' : `${progress.etaSeconds} s`;
  return (
    `Downloading ${progress.done}/${progress.total} messages, ${mebibytes(progress.bytesDone)}/${mebibytes(progress.bytesTotal)} MiB ` +
    `at ${mebibytes(progress.bytesPerSecond)} MiB/s, ${eta} left   `
  );
}

async function commandSearch(options: Options, positionals: string[]): Promise<number> {
  const query = positionals.join(' ');
  if (!query.trim()) throw new MailcaseError('INVALID_INPUT', 'Missing QUERY', { userMessage: 'Missing search query. Example: mailcase search --case DIR "falcon pricing"' });
  const sort = options.sort ?? 'relevance';
  if (sort !== 'relevance' && sort !== 'date') {
    throw new MailcaseError('INVALID_INPUT', `Invalid --sort ${sort.slice(0, 40)}`, { userMessage: `--sort must be relevance or date, not "${sort.slice(0, 40)}".` });
  }

  if (options.explain) {
    const tree = parseQuery(query);
    const explanation = explainQuery(tree);
    if (options.json) printJson({ query, tree, explanation });
    else process.stdout.write(`${explanation}\n`);
    return 0;
  }

  const store = await openProcessedCase(options);
  const limit = options.limit === undefined ? undefined : Number(options.limit);
  const result = await searchCase(store, query, limit === undefined ? { sort } : { limit, sort });
  if (result.notice !== undefined) process.stderr.write(`${result.notice}\n`);
  if (options.json) {
    printJson({
      total: result.total,
      sort: result.sort,
      hits: result.hits.map((hit) => ({ sha256: hit.sha256, recordId: hit.recordId, date: hit.date, from: hit.from, subject: hit.subject, score: hit.score })),
    });
    return 0;
  }

  process.stdout.write(`${pluralize(result.total, 'message')} ${result.total === 1 ? 'matches' : 'match'}.\n`);
  for (const hit of result.hits) {
    const embedded = hit.embedded ? `  (embedded ${hit.recordId})` : '';
    process.stdout.write(`${hit.date ?? '(no date)'}  ${hit.from}  ${hit.subject}\n  ${hit.sha256}${embedded}\n  ${hit.snippet}\n`);
  }
  return 0;
}

async function commandRules(options: Options): Promise<number> {
  const store = await openProcessedCase(options);
  // Without --rules the case's saved pack runs, or the built-in default pack when none is saved.
  const result = options.rules === undefined ? await runActiveRules(store) : await runRules(store, await readRuleFile(options.rules));
  if (options.json) {
    printJson({
      rules: result.rules.map((rule) => ({ id: rule.id, name: rule.name, severity: rule.severity, hits: rule.hits, messages: rule.messages })),
      record: result,
    });
    return 0;
  }
  for (const rule of result.rules) {
    const state = rule.enabled ? pluralize(rule.hits, 'message') : 'disabled (template)';
    process.stdout.write(`${rule.id} v${rule.version} [${rule.severity}]  ${rule.name}: ${state}\n`);
    for (const hit of rule.details) {
      const where = hit.embeddedPath === null ? hit.sha256 : `${hit.sha256} (embedded message ${hit.embeddedPath})`;
      process.stdout.write(`  ${where}\n`);
      for (const match of hit.matches) process.stdout.write(`    ${match.explanation}\n`);
    }
    for (const abort of rule.aborted) process.stdout.write(`  ${abort.sha256}  aborted: ${abort.reason}\n`);
  }
  process.stdout.write(`Run record ${result.contentSha256} (rule pack ${result.rulesSha256}, evidence ${result.evidenceSha256}).\n`);
  return 0;
}

/** Reads a rule file after checking it is a regular file within MAX_RULE_FILE_BYTES, so a FIFO or a huge file is rejected. */
async function readRuleFile(rulesPath: string): Promise<string> {
  const stat = await fs.stat(rulesPath).catch(() => null);
  if (!stat) {
    throw new MailcaseError('RULES_INVALID', `Cannot read rule file ${rulesPath}`, {
      userMessage: `Cannot read the rule file ${rulesPath}. Check the path.`,
    });
  }
  if (!stat.isFile()) {
    throw new MailcaseError('RULES_INVALID', `${rulesPath} is not a regular file`, { userMessage: `${rulesPath} is not a regular file. Pass a JSON rule file.` });
  }
  if (stat.size > MAX_RULE_FILE_BYTES) {
    throw new MailcaseError('RULES_INVALID', `${rulesPath} is ${stat.size} bytes, over the ${MAX_RULE_FILE_BYTES}-byte limit`, {
      userMessage: `The rule file ${rulesPath} is larger than the ${MAX_RULE_FILE_BYTES / (1024 * 1024)} MB limit. Split it into smaller rule files.`,
    });
  }
  return fs.readFile(rulesPath, 'utf8');
}

async function commandExport(options: Options): Promise<number> {
  const store = await openProcessedCase(options);
  const outFile = path.resolve(requireOption(options, 'out'));
  if (await fs.stat(outFile).then(() => true, () => false)) {
    throw new MailcaseError('INVALID_INPUT', `${outFile} already exists`, {
      userMessage: `${outFile} already exists. Choose another file name; an existing bundle is never overwritten.`,
      details: { file: outFile },
    });
  }
  let sha256s: string[] | undefined;
  if (options.query) {
    sha256s = (await searchCase(store, options.query, { limit: 0, allMatches: true })).sha256s ?? [];
  }

  const keyPassphrase = await readKeyPassphrase(defaultConfigDir());
  const result = await exportBundle({
    store,
    outFile,
    sha256s,
    keyPassphrase,
    investigator: options.investigator,
    organisation: options.organisation,
    caseReference: options['case-reference'],
    includeMbox: options.mbox,
    timestampUrl: options.tsa,
  });
  if (options.json) {
    printJson(result);
    return 0;
  }
  process.stdout.write(
    `Exported ${pluralize(result.messageCount, 'message')} to ${result.file}\nBundle SHA-256: ${result.sha256}\nSigned by key ${result.signerFingerprint}\n`,
  );
  if (result.timestampTime) process.stdout.write(`Time-stamped by ${options.tsa ?? 'the TSA'} at ${result.timestampTime}\n`);
  if (result.messageCount === 0) process.stdout.write('Warning: the bundle holds no messages.\n');
  return 0;
}

/** Runs `key export-public --out FILE`: writes the investigator's public key (SPKI PEM) for recipients. */
async function commandKey(options: Options, positionals: string[]): Promise<number> {
  if (positionals[0] !== 'export-public') {
    throw new MailcaseError('INVALID_INPUT', `Unknown key command "${positionals[0] ?? ''}"`, {
      userMessage: 'Unknown key command. Use: mailcase key export-public --out FILE.pem',
    });
  }
  const outFile = path.resolve(requireOption(options, 'out'));
  const configDir = defaultConfigDir();
  const { publicKeyPem, fingerprint } = await readPublicKey(configDir, await readKeyPassphraseIfNeeded(configDir));
  await fs.writeFile(outFile, publicKeyPem, { flag: 'wx' }).catch((error: NodeJS.ErrnoException) => {
    throw new MailcaseError('INVALID_INPUT', `Cannot write ${outFile}: ${error.message}`, {
      userMessage: error.code === 'EEXIST' ? `${outFile} already exists. Choose another file name.` : `Cannot write ${outFile}: ${error.message}`,
      details: { file: outFile },
    });
  });
  if (options.json) {
    printJson({ file: outFile, fingerprint });
    return 0;
  }
  process.stdout.write(`Wrote the public signing key to ${outFile}\nFingerprint (SHA-256): ${fingerprint}\n`);
  return 0;
}

/** Asks for the key passphrase only when a key pair must be created first. */
async function readKeyPassphraseIfNeeded(configDir: string): Promise<string | undefined> {
  return (await readSigningKeyState(configDir)) === 'missing' ? readKeyPassphrase(configDir) : undefined;
}

async function commandVerify(options: Options, positionals: string[]): Promise<number> {
  const file = positionals[0];
  if (!file) throw new MailcaseError('INVALID_INPUT', 'Missing FILE.zip', { userMessage: 'Missing the bundle to verify. Example: mailcase verify bundle.zip' });

  const trustedKeyPath = options['trusted-key'];
  let trustedPublicKeyPem: string | undefined;
  if (trustedKeyPath) {
    trustedPublicKeyPem = await fs.readFile(trustedKeyPath, 'utf8').catch(() => {
      throw new MailcaseError('INVALID_INPUT', `Cannot read ${trustedKeyPath}`, {
        userMessage: `Cannot read the trusted key file ${trustedKeyPath}. Check the path.`,
      });
    });
  }

  const result = await verifyBundle(file, trustedPublicKeyPem ? { trustedPublicKeyPem } : {});
  // verifyBundle has already rejected a trusted key that is not a valid Ed25519 PEM key.
  const trustedKeyFingerprint = trustedPublicKeyPem ? fingerprintOf(createPublicKey(trustedPublicKeyPem)) : undefined;
  const trust = await assessSignerTrust(result.signerFingerprint, {
    trustedFingerprint: options['trusted-fingerprint'] ?? trustedKeyFingerprint,
    configDir: defaultConfigDir(),
  });
  const problems = [...result.problems];
  if (trust.status === 'not-trusted') {
    problems.push({
      file: 'signature/public-key.pem',
      reason: `signer key ${result.signerFingerprint ?? '(unreadable)'} is not the trusted key ${trust.expectedFingerprint ?? ''}`,
    });
  }
  const valid = problems.length === 0;

  if (options.json) {
    printJson({
      valid,
      problems,
      messageCount: result.messageCount,
      signerFingerprint: result.signerFingerprint,
      signerTrust: trust.status,
      timestampTime: result.timestampTime,
      timestampSigner: result.timestampSigner,
    });
    return valid ? 0 : EXIT_INVALID;
  }

  if (valid) {
    process.stdout.write(`Valid: ${pluralize(result.messageCount, 'message')}, signed by key ${result.signerFingerprint ?? '(unknown)'}.\n`);
    if (result.timestampTime) process.stdout.write(`Time-stamp: ${result.timestampTime} by ${result.timestampSigner ?? '(unknown TSA)'}.\n`);
  } else {
    process.stdout.write(`INVALID: ${pluralize(problems.length, 'problem')}.\n`);
    for (const problem of problems) process.stdout.write(`  ${problem.file}: ${problem.reason}\n`);
  }
  process.stdout.write(`${SIGNER_TRUST_TEXT[trust.status]}\n`);
  return valid ? 0 : EXIT_INVALID;
}

/** Line `verify` prints about the signer, because a valid signature by an unknown key proves little. */
const SIGNER_TRUST_TEXT: Record<SignerTrustStatus, string> = {
  'trusted-key': 'Signer: the trusted key given with --trusted-fingerprint or --trusted-key.',
  'own-key': 'Signer: your own Mailcase key.',
  'not-trusted': 'Signer: NOT the trusted key. Treat this bundle as forged until its origin is explained.',
  unchecked:
    'Signer: not checked against a trusted key. Anyone can re-sign a bundle; compare the key fingerprint with the one the ' +
    'investigator published, or pass --trusted-fingerprint.',
};

async function commandVerifyCase(options: Options): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const result = await verifyCase(store);
  if (options.json) {
    printJson(result);
  } else if (result.valid) {
    process.stdout.write(`Case intact: ${pluralize(result.messagesChecked, 'message')} checked against their hashes and the custody log.\n`);
  } else {
    process.stdout.write(`The case has ${pluralize(result.problems.length, 'problem')}:\n`);
    for (const problem of result.problems) process.stdout.write(`  ${problem.file}: ${problem.reason}\n`);
  }
  return result.valid ? 0 : EXIT_INVALID;
}

/** Runs the demo POP3 server until SIGINT or SIGTERM; with --json it prints one line of connection settings once listening. */
async function commandDemoServer(options: Options): Promise<number> {
  // Loaded on demand, so the other commands do not load the mailbox generator and its file builders.
  const { launchDemoServer } = await import('../demo/demo-launcher.js');
  const server = await launchDemoServer({
    ...(options.port === undefined ? {} : { port: Number(options.port) }),
    ...(options.messages === undefined ? {} : { messages: Number(options.messages) }),
    ...(options.seed === undefined ? {} : { seed: Number(options.seed) }),
  });

  // The handlers are in place before the line is printed, so a script that stops the server as soon as it
  // reads the line never hits Node's default handler, which would end the process without closing the server.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

  const settings = { host: server.host, port: server.port, security: server.security, user: server.user, password: server.password, fingerprint: server.fingerprint };
  if (options.json) {
    process.stdout.write(JSON.stringify(settings) + '\n');
  } else {
    process.stdout.write(
      `Demo POP3 server listening on ${server.host}:${server.port} (implicit TLS; plain POP3 with STLS on port ${server.stlsPort}).\n` +
        `User: ${server.user}\nPassword: ${server.password}\nCertificate SHA-256: ${server.fingerprint}\n` +
        `${server.visibleCount} messages now; more arrive at each later login. Press Ctrl-C to stop.\n`,
    );
  }

  await stopped;
  await server.close();
  return 0;
}

async function commandImport(options: Options, paths: string[]): Promise<number> {
  const caseDir = requireOption(options, 'case');
  const format = options.format ?? 'auto';
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new MailcaseError('INVALID_INPUT', `Invalid --format ${format.slice(0, 40)}`, {
      userMessage: `Invalid --format "${format.slice(0, 40)}". Use one of: ${IMPORT_FORMATS.join(', ')}.`,
    });
  }
  if (paths.length === 0) {
    throw new MailcaseError('INVALID_INPUT', 'Missing PATH', { userMessage: 'Name the files or folders to import. Example: mailcase import --case DIR mail.mbox' });
  }

  const store = await CaseStore.openOrCreate(caseDir);
  // Ctrl-C stops after the message being read; everything read before is stored and logged, so the case stays valid.
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (!options.json) process.stderr.write('\nStopping after the message being read; the messages read so far are stored and logged.\n');
    controller.abort();
  };
  process.once('SIGINT', onInterrupt);
  let summary: Awaited<ReturnType<typeof importMessages>>;
  try {
    summary = await importMessages({
      store,
      paths,
      format: format as ImportFormat,
      signal: controller.signal,
      onProgress: (progress) => {
        if (!options.json) process.stderr.write(`\rImporting file ${progress.filesDone}/${progress.filesTotal}, ${progress.messages} messages   `);
      },
    });
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  if (!options.json) process.stderr.write('\n');

  const processed = await processCase(store);
  const rulesRun = summary.newCount > 0 ? await checkNewMail(store) : null;
  if (!options.json && rulesRun !== null) process.stderr.write(`${describeRulesRun(rulesRun)}\n`);
  // Status 1 signals to scripts that something named was not imported, or that the import was cancelled.
  const status = summary.cancelled || summary.problems.length > 0 ? EXIT_INCOMPLETE : 0;
  if (options.json) {
    printJson({ ...summary, parsed: processed.parsed, parseErrors: processed.parseErrors });
    return status;
  }
  process.stdout.write(
    `${summary.cancelled ? 'Cancelled. ' : ''}Imported ${pluralize(summary.messages, 'message')} from ${pluralize(summary.files, 'file')} into ${store.dir}: ` +
      `${summary.newCount} new, ${summary.duplicates} already held.\nParsed ${pluralize(processed.parsed, 'message')}; ${processed.parseErrors} could not be parsed and are flagged.\n`,
  );
  for (const problem of summary.problems) {
    const where = problem.byteStart === null ? '' : ` (message at byte ${problem.byteStart})`;
    process.stdout.write(`Not imported: ${problem.path}${where}: ${problem.reason}\n`);
  }
  if (summary.skipped.length > 0) {
    process.stdout.write(
      `Skipped ${pluralize(summary.skipped.length, 'file')} in the folders named: only regular files named .eml, .mbox or .mbx are imported from folders (not links, pipes or other names); name a file directly to import it.\n`,
    );
  }
  return status;
}

async function commandRebuild(options: Options): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const result = await rebuildCase(store, {
    onProgress: (done, total) => {
      if (!options.json) process.stderr.write(`\rParsing ${done}/${total} messages   `);
    },
  });
  if (options.json) {
    printJson(result);
    return 0;
  }
  process.stderr.write('\n');
  process.stdout.write(
    `Rebuilt derived data of ${store.dir}: parsed ${result.parsed} messages, ${result.parseErrors} with parse errors` +
      `${result.rulesRerun ? ', and ran the saved rules again' : ''}.\n`,
  );
  return 0;
}

/** Describes an automatic rule run after new mail in one line for the terminal. */
function describeRulesRun(result: RuleRunResult): string {
  const hits = result.rules.reduce((sum, rule) => sum + rule.hits, 0);
  const rulesWithHits = result.rules.filter((rule) => rule.hits > 0).length;
  return `Active rules checked: ${pluralize(hits, 'hit')} from ${pluralize(rulesWithHits, 'rule')} of ${result.rules.length}. Run "mailcase rules" for details.`;
}

async function commandWeb(options: Options): Promise<number> {
  const staticDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'renderer');
  const port = options.port === undefined ? 0 : Number(options.port);
  // The passphrase is read once at start, from the environment or the terminal, because the browser has no
  // terminal to ask from when an export needs the signing key.
  const passphrase = process.env[KEY_PASSPHRASE_ENV] || (process.stdin.isTTY ? await readKeyPassphrase(defaultConfigDir()) : null);
  if (passphrase === null) {
    process.stderr.write(`Bundle export is off: set ${KEY_PASSPHRASE_ENV}, or start this command in a terminal, to sign bundles.\n`);
  }
  const keyPassphrase = async (): Promise<string> => {
    if (passphrase !== null) return passphrase;
    throw new MailcaseError('KEY_INVALID', 'Review mode started without a signing key passphrase', {
      userMessage: `Bundles cannot be signed: the review mode was started without the signing key passphrase. Stop it and start it again with ${KEY_PASSPHRASE_ENV} set, or from a terminal to be asked for it.`,
      details: { reason: 'passphrase-required' },
    });
  };
  const server = await startReviewServer({ staticDir, handlers: createHandlers({ lockOpenCases: true, mode: 'browser review mode', keyPassphrase }), port });
  process.stdout.write(`Mailcase review mode: open ${server.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

/** Runs the CLI with process arguments, printing one line for any error. */
export async function main(): Promise<void> {
  // A reader that stops early (`mailcase search ... | head`) closes the pipe; the rest of the output is not wanted.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    // Log lines go to a file so that standard error carries only the one-line error for the investigator.
    logToFile(path.join(defaultConfigDir(), 'logs', 'mailcase-cli.log'));
    process.exitCode = await runCli(process.argv.slice(2));
  } catch (error) {
    const serialized = serializeError(error);
    process.stderr.write(`mailcase: ${serialized.userMessage}\n`);
    if (serialized.code === 'INTERNAL' && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = EXIT_ERROR;
  }
}
