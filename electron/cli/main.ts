// The mailcase command line: every step of the investigation, for scripts and tests.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

import { MailcaseError, serializeError } from '../../shared/errors.js';
import { mailboxSchema } from '../../shared/contract.js';
import type { MailboxConfig } from '../../shared/types.js';
import { acquireMailbox } from '../acquisition/acquire-mailbox.js';
import { testConnection } from '../acquisition/test-connection.js';
import { createHandlers } from '../api/handlers.js';
import { exportBundle } from '../bundle/export-bundle.js';
import { defaultConfigDir } from '../bundle/signing-key.js';
import { verifyBundle } from '../bundle/verify-bundle.js';
import { CaseStore } from '../evidence/case-store.js';
import { verifyCase } from '../evidence/verify-case.js';
import { logToFile } from '../logging/logger.js';
import { processCase } from '../parsing/process-case.js';
import { startReviewServer } from '../review-server/review-server.js';
import { runRules } from '../rules/run-rules.js';
import { searchCase } from '../search/search-index.js';
import { readPassword } from './password-prompt.js';
import { USAGE } from './usage.js';

/** Exit status when verification ran and found problems. */
const EXIT_INVALID = 1;
/** Exit status for every error that stopped a command. */
const EXIT_ERROR = 2;

/** Name of the rule file a case uses when `rules` gets no --rules option. */
export const ACTIVE_RULES_FILE = path.join('rules', 'active-rules.json');

const OPTIONS = {
  case: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  security: { type: 'string' },
  user: { type: 'string' },
  'trust-fingerprint': { type: 'string' },
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
  rules: { type: 'string' },
  out: { type: 'string' },
  query: { type: 'string' },
  'trusted-key': { type: 'string' },
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
    case 'verify-case':
      return commandVerifyCase(options);
    case 'web':
      return commandWeb(options);
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
  });
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `--${String(issue.path[0] ?? '?')}: ${issue.message}`);
    throw new MailcaseError('INVALID_INPUT', `Invalid mailbox options: ${issues.join('; ')}`, { details: { issues } });
  }
  return result.data;
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

  const summary = await acquireMailbox({
    store,
    mailbox,
    password,
    onProgress: (progress) => {
      if (!options.json && progress.phase === 'downloading') {
        process.stderr.write(`\rDownloading ${progress.done}/${progress.total}`);
      }
    },
  });
  if (!options.json) process.stderr.write('\n');

  const processed = await processCase(store);
  if (options.json) {
    printJson({ ...summary, parsed: processed.parsed, parseErrors: processed.parseErrors });
    return 0;
  }
  process.stdout.write(
    `Acquired ${summary.newMessages.length} new messages (${summary.alreadyHeld} already held, ` +
      `${summary.serverMessageCount} on the server) into ${store.dir}.\n` +
      `Parsed ${processed.parsed} messages; ${processed.parseErrors} could not be parsed and are flagged.\n`,
  );
  for (const warning of summary.warnings) {
    process.stdout.write(
      `Warning: message ${warning.messageNumber} (UIDL ${warning.uidl ?? 'none'}) was listed as ${warning.listSize} octets ` +
        `but ${warning.receivedSize} were received; stored as received.\n`,
    );
  }
  return 0;
}

async function commandSearch(options: Options, positionals: string[]): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const query = positionals.join(' ');
  if (!query.trim()) throw new MailcaseError('INVALID_INPUT', 'Missing QUERY', { userMessage: 'Missing search query. Example: mailcase search --case DIR "falcon pricing"' });

  const limit = options.limit === undefined ? undefined : Number(options.limit);
  const result = await searchCase(store, query, limit === undefined ? {} : { limit });
  if (options.json) {
    printJson({
      total: result.total,
      hits: result.hits.map((hit) => ({ sha256: hit.sha256, date: hit.date, from: hit.from, subject: hit.subject, score: hit.score })),
    });
    return 0;
  }

  process.stdout.write(`${result.total} messages match.\n`);
  for (const hit of result.hits) {
    process.stdout.write(`${hit.date ?? '(no date)'}  ${hit.from}  ${hit.subject}\n  ${hit.sha256}\n  ${hit.snippet}\n`);
  }
  return 0;
}

