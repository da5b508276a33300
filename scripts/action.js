#!/usr/bin/env node
/**
 * The GitHub Action's logic (action.yml runs exactly this, and test/e2e/action.test.ts runs it the
 * same way): goslim on an image, its Dockerfile and a baseline, then
 *
 *  - Markdown appended to $GITHUB_STEP_SUMMARY (inspect, compare against the baseline, lint, and
 *    one line per budget crossed);
 *  - outputs in $GITHUB_OUTPUT: size, compressed-size (bytes, from the inspect report), verdict
 *    (pass | warn | fail: will the image start), report (the inspect JSON, to keep as the next
 *    baseline), sarif-file;
 *  - one SARIF 2.1.0 file for github/codeql-action/upload-sarif: the image findings (located on the
 *    Dockerfile when one is given) and the lint findings, as two runs with their own category
 *    (runAutomationDetails.id), which code scanning accepts in one upload.
 *
 * Inputs come as INPUT_* environment variables (action.yml maps each input). Outside GitHub (GitLab
 * CI, docs/ci.md) the same script runs with GOSLIM_SUMMARY_FILE / GOSLIM_OUTPUT_FILE in place of
 * GITHUB_STEP_SUMMARY / GITHUB_OUTPUT (the outputs file is `key=value` lines: a GitLab dotenv report). Exit status: the worst
 * of the goslim commands (0 ok, 1 a budget crossed, findings over the lint threshold, or an image that
 * will not start, 2 bad input, 3 internal error), after the summary and outputs are written, so a
 * failed check still leaves its report. Plain Node (no dependencies beyond goslim's own build).
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ACTION_DIR = process.env.GITHUB_ACTION_PATH || join(dirname(fileURLToPath(import.meta.url)), '..');
const GOSLIM = join(ACTION_DIR, 'bin', 'goslim.js');

/** Every input the action reads: action.yml must map each one to its INPUT_ variable (the test checks). */
export const INPUTS = [
  'image',
  'dockerfile',
  'baseline',
  'max-size',
  'max-compressed-size',
  'min-efficiency',
  'fail-on-lever',
  'max-growth',
  'fail-on-new-lever',
  'failure-threshold',
  'config',
  'sarif-file',
  'working-directory',
];
/** Every output it writes to $GITHUB_OUTPUT. */
export const OUTPUTS = ['size', 'compressed-size', 'verdict', 'report', 'sarif-file'];

const input = (name) => (process.env[`INPUT_${name.replace(/-/g, '_').toUpperCase()}`] ?? '').trim();

