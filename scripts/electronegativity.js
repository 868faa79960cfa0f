// Runs Electronegativity over electron/ and fails on any high or medium finding that is not listed, with a
// reason, in build/electronegativity-reviewed.json. Offline, the tool cannot fetch Electron's release list,
// so the installed Electron version is passed with -e; it still prints a warning about the fetch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const FAILING_SEVERITIES = new Set(['HIGH', 'MEDIUM']);

/** Parses CSV text into records of trimmed fields; quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      record.push(field.trim());
      field = '';
    } else if (char === '\n') {
      record.push(field.trim());
      if (record.some((value) => value !== '')) records.push(record);
      record = [];
      field = '';
    } else {
      field += char;
    }
  }
  record.push(field.trim());
  if (record.some((value) => value !== '')) records.push(record);
  return records;
}

const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const reviewed = JSON.parse(readFileSync(path.join(root, 'build', 'electronegativity-reviewed.json'), 'utf8')).reviewed;
const outDir = mkdtempSync(path.join(os.tmpdir(), 'mailcase-electronegativity-'));
const csvFile = path.join(outDir, 'findings.csv');

try {
  const run = spawnSync(
    process.execPath,
    [require.resolve('@doyensec/electronegativity/dist/index.js'), '-i', path.join(root, 'electron'), '-e', electronVersion, '-r', '-o', csvFile],
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`Electronegativity failed with exit status ${run.status ?? run.signal}.`);
    process.exit(1);
  }

  const [, ...rows] = parseCsv(readFileSync(csvFile, 'utf8'));
  const findings = rows.map(([check, severity, confidence, file, location, , description]) => ({ check, severity, confidence, file, location, description }));
  const isReviewed = (finding) => reviewed.some((entry) => entry.check === finding.check && entry.file === finding.file);
  const failing = findings.filter((finding) => FAILING_SEVERITIES.has(finding.severity) && !isReviewed(finding));

  for (const finding of findings) {
    const status = failing.includes(finding) ? 'FAIL' : isReviewed(finding) ? 'reviewed' : 'low';
    console.log(`${status.padEnd(8)} ${finding.severity.padEnd(6)} ${finding.check} ${finding.file}:${finding.location} ${finding.description}`);
  }
  if (failing.length > 0) {
    console.error(`Electronegativity: ${failing.length} high or medium finding(s) not reviewed in build/electronegativity-reviewed.json.`);
    process.exit(1);
  }
  console.log(`Electronegativity (Electron ${electronVersion}): no unreviewed high or medium finding in ${findings.length} finding(s).`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