async function commandRules(options: Options): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const rulesPath = options.rules ?? path.join(store.dir, ACTIVE_RULES_FILE);
  let rulesText: string;
  try {
    rulesText = await fs.readFile(rulesPath, 'utf8');
  } catch {
    throw new MailcaseError('RULES_INVALID', `Cannot read rule file ${rulesPath}`, {
      userMessage: options.rules
        ? `Cannot read the rule file ${rulesPath}. Check the path.`
        : `The case has no active rule file (${rulesPath}). Pass one with --rules FILE.`,
    });
  }

  const result = await runRules(store, rulesText);
  if (options.json) {
    printJson({ rules: result.rules.map((rule) => ({ id: rule.id, name: rule.name, hits: rule.hits, messages: rule.messages })), record: result });
    return 0;
  }
  for (const rule of result.rules) {
    process.stdout.write(`${rule.id}  ${rule.name}: ${rule.hits} messages\n`);
    for (const hit of rule.details) {
      const reasons = hit.matches.map((match) => `${match.field} "${match.value}" (${match.entry})`).join(', ');
      process.stdout.write(`  ${hit.sha256}  ${reasons}\n`);
    }
  }
  return 0;
}

async function commandExport(options: Options): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const outFile = path.resolve(requireOption(options, 'out'));
  let sha256s: string[] | undefined;
  if (options.query) {
    const result = await searchCase(store, options.query, { limit: Number.MAX_SAFE_INTEGER });
    sha256s = result.hits.map((hit) => hit.sha256);
  }

  const result = await exportBundle(sha256s ? { store, outFile, sha256s } : { store, outFile });
  if (options.json) {
    printJson(result);
    return 0;
  }
  process.stdout.write(
    `Exported ${result.messageCount} messages to ${result.file}\nBundle SHA-256: ${result.sha256}\nSigned by key ${result.signerFingerprint}\n`,
  );
  return 0;
}

async function commandVerify(options: Options, positionals: string[]): Promise<number> {
  const file = positionals[0];
  if (!file) throw new MailcaseError('INVALID_INPUT', 'Missing FILE.zip', { userMessage: 'Missing the bundle to verify. Example: mailcase verify bundle.zip' });

  const trustedPublicKeyPem = options['trusted-key'] ? await fs.readFile(options['trusted-key'], 'utf8') : undefined;
  const result = await verifyBundle(file, trustedPublicKeyPem ? { trustedPublicKeyPem } : {});
  if (options.json) {
    printJson({ valid: result.valid, problems: result.problems, messageCount: result.messageCount, signerFingerprint: result.signerFingerprint });
  } else if (result.valid) {
    process.stdout.write(`Valid: ${result.messageCount} messages, signed by key ${result.signerFingerprint ?? '(unknown)'}.\n`);
  } else {
    process.stdout.write(`INVALID: ${result.problems.length} problems.\n`);
    for (const problem of result.problems) process.stdout.write(`  ${problem.file}: ${problem.reason}\n`);
  }
  return result.valid ? 0 : EXIT_INVALID;
}

async function commandVerifyCase(options: Options): Promise<number> {
  const store = await CaseStore.open(requireOption(options, 'case'));
  const result = await verifyCase(store);
  if (options.json) {
    printJson(result);
  } else if (result.valid) {
    process.stdout.write(`Case intact: ${result.messagesChecked} messages match their hashes and the custody log.\n`);
  } else {
    process.stdout.write(`Case has ${result.problems.length} problems:\n`);
    for (const problem of result.problems) process.stdout.write(`  ${problem.file}: ${problem.reason}\n`);
  }
  return result.valid ? 0 : EXIT_INVALID;
}

async function commandWeb(options: Options): Promise<number> {
  const staticDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'renderer');
  const port = options.port === undefined ? 0 : Number(options.port);
  const server = await startReviewServer({ staticDir, handlers: createHandlers(), port });
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