function main() {
  const cwd = resolve(input('working-directory') || '.');
  const image = input('image');
  const dockerfile = input('dockerfile');
  const baseline = input('baseline');
  if (!image && !dockerfile) {
    process.stderr.write('goslim action: give `image`, `dockerfile` or both\n');
    return 2;
  }
  if (baseline && !image) {
    process.stderr.write('goslim action: `baseline` needs `image` (the image to compare with it)\n');
    return 2;
  }
  const work = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'goslim-action-'));
  const config = input('config') ? ['--config', input('config')] : [];
  const sections = [];
  const budgetLines = [];
  const errors = [];
  let worst = 0;
  const outputs = {};

  /** Runs goslim; its stderr goes to the log, and budget and error lines into the summary. */
  const goslim = (what, args) => {
    process.stdout.write(`::group::goslim ${args.join(' ')}\n`);
    const r = spawnSync(process.execPath, [GOSLIM, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
    if (r.stdout) process.stdout.write(r.stdout);
    if (r.stderr) process.stderr.write(r.stderr);
    process.stdout.write('::endgroup::\n');
    const code = r.status ?? 3;
    for (const line of (r.stderr ?? '').split('\n')) {
      if (line.startsWith('goslim: budget: ') && !budgetLines.includes(`${what}: ${line.slice('goslim: budget: '.length)}`)) budgetLines.push(`${what}: ${line.slice('goslim: budget: '.length)}`);
      else if (/^goslim: (internal )?error /.test(line)) errors.push(`${what}: ${line.replace(/^goslim: /, '')}`);
    }
    worst = severity(code) > severity(worst) ? code : worst;
    return code;
  };
  const markdown = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');

  if (image) {
    const report = join(work, 'inspect.json');
    const budgets = [
      ...(input('max-size') ? ['--max-size', input('max-size')] : []),
      ...(input('max-compressed-size') ? ['--max-compressed-size', input('max-compressed-size')] : []),
      ...(input('min-efficiency') ? ['--min-efficiency', input('min-efficiency')] : []),
      ...(input('fail-on-lever') ? ['--fail-on-lever', input('fail-on-lever')] : []),
    ];
    const located = dockerfile ? ['--dockerfile', dockerfile] : [];
    // One read of the image for all three reports: the JSON (outputs, budgets, start-up), the Markdown
    // for the summary and the SARIF (crossed budgets and findings, on the Dockerfile's lines).
    const inspectMd = join(work, 'inspect.md');
    goslim('inspect', ['inspect', image, '--format', 'json', '--output', report, '--output', `markdown=${inspectMd}`, '--output', `sarif=${join(work, 'image.sarif')}`, ...located, ...budgets, ...config]);
    if (existsSync(report)) {
      const r = JSON.parse(readFileSync(report, 'utf8'));
      outputs.size = String(r.image.size);
      outputs['compressed-size'] = String(r.image.compressedSize);
      outputs.verdict = r.startup?.verdict ?? '';
      outputs.report = report;
      if (baseline) {
        // The baseline (an image or a saved inspect report) against the report just made: no second read of the image.
        const growth = [
          ...(input('max-growth') ? ['--max-growth', input('max-growth')] : []),
          ...(input('fail-on-new-lever') === 'true' ? ['--fail-on-new-lever'] : []),
        ];
        const md = join(work, 'compare.md');
        goslim('compare', ['compare', baseline, report, '--format', 'markdown', '--output', md, ...growth, ...config]);
        sections.push(markdown(md));
      }
      sections.push(markdown(inspectMd));
    }
  }
  if (dockerfile) {
    const threshold = input('failure-threshold') ? ['--failure-threshold', input('failure-threshold')] : [];
    const md = join(work, 'lint.md');
    goslim('lint', ['lint', dockerfile, '--format', 'markdown', '--output', md, ...threshold, ...config]);
    sections.push(markdown(md));
    goslim('lint', ['lint', dockerfile, '--format', 'sarif', '--output', join(work, 'lint.sarif'), ...threshold, ...config]);
  }

  // One SARIF file, one run per source, each with its own category.
  const runs = [];
  for (const [file, category] of [['image.sarif', 'goslim/image/'], ['lint.sarif', 'goslim/lint/']]) {
    const p = join(work, file);
    if (!existsSync(p)) continue;
    for (const run of JSON.parse(readFileSync(p, 'utf8')).runs ?? []) runs.push({ ...run, automationDetails: { id: category } });
  }
  const sarifFile = resolve(cwd, input('sarif-file') || 'goslim.sarif');
  if (runs.length > 0) {
    writeAtomic(sarifFile, `${JSON.stringify({ $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs }, null, 2)}\n`);
    outputs['sarif-file'] = sarifFile;
  }

  const head = ['## goslim', ''];
  if (errors.length > 0) head.push('**goslim could not finish:**', '', ...errors.map((e) => `- \`${e}\``), '');
  if (budgetLines.length > 0) head.push('**Budgets crossed:**', '', ...budgetLines.map((b) => `- ${b}`), '');
  if (outputs.verdict === 'fail') head.push('**The image will not start** (see "Will it start?" below).', '');
  const summary = [head.join('\n').trim(), ...sections.filter(Boolean)].join('\n\n');
  const summaryFile = process.env.GOSLIM_SUMMARY_FILE || process.env.GITHUB_STEP_SUMMARY;
  const outputFile = process.env.GOSLIM_OUTPUT_FILE || process.env.GITHUB_OUTPUT;
  if (summaryFile) appendFileSync(summaryFile, `${summary}\n`);
  else process.stdout.write(`${summary}\n`);
  if (outputFile) {
    appendFileSync(outputFile, OUTPUTS.filter((k) => outputs[k] !== undefined).map((k) => `${k}=${outputs[k]}\n`).join(''));
  }
  return worst;
}

/** Exit status order: an error (2, 3) outranks findings (1), which outrank success (0). */
function severity(code) {
  return code === 0 ? 0 : code === 1 ? 1 : 2;
}

function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// Run when executed (action.yml); importing it (the test reads INPUTS and OUTPUTS) runs nothing.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = main();
