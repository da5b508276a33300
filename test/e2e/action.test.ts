/**
 * The GitHub Action (action.yml at the repository root), run as GitHub runs it: the `run:` line of
 * its goslim step, with the step's `env:` (each `${{ inputs.X }}` replaced by the test's input or the
 * input's default), GITHUB_ACTION_PATH at this checkout and GITHUB_STEP_SUMMARY / GITHUB_OUTPUT /
 * RUNNER_TEMP in a temporary directory, on the real fixture images. Checks the summary (Markdown,
 * rendered), the outputs against the images' real sizes, the SARIF against the 2.1.0 schema, and
 * that action.yml and scripts/action.js agree on every input and output.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';
import { pathToFileURL } from 'node:url';

// The action's own lists (a plain ESM script: imported by URL, it runs nothing when imported).
const { INPUTS, OUTPUTS } = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/action.js')).href)) as { INPUTS: string[]; OUTPUTS: string[] };

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionYaml {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYaml;
const goslimStep = (): Step => action.runs.steps.find((s) => s.id === 'goslim')!;
const envName = (input: string): string => `INPUT_${input.replace(/-/g, '_').toUpperCase()}`;

describe('action.yml and scripts/action.js agree', () => {
  it('is a composite action whose goslim step runs the script, after building goslim from the action\'s checkout', () => {
    expect(action.runs.using).toBe('composite');
    const build = action.runs.steps.find((s) => s.run?.includes('npm run build'));
    expect(build?.run).toMatch(/^npm ci\b.*&& npm run build$/);
    expect(build?.['working-directory']).toBe('${{ github.action_path }}');
    expect(goslimStep().run).toBe('node "$GITHUB_ACTION_PATH/scripts/action.js"');
    expect(action.runs.steps.indexOf(build!)).toBeLessThan(action.runs.steps.indexOf(goslimStep()));
  });

  it('every input is passed to the script, and the script reads no other', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...INPUTS].sort());
    for (const name of Object.keys(action.inputs)) expect(goslimStep().env?.[envName(name)]).toBe(`\${{ inputs.${name} }}`);
    expect(Object.keys(goslimStep().env ?? {}).sort()).toEqual(Object.keys(action.inputs).map(envName).sort());
    for (const name of ['image', 'dockerfile', 'baseline', 'max-size', 'max-growth']) expect(action.inputs[name]).toBeDefined();
  });

  it('every output comes from the script\'s outputs', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUTS].sort());
    for (const name of Object.keys(action.outputs)) expect(action.outputs[name]!.value).toBe(`\${{ steps.goslim.outputs.${name} }}`);
    for (const name of ['size', 'compressed-size', 'verdict']) expect(action.outputs[name]).toBeDefined();
  });
});

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
}

/** The goslim step as GitHub runs it: its `run:` in bash with its `env:` and the runner's files. */
function runAction(workspace: string, inputs: Record<string, string>): ActionRun {
  const runner = mkdtempSync(join(tmpdir(), 'goslim-runner-'));
  const summaryFile = join(runner, 'step-summary.md');
  const outputFile = join(runner, 'output');
  writeFileSync(summaryFile, '');
  writeFileSync(outputFile, '');
  const step = goslimStep();
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !k.startsWith('GITHUB_') && !k.startsWith('INPUT_'))) as Record<string, string>;
  for (const [k, v] of Object.entries(step.env ?? {})) {
    env[k] = v.replace(/\$\{\{\s*inputs\.([a-z-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? action.inputs[name]?.default ?? '');
  }
  Object.assign(env, { GITHUB_ACTION_PATH: REPO_ROOT, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_OUTPUT: outputFile, RUNNER_TEMP: join(runner, 'temp') });
  mkdirSync(env.RUNNER_TEMP!, { recursive: true });
  const r = spawnSync('bash', ['-e', '-c', step.run!], { cwd: workspace, env, encoding: 'utf8', timeout: 600_000 });
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, summary: readFileSync(summaryFile, 'utf8'), outputs };
}

describeWithTools([...FIXTURE_TOOLS, 'dist'], 'the GitHub Action on the fixture images', () => {
  let fx: FixtureImages;
  let workspace: string;
  let validateSarif: ReturnType<Ajv['compile']>;

  beforeAll(async () => {
    fx = await ensureFixtureImages();
    workspace = mkdtempSync(join(tmpdir(), 'goslim-action-ws-'));
    copyFileSync(join(REPO_ROOT, 'test/fixtures/dockerfiles/four-lever-recipe.Dockerfile'), join(workspace, 'Dockerfile'));
    writeFileSync(join(workspace, '.dockerignore'), '.git\n');
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    validateSarif = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/sarif/sarif-schema-2.1.0.json'), 'utf8')) as object);
  });
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  let slimReport = '';

  it('a small image that starts, within budget: exit 0, outputs are the image\'s real sizes, summary and SARIF written', () => {
    const slim = fx.images['slim-four-levers'];
    const r = runAction(workspace, { image: `oci:${slim.oci}`, dockerfile: 'Dockerfile', 'max-size': '1GB', 'max-compressed-size': '500MB' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs['compressed-size']).toBe(String(slim.info.compressedSize));
    expect(Number(r.outputs.size)).toBeGreaterThan(Number(r.outputs['compressed-size']));
    const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as { kind: string; image: { size: number; compressedSize: number } };
    expect(report.kind).toBe('inspect');
    expect(r.outputs.size).toBe(String(report.image.size));
    expect(r.outputs.verdict).toBe('pass');
    slimReport = r.outputs.report!;

    expect(r.summary).toMatch(/^## goslim\n/);
    expect(r.summary).not.toContain('Budgets crossed');
    expect(r.summary).toMatch(/^\|.*\|$/m); // inspect's Markdown tables
    expect(r.summary).toContain('Dockerfile'); // the lint section

    const sarif = JSON.parse(readFileSync(r.outputs['sarif-file']!, 'utf8')) as { version: string; runs: Array<{ automationDetails: { id: string }; tool: { driver: { name: string } } }> };
    expect(r.outputs['sarif-file']).toBe(join(workspace, 'goslim.sarif'));
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    expect(sarif.runs.map((x) => x.automationDetails.id)).toEqual(['goslim/image/', 'goslim/lint/']);
    expect(sarif.runs.every((x) => x.tool.driver.name === 'goslim')).toBe(true);
  });

  it('an image that will not start and crosses its budgets, against a baseline report: exit 1, each reason in the summary', () => {
    expect(slimReport).not.toBe('');
    const cgo = fx.images['cgo-on-static'];
    const r = runAction(workspace, { image: `oci:${cgo.oci}`, baseline: slimReport, 'max-size': '1MB', 'max-growth': '1%' });
    expect(r.code).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    expect(r.outputs['compressed-size']).toBe(String(cgo.info.compressedSize));
    expect(r.summary).toContain('**The image will not start**');
    expect(r.summary).toMatch(/^- inspect: size .* exceeds --max-size 1\.0 MB$/m);
    expect(r.summary).toMatch(/^- compare: .*--max-growth/m);
    // No dockerfile: one SARIF run, the image's.
    const sarif = JSON.parse(readFileSync(r.outputs['sarif-file']!, 'utf8')) as { runs: Array<{ automationDetails: { id: string }; results: Array<{ ruleId: string }> }> };
    expect(sarif.runs.map((x) => x.automationDetails.id)).toEqual(['goslim/image/']);
    // the crossed budget first, then the image that will not start
    expect(sarif.runs[0]!.results[0]!.ruleId).toBe('budget:max-size');
    expect(sarif.runs[0]!.results[1]!.ruleId).toMatch(/^check:/);
    // each budget line once in the summary, though two runs printed it
    expect(r.summary.match(/exceeds --max-size/g)).toHaveLength(1);
  });

  it('bad input: exit 2 and the error in the summary; nothing to inspect: exit 2', () => {
    const bad = runAction(workspace, { image: 'oci:/nonexistent-layout', 'max-size': 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.summary).toMatch(/goslim could not finish:\*\*\n\n- `inspect: error E_USAGE: --max-size/);
    expect(runAction(workspace, {}).code).toBe(2);
  });
});
