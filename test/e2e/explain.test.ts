/** `goslim explain` end to end through the built CLI. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO } from '../fixtures/go/build-fixtures.js';
import { CAUSE_IDS, CHECK_IDS, LEVER_IDS } from '../../src/vocabulary/index.js';
import { rules } from '../../src/dockerfile/rules/index.js';
import { describeWithTools } from '../helpers/tools.js';


function goslim(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/goslim.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const LEVERS: readonly string[] = LEVER_IDS;

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
    expect(r.stdout).toMatch(/https:\/\/(pkg\.go\.dev|go\.dev|docs\.docker\.com|github\.com\/GoogleContainerTools\/distroless|manpages\.debian\.org)/);
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

  it('every id a command emits or accepts has a topic: levers (incl. what --fail-on-lever accepts), rules, causes, checks', () => {
    // What the CLI accepts for --fail-on-lever, from its own usage error (the option is parsed before the image is read).
    const bad = goslim('inspect', join(REPO, 'no-such-image.tar'), '--fail-on-lever', 'no-such-lever');
    expect(bad.code).toBe(2);
    const accepted = /one of ([a-z, -]+)\)/.exec(bad.stderr)?.[1]?.split(', ') ?? [];
    expect(accepted).toEqual(expect.arrayContaining(['vcs-metadata', 'apt-lists', 'docs']));

    const list = goslim('explain', '--json');
    expect(list.code).toBe(0);
    const topics = JSON.parse(list.stdout) as Array<{ id: string; aliases?: string[] }>;
    const names = new Set(topics.flatMap((t) => [t.id, ...(t.aliases ?? [])]));
    const wanted = [
      ...LEVER_IDS,
      ...accepted,
      ...rules.flatMap((r) => [r.meta.id, r.meta.slug, ...(r.meta.lever ? [r.meta.lever] : [])]),
      ...CAUSE_IDS,
      ...CHECK_IDS,
    ];
    expect(wanted.filter((id) => !names.has(id))).toEqual([]);
    // and a plain cause or check id answers on the command line
    for (const id of ['vcs-metadata', 'apt-lists', 'docs', 'vcs', 'go-toolchain', 'user', 'check:shell']) expect(goslim('explain', id).code).toBe(0);
  });

  it('an unknown topic is a usage error (exit 2, E_USAGE)', () => {
    const r = goslim('explain', 'no-such-topic');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^goslim: error E_USAGE: unknown topic "no-such-topic"/);
  });
});
