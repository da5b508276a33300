/**
 * `.goslim.yaml` for every command (#14): found in the current directory (or named with --config),
 * validated whole (every problem with its dotted path, E_CONFIG, exit 2), and overridden by flags.
 * Runs the CLI in-process (runCli) on the real fixture images, in a temporary working directory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/context.js';
import { ensureFixtureImages, type FixtureImages } from '../helpers/images.js';
import { FIXTURE_TOOLS, describeWithTools } from '../helpers/tools.js';

let dir: string;
let fx: FixtureImages;

async function cli(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: process.env, cwd };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

function config(text: string, name = '.goslim.yaml'): void {
  writeFileSync(join(dir, name), text);
}

describeWithTools([...FIXTURE_TOOLS], 'config file for every command (CLI)', () => {
  beforeAll(async () => {
    fx = await ensureFixtureImages();
    dir = mkdtempSync(join(tmpdir(), 'goslim-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const slim = (): string => `docker-archive:${fx.images['slim-four-levers'].dockerArchive}`;

  it('inspect: budgets from the config fail the run; a flag overrides the one budget it names', async () => {
    config('inspect:\n  max-size: 1MB\n');
    const over = await cli(['inspect', slim(), '--json']);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/^goslim: budget: size .* exceeds --max-size 1\.0 MB$/m);
    const flag = await cli(['inspect', slim(), '--json', '--max-size', '1GB']);
    expect(flag.stderr).toBe('');
    expect(flag.code).toBe(0);
  });

  it('inspect: --config FILE wins over the file in the current directory', async () => {
    config('inspect:\n  max-size: 1MB\n');
    config('inspect:\n  max-size: 1GB\n  fail-on-lever: [strip-symbols]\n', 'ci.yaml');
    const r = await cli(['inspect', slim(), '--json', '--config', 'ci.yaml']);
    // The four-lever image has no strip-symbols lever left, and 1 GB holds it.
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const missing = await cli(['inspect', slim(), '--config', 'nope.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^goslim: error E_NOT_FOUND: /);
  });

  it('every problem in every section at once, with dotted paths, for any command (E_CONFIG, exit 2, before any work)', async () => {
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    config('inspect:\n  max-size: huge\nverify:\n  sandbox: docker\nbuild:\n  gzip-level: 12\nregistries:\n  min-rate: slow\nlint:\n  disable: [G999]\nbogus: 1\n');
    for (const args of [['inspect', slim()], ['verify', slim()], ['lint', 'Dockerfile'], ['build', '--oci', join(dir, 'out')], ['push', slim(), `oci:${join(dir, 'copy')}`]]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^goslim: error E_CONFIG: invalid config .*\.goslim\.yaml \(6 problems\):/);
      for (const p of ['bogus', 'inspect.max-size', 'verify.sandbox', 'build.gzip-level', 'registries.min-rate', 'lint.disable[0]']) expect(r.stderr).toContain(`\n  ${p}: `);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('verify: verify.run from the config, --no-run overrides it; verify.timeout vs --timeout', async () => {
    config('verify:\n  run: true\n  timeout: 2s\n');
    const r = await cli(['verify', slim(), '--json', '--no-run']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { verdict: string; run?: unknown };
    expect(report.verdict).toBe('pass');
    expect(report.run).toBeUndefined();
    // The flag's value is the one checked (and refused), not the config's valid 2s.
    const bad = await cli(['verify', slim(), '--no-run', '--timeout', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^goslim: error E_USAGE: --timeout/);
    // durations with units, as in the config; junk is refused
    expect((await cli(['verify', slim(), '--no-run', '--timeout', '1500ms', '--json'])).code).toBe(0);
    const junk = await cli(['verify', slim(), '--no-run', '--timeout', '2x']);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toMatch(/^goslim: error E_USAGE: --timeout/);
  });

  it('build: a flag overrides build.* (the flag\'s value is the one validated)', async () => {
    config('build:\n  gzip-level: 3\n  sbom: none\n');
    const r = await cli(['build', '--oci', join(dir, 'out'), '--gzip-level', '12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_USAGE: --gzip-level must be 0-9, got "12"/);
    const sbom = await cli(['build', '--oci', join(dir, 'out'), '--sbom', 'xml']);
    expect(sbom.code).toBe(2);
    expect(sbom.stderr).toMatch(/^goslim: error E_USAGE: .*xml/);
  });
});
