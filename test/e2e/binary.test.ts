/**
 * `goslim binary` end to end: spawns the built CLI (node bin/goslim.js) on real Go
 * binaries built at test time, a non-Go ELF and broken inputs; checks output, JSON
 * contract and exit codes. Needs `npm run build` first (npm test does it).
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { buildFixtures, HELLO, REPO, SERVER } from '../fixtures/go/build-fixtures.js';
import { describeWithTools } from '../helpers/tools.js';


function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const specs = [HELLO('default'), HELLO('all', ['-trimpath', '-ldflags=-s -w'], { CGO_ENABLED: '0' }), SERVER('default')];
const bins = new Map<string, string>();

describeWithTools(['dist', 'go'], 'goslim binary (CLI)', () => {
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(specs)) bins.set(k, v);
  }, 900_000);

  it('prints a readable summary with human units and exits 0', () => {
    const r = goslim('binary', bins.get('server.default') as string);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ELF 64-bit little-endian x86-64 \(amd64\)/);
    expect(r.stdout).toMatch(/linking\s+dynamic: interpreter \/lib64\/ld-linux-x86-64\.so\.2, needs libc\.so\.6/);
    expect(r.stdout).toMatch(/strip\s+-s -w removes \d+(\.\d)? MB/);
    expect(r.stdout).toContain('[strip-symbols]');
    expect(r.stdout).toContain('[cgo-off]');
    expect(r.stdout).toContain('goslim explain trimpath');
    expect(r.stderr).toBe('');
  });

  it('--json has the contract fields, named exactly', () => {
    const file = bins.get('hello.default') as string;
    const r = goslim('binary', '--json', file);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of ['path', 'size', 'format', 'arch', 'linking', 'interpreter', 'needed', 'go', 'sections', 'strip', 'trimpath', 'packages', 'findings']) {
      expect(j).toHaveProperty(k);
    }
    expect(j.size).toBe(statSync(file).size);
    expect(j).toMatchObject({ format: 'elf', arch: 'amd64', linking: 'static', interpreter: null, needed: [] });
    const go = j.go as Record<string, unknown>;
    expect(Object.keys(go)).toEqual(expect.arrayContaining(['version', 'path', 'main', 'deps', 'settings']));
    expect(go.deps).toEqual([
      { path: 'example.com/greetlib', version: 'v0.1.0', sum: '', replace: { path: '../greetlib', version: '(devel)', sum: '' } },
    ]);
    const strip = j.strip as { symtab: number; dwarf: number; alignment: number; total: number };
    expect(strip.total).toBe(strip.symtab + strip.dwarf + strip.alignment);
    for (const f of j.findings as Array<Record<string, unknown>>) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(['id', 'lever', 'bytes', 'title', 'fix', 'lose', 'keep']));
      expect(['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath']).toContain(f.lever);
    }
    const sec = (j.sections as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    expect(Object.keys(sec).sort()).toEqual(['compressed', 'name', 'size']);
  });

  it('--json carries the whole-file attribution, named exactly (issue 15)', () => {
    const r = goslim('binary', '--json', bins.get('server.default') as string);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as {
      size: number;
      packages: Array<{ name: string; size: number; sections: Record<string, number> }>;
      modules: Array<{ path: string; version: string; size: number; packages: string[] }>;
      attribution: { total: number; attributed: number; unattributed: number; method: string };
    };
    expect(Object.keys(j.packages[0] as object)).toEqual(['name', 'size', 'sections']);
    expect(j.packages[0]?.sections['.text']).toBeGreaterThan(0);
    expect(Object.keys(j.modules[0] as object)).toEqual(['path', 'version', 'size', 'packages']);
    expect(j.attribution).toMatchObject({ total: j.size });
    expect(j.attribution.attributed + j.attribution.unattributed).toBe(j.size);
    expect(j.attribution.method).toBe('symbols+references');
  });

  it.each([
    ['module', /by module\s+\d+ /, /std go1\.19/],
    ['package', /by package\s+\d+ /, /net\/http\s+\(\.text/],
    ['section', /by section\s+\d+ /, /\.gopclntab\s+\(/],
    ['file', /by file\s+\d+ source files/, /net\/http\/h2_bundle\.go/],
  ])('--by %s prints that table', (by, head, row) => {
    const r = goslim('binary', '--by', by, '--top', '40', bins.get('server.default') as string);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(head);
    expect(r.stdout).toMatch(row);
    expect(r.stdout).toMatch(/bytes\s+[\d.]+ MB of [\d.]+ MB attributed/);
  });

  it('--by with an unknown view is E_USAGE', () => {
    const r = goslim('binary', '--by', 'layer', bins.get('hello.default') as string);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_USAGE: --by must be one of module, package, section, file/);
  });

  it('a fully slimmed binary has no findings', () => {
    const r = goslim('binary', '--json', bins.get('hello.all') as string);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ findings: [], strip: { total: 0 }, trimpath: { leakedPaths: 0 } });
  });

  it('a non-Go ELF gives go: null (exit 0), or E_NOT_GO_BINARY with --require-go', () => {
    const r = goslim('binary', '--json', '/bin/true');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ go: null, packages: [], findings: [] });
    const strict = goslim('binary', '--require-go', '/bin/true');
    expect(strict.code).toBe(2);
    expect(strict.stderr).toMatch(/^goslim: error E_NOT_GO_BINARY: /);
  });

  it.each([
    ['E_UNSUPPORTED_FORMAT', join(REPO, 'package.json')],
    ['E_TRUNCATED', join(REPO, 'test/fixtures/binary-bad/E_TRUNCATED.short-header.bin')],
    ['E_MALFORMED', join(REPO, 'test/fixtures/binary-bad/E_MALFORMED.pclntab-bad-magic.bin')],
    ['E_UNSUPPORTED_FORMAT', join(REPO, 'test/fixtures/binary-bad/E_UNSUPPORTED_FORMAT.mz-without-pe.bin')],
    ['E_NOT_FOUND', join(REPO, 'no/such/file')],
  ])('%s: exit 2 with the typed code and no stack trace', (code, file) => {
    const r = goslim('binary', file);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`goslim: error ${code}: `)).toBe(true);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const dbg = goslim('--debug', 'binary', file);
    expect(dbg.stderr).toMatch(/\n\s+at /);
  });

  it('usage errors exit 2', () => {
    expect(goslim('binary').code).toBe(2);
    expect(goslim('binary', '--top', 'x', '/bin/true').stderr).toMatch(/E_USAGE/);
  });
});
