/** `goslim explain` end to end through the built CLI. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../fixtures/go/build-fixtures.js';
import { describeWithTools } from '../helpers/tools.js';


function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const LEVERS = ['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath'];

describeWithTools(['dist'], 'goslim explain (CLI)', () => {
  it('lists every lever topic', () => {
    const r = goslim('explain');
    expect(r.code).toBe(0);
    for (const id of LEVERS) expect(r.stdout).toMatch(new RegExp(`^\\s+${id}\\s+\\S`, 'm'));
  });

  it.each(LEVERS)('explain %s: removes, lose, keep, check and primary references', (id) => {
    const r = goslim('explain', id);
    expect(r.code).toBe(0);
    for (const h of ['Removes', 'You lose', 'Still works', 'Check it yourself', 'References']) expect(r.stdout).toContain(h);
    expect(r.stdout).toMatch(/https:\/\/(pkg\.go\.dev|go\.dev|docs\.docker\.com|github\.com\/GoogleContainerTools\/distroless)/);
    const j = JSON.parse(goslim('explain', '--json', id).stdout) as { id: string; references: Array<{ url: string }> };
    expect(j.id).toBe(id);
    expect(j.references.length).toBeGreaterThan(0);
  });

  it('strip-symbols cites the Go linker docs; static-base cites distroless; multi-stage cites Docker', () => {
    expect(goslim('explain', 'strip-symbols').stdout).toContain('https://pkg.go.dev/cmd/link');
    expect(goslim('explain', 'static-base').stdout).toContain('GoogleContainerTools/distroless');
    expect(goslim('explain', 'multi-stage').stdout).toContain('https://docs.docker.com/build/building/multi-stage/');
    expect(goslim('explain', 'cgo-off').stdout).toContain('https://pkg.go.dev/cmd/cgo');
    expect(goslim('explain', 'trimpath').stdout).toContain('https://pkg.go.dev/cmd/go');
  });

  it('an unknown topic is a usage error (exit 2, E_USAGE)', () => {
    const r = goslim('explain', 'no-such-topic');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_USAGE: unknown topic "no-such-topic"/);
  });
});
