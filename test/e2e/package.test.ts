/**
 * Install honesty (#14): what `npm pack` ships, and that the packed tarball installs and runs.
 *
 * The install is offline: a temporary project depends on the tarball, with a lockfile made of our own
 * package-lock.json's production entries (the exact versions and integrity hashes goslim is tested
 * with), and `npm ci --offline` takes every dependency from the npm cache that `npm ci` filled for this
 * checkout. `npm install -g ./goslim-0.1.0.tgz` (the README's way) does the same but asks the registry
 * for version ranges, so it is not what a hermetic test runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/images.js';
import { describeWithTools } from '../helpers/tools.js';

interface PackFile {
  path: string;
  size: number;
}

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
};

function npm(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  // npm_config_* from a parent `npm test` would leak into the child (e.g. a dry-run flag); drop them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, env: { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describeWithTools(['dist', 'npm'], 'the npm package', () => {
  let files: string[] = [];
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'goslim-pack-'));
    const r = npm(['pack', '--dry-run', '--json', '--ignore-scripts'], REPO_ROOT);
    expect(r.code, r.stderr).toBe(0);
    const packed = JSON.parse(r.stdout) as Array<{ files: PackFile[] }>;
    files = packed[0]!.files.map((f) => f.path).sort();
  }, 300_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('ships the CLI, the library with its types, the docs, the schemas, the CI runner script and the licence', () => {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'bin/goslim.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'docs/lint.md', 'docs/ci.md', 'scripts/action.js']) {
      expect(files).toContain(f);
    }
    if (existsSync(join(REPO_ROOT, 'schemas'))) expect(files.some((f) => /^schemas\/[^/]+\.json$/.test(f))).toBe(true);
    expect(readFileSync(join(REPO_ROOT, 'bin/goslim.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('ships no tests, test helpers, fixtures, sources maps without their sources, or CI scripts', () => {
    const bad = files.filter(
      (f) =>
        /(^|\/)(test|tests|fixtures|testing|__tests__)\//.test(f) ||
        /\.(test|spec)\.[cm]?[jt]s$/.test(f) ||
        /(^|\/)(test-helpers|rule-tester)\.(js|d\.ts)$/.test(f) ||
        (/^(src|bench|scripts|examples)\//.test(f) && f !== 'scripts/action.js') ||
        f === 'action.yml',
    );
    expect(bad).toEqual([]);
    // A source map is only useful with the sources it names; none are shipped, so no maps either.
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const m = JSON.parse(readFileSync(join(REPO_ROOT, map), 'utf8')) as { sources: string[] };
      for (const s of m.sources) expect(files).toContain(join(map, '..', s));
    }
    // Every shipped dist module has its declaration file (the library's types).
    // (The HTML report's page script is not a module: scripts/copy-assets.js copies it for the report to inline.)
    const pageScripts = new Set(['dist/report/html/page.js']);
    for (const js of files.filter((f) => /^dist\/.*\.js$/.test(f) && !pageScripts.has(f))) expect(files).toContain(js.replace(/\.js$/, '.d.ts'));
  });

  it('the packed tarball installs offline into a temporary project and runs --version and lint', () => {
    const r = npm(['pack', '--ignore-scripts', '--pack-destination', tmp], REPO_ROOT);
    expect(r.code, r.stderr).toBe(0);
    const tarball = `${pkg.name}-${pkg.version}.tgz`;
    expect(existsSync(join(tmp, tarball))).toBe(true);

    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
    const project = { name: 'goslim-install-check', private: true, dependencies: { [pkg.name]: `file:${tarball}` } };
    const packages: Record<string, unknown> = {
      '': project,
      [`node_modules/${pkg.name}`]: { version: pkg.version, resolved: `file:${tarball}`, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines },
    };
    for (const [k, v] of Object.entries(lock.packages)) if (k !== '' && !v.dev && !v.devOptional) packages[k] = v;
    writeFileSync(join(tmp, 'package.json'), JSON.stringify(project));
    writeFileSync(join(tmp, 'package-lock.json'), JSON.stringify({ name: project.name, lockfileVersion: 3, requires: true, packages }));
    const install = npm(['ci', '--offline', '--ignore-scripts'], tmp);
    expect(install.code, install.stderr).toBe(0);

    const bin = join(tmp, 'node_modules', '.bin', 'goslim');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    // One real command from the installed package: lint a naive single-stage Dockerfile.
    writeFileSync(join(tmp, 'Dockerfile'), 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD ["/app"]\n');
    const lint = spawnSync(bin, ['lint', '--format', 'json', 'Dockerfile'], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
    expect(lint.status).toBe(1);
    const report = JSON.parse(lint.stdout) as { files: Array<{ findings: Array<{ rule: string }> }> };
    expect(report.files[0]!.findings.map((f) => f.rule)).toContain('G001');

    // The CI runner script from the installed package, as the GitLab job in docs/ci.md runs it.
    const ci = spawnSync(process.execPath, [join(tmp, 'node_modules', pkg.name, 'scripts', 'action.js')], {
      cwd: tmp,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, INPUT_DOCKERFILE: 'Dockerfile', GOSLIM_SUMMARY_FILE: join(tmp, 'summary.md'), GOSLIM_OUTPUT_FILE: join(tmp, 'goslim.env'), RUNNER_TEMP: tmp, GITHUB_ACTION_PATH: '' },
    });
    expect(ci.status, ci.stderr).toBe(1); // the naive Dockerfile's warnings
    expect(readFileSync(join(tmp, 'summary.md'), 'utf8')).toMatch(/^## goslim\n[\s\S]*G001/);
    expect(readFileSync(join(tmp, 'goslim.env'), 'utf8')).toBe(`sarif-file=${join(tmp, 'goslim.sarif')}\n`);
  });
});
