/**
 * The pure parts of scan and merge: shard assignment, Link pagination, record parsing, the fleet
 * summary's independence from record order, and the streamed line reader. No tools needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nextLink, parseNamePage } from '../image/registry/client.js';
import { isGoslimError } from '../errors.js';
import { readLines } from './lines.js';
import { errorRecordLine, parseRecord, type ScanRecord } from './records.js';
import { parseRegistryTarget, parseTagSelection, referencesFromFile } from './references.js';
import { parseShard, shardOf } from './shard.js';
import { FleetSummarizer, summarizeFiles } from './summary.js';
import { NotFoundError } from '../errors.js';
import MarkdownIt from 'markdown-it';

const work = mkdtempSync(join(tmpdir(), 'goslim-scan-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('shards', () => {
  const refs = Array.from({ length: 2000 }, (_, i) => `docker://registry.example/team-${i % 37}/svc-${i}:v${i % 5}`);

  it('every reference goes to exactly one shard, and the shards are near even', () => {
    const counts = [0, 0, 0, 0];
    for (const r of refs) counts[shardOf(r, 4)]!++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2000);
    for (const c of counts) expect(c).toBeGreaterThan(400); // 500 expected each
  });

  it('adding an image moves no other; going from 4 to 5 shards moves about a fifth', () => {
    const before = refs.map((r) => shardOf(r, 4));
    const withNew = [...refs, 'docker://registry.example/new/one:v1'].map((r) => shardOf(r, 4));
    expect(withNew.slice(0, refs.length)).toEqual(before);
    const moved = refs.filter((r, i) => shardOf(r, 5) !== before[i]).length;
    // Rendezvous hashing: only the references the new shard wins move (1/5 expected; mod N would move 4/5).
    expect(moved / refs.length).toBeGreaterThan(0.12);
    expect(moved / refs.length).toBeLessThan(0.28);
    for (const [i, r] of refs.entries()) if (shardOf(r, 5) !== before[i]) expect(shardOf(r, 5)).toBe(4);
  });

  it('parses I/N and auto/N (JOB_COMPLETION_INDEX), refusing everything else with E_USAGE', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(parseShard('auto/8', { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, count: 8 });
    for (const [text, env] of [['4/4', {}], ['1/0', {}], ['a/4', {}], ['auto/4', {}], ['auto/4', { JOB_COMPLETION_INDEX: '4' }], ['auto/4', { JOB_COMPLETION_INDEX: 'x' }], ['1/20000', {}]] as const) {
      expect(() => parseShard(text, env), text).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    }
  });
});

describe('registry listing: Link pagination and pages', () => {
  const base = new URL('http://127.0.0.1:5000/v2/_catalog?n=2');

  it('follows rel="next" (relative or absolute on the same origin), among other links', () => {
    expect(nextLink('</v2/_catalog?last=b&n=2>; rel="next"', base, 'r')).toBe('/v2/_catalog?last=b&n=2');
    expect(nextLink('<http://127.0.0.1:5000/v2/x/tags/list?last=v2&n=2>; rel=next', base, 'r')).toBe('/v2/x/tags/list?last=v2&n=2');
    expect(nextLink('</docs>; rel="help", </v2/_catalog?last=c>; rel="next"', base, 'r')).toBe('/v2/_catalog?last=c');
    expect(nextLink(null, base, 'r')).toBeUndefined();
    expect(nextLink('</v2/_catalog?last=c>; rel="prev"', base, 'r')).toBeUndefined();
  });

  it('refuses a next page on another origin (credentials stay with the registry)', () => {
    expect(() => nextLink('<https://evil.example/v2/_catalog>; rel="next"', base, 'r')).toThrow(expect.objectContaining({ code: 'E_REGISTRY' }));
  });

  it('reads catalog and tags pages, null tags as none, anything else E_MALFORMED', () => {
    expect(parseNamePage(Buffer.from('{"repositories":["a","b/c"]}'), 'repositories', 'catalog')).toEqual(['a', 'b/c']);
    expect(parseNamePage(Buffer.from('{"name":"x","tags":null}'), 'tags', 'tags')).toEqual([]);
    for (const bad of ['{"repositories":"a"}', '[1]', 'not json', '{"repositories":[1]}']) {
      expect(() => parseNamePage(Buffer.from(bad), 'repositories', 'catalog'), bad).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    }
  });
});

describe('default concurrency', () => {
  it('the cores, bounded by a cgroup CPU quota (v2 or v1) and by 16', async () => {
    const { cgroupCpuQuota, defaultConcurrency } = await import('./cpus.js');
    const files = (m: Record<string, string>) => (p: string) => m[p];
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' }))).toBe(2);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': 'max 100000' }))).toBeUndefined();
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '400000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }))).toBe(4);
    expect(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }))).toBeUndefined();
    expect(cgroupCpuQuota(files({}))).toBeUndefined();
    expect(defaultConcurrency(64, 2)).toBe(2);
    expect(defaultConcurrency(64, undefined)).toBe(16);
    expect(defaultConcurrency(2, undefined)).toBe(2);
  });
});

describe('options', () => {
  it('--tags and REGISTRY[/PREFIX]', () => {
    expect(parseTagSelection('3-newest')).toEqual({ kind: 'newest', count: 3 });
    expect(parseTagSelection('all')).toEqual({ kind: 'all' });
    expect(() => parseTagSelection('newest')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(parseRegistryTarget('localhost:5000/team/api')).toEqual({ registry: 'localhost:5000', prefix: 'team/api' });
    expect(parseRegistryTarget('registry.example.com/')).toEqual({ registry: 'registry.example.com' });
    expect(() => parseRegistryTarget('ubuntu')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseRegistryTarget('r.example/Team')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

/** A synthetic image record: what the summary reads. */
function image(ref: string, digest: string, o: { size: number; layers: string[]; toolchain?: number; fail?: boolean; strip?: number }): string {
  return JSON.stringify({
    schemaVersion: 1,
    kind: 'inspect',
    scan: { ref },
    image: { ref, digest, size: o.size, compressedSize: Math.floor(o.size / 2), platform: 'linux/amd64' },
    layers: o.layers.map((d) => ({ digest: `sha256:${d.repeat(64).slice(0, 64)}`, diffId: `sha256:${d.repeat(64).slice(0, 64)}`, size: 1000 * d.length, compressedSize: 500 })),
    causes: [{ id: 'go-toolchain', bytes: o.toolchain ?? 0, files: 1 }],
    levers: [{ id: 'strip-symbols', bytes: o.strip ?? 0, title: 't' }],
    wasted: { bytes: 0, efficiency: 1 },
    estimate: { size: 10, compressedSize: 5 },
    startup: { verdict: o.fail ? 'fail' : 'pass', command: ['/app'], checks: [{ id: 'program', status: o.fail ? 'fail' : 'pass', message: 'm' }] },
  });
}

describe('fleet summary', () => {
  const lines = [
    image('docker://r/a:1', 'sha256:1', { size: 100, layers: ['a', 'b'], strip: 10 }),
    image('docker://r/a:latest', 'sha256:1', { size: 100, layers: ['a', 'b'], strip: 10 }),
    image('docker://r/b:1', 'sha256:2', { size: 300, layers: ['a', 'c'], toolchain: 50, strip: 20 }),
    image('docker://r/c:1', 'sha256:3', { size: 300, layers: ['a'], fail: true }),
    image('docker://r/d:1', 'sha256:4', { size: 50, layers: ['d', 'b'], toolchain: 5 }),
    errorRecordLine('docker://r/e:1', new NotFoundError('gone')).trim(),
    errorRecordLine('docker://r/f:1', new Error('boom')).trim(),
  ];
  const parse = (ls: string[]): ScanRecord[] => ls.map((l, i) => parseRecord(l, `line ${i}`));

  it('counts distinct images once, and gives the same summary for every order of the records', () => {
    const base = new FleetSummarizer({ top: 2, budgets: { maxSize: 200 } });
    for (const r of parse(lines)) base.add(r);
    const s = base.summary();
    expect(s.references).toEqual({ total: 7, inspected: 5, errors: 2, duplicates: 0 });
    expect(s.images).toBe(4);
    expect(s.bytes.size).toBe(750);
    expect(s.notStarting).toEqual({ count: 1, images: [{ ref: 'docker://r/c:1', digest: 'sha256:3', check: 'program', message: 'm' }] });
    expect(s.goToolchain.count).toBe(2);
    expect(s.goToolchain.images.map((i) => i.bytes)).toEqual([50, 5]);
    expect(s.levers[0]).toEqual({ id: 'strip-symbols', images: 2, bytes: 30 });
    // Ties by size are broken by reference: b before c.
    expect(s.largest.map((i) => i.ref)).toEqual(['docker://r/b:1', 'docker://r/c:1']);
    expect(s.sharedLayers.map((l) => l.images)).toEqual([3, 2]);
    expect(s.errors.byCode).toEqual([{ code: 'E_INTERNAL', count: 1 }, { code: 'E_NOT_FOUND', count: 1 }]);
    expect(s.budgets?.failed).toBe(2);
    const rnd = seeded(17);
    for (let k = 0; k < 20; k++) {
      const shuffled = [...lines].sort(() => rnd() - 0.5);
      const again = new FleetSummarizer({ top: 2, budgets: { maxSize: 200 } });
      for (const r of parse(shuffled)) again.add(r);
      expect(JSON.stringify(again.summary())).toBe(JSON.stringify(s));
    }
  });

  it('reads JSON Lines files, skipping a cut-off last line and counting a repeated reference once', async () => {
    const a = join(work, 'a.jsonl');
    const b = join(work, 'b.jsonl');
    writeFileSync(a, `${lines.slice(0, 3).join('\n')}\n${lines[3]!.slice(0, 40)}`);
    writeFileSync(b, `${lines.slice(3).join('\n')}\n${lines[0]}\n`);
    const { summary, partialLines } = await summarizeFiles([a, b]);
    expect(partialLines).toBe(1);
    expect(summary.references).toEqual({ total: 7, inspected: 5, errors: 2, duplicates: 1 });
  });

  it('a malformed line is E_MALFORMED naming the file and line', async () => {
    const c = join(work, 'c.jsonl');
    writeFileSync(c, `${lines[0]}\n{"kind":"inspect"}\n`);
    const err = await summarizeFiles([c]).catch((e: unknown) => e);
    expect(isGoslimError(err, 'E_MALFORMED')).toBe(true);
    expect((err as { details: { document: string } }).details.document).toBe(`${c}:2`);
  });
});

describe('reference lists', () => {
  it('one reference a line, comments and blank lines skipped, no final newline needed', async () => {
    const f = join(work, 'refs.txt');
    writeFileSync(f, '# fleet\n\noci:/x/layout:v1\n  docker://r.example/a:1   # api\r\nr.example/b:2');
    const out: string[] = [];
    for await (const r of referencesFromFile(f)) out.push(r);
    expect(out).toEqual(['oci:/x/layout:v1', 'docker://r.example/a:1', 'r.example/b:2']);
  });

  it('lines across read chunks; a missing file is E_NOT_FOUND', async () => {
    const f = join(work, 'long.txt');
    const long = 'x'.repeat(3 << 20);
    writeFileSync(f, `a\n${long}\nb`);
    const got: Array<[number, boolean]> = [];
    for await (const l of readLines(f)) got.push([l.text.length, l.complete]);
    expect(got).toEqual([[1, true], [3 << 20, true], [1, false]]);
    await expect(referencesFromFile(join(work, 'none')).next()).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });
});

describe('goslim scan --from and goslim merge, in process, on OCI layouts (no tools)', () => {
  const io = (env: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTTY: false, env: { ...process.env, GOSLIM_ENGINE: '0', ...env }, cwd: work };
  };

  it('one record per reference (a missing one an error record), shards merged equal the single run, usage errors exit 2', async () => {
    const { buildTestImage, file } = await import('../image/testing/index.js');
    const { runCli } = await import('../cli/main.js');
    const refs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const built = await buildTestImage(
        { layers: [{ entries: [file('etc/passwd', 'root:x:0:0::/root:/sbin/nologin\n')] }, { entries: [file('app', 3000 + i, { mode: 0o755, seed: i })] }], config: { Cmd: i === 0 ? ['/nope'] : ['/app'] } },
        { dir: join(work, `img-${i}`), format: 'oci' },
      );
      refs.push(built.reference);
    }
    refs.push(`oci:${join(work, 'missing-layout')}`);
    const list = join(work, 'list.txt');
    writeFileSync(list, `# local layouts\n${refs.join('\n')}\n`);
    const single = io();
    const out = join(work, 'all.jsonl');
    expect(await runCli(['scan', '--from', list, '-o', out, '--format', 'json', '--summary', join(work, 'all.json'), '--concurrency', '3'], single)).toBe(1);
    const records = (await import('node:fs')).readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; code?: string });
    expect(records.length).toBe(7);
    // What `goslim inspect` says of that reference, as a record (a missing layout is not an OCI layout).
    const errors = records.filter((r) => r.kind === 'error') as unknown as Array<{ ref: string; code: string }>;
    expect(errors.map((r) => r.ref)).toEqual([`oci:${join(work, 'missing-layout')}`]);
    expect(errors[0]!.code).toMatch(/^E_[A-Z_]+$/);
    const summary = JSON.parse((await import('node:fs')).readFileSync(join(work, 'all.json'), 'utf8')) as { references: unknown; sharedLayers: Array<{ images: number }>; notStarting: { count: number } };
    expect(single.err.join('')).toMatch(/6 image\(s\) will not start/);
    expect(summary.references).toEqual({ total: 7, inspected: 6, errors: 1, duplicates: 0 });
    expect(summary.sharedLayers.map((l) => l.images)).toEqual([6]);
    // /nope is missing and the others' /app is filler bytes, no program a runtime can exec.
    expect(summary.notStarting.count).toBe(6);
    // Each shard in a directory of its own that does not exist yet (as /results/<job>/ in the Indexed Job).
    const shards = [0, 1, 2].map((i) => join(work, 'run-1', `s${i}`, 'out.jsonl'));
    for (const [i, s] of shards.entries()) await runCli(['scan', '--from', list, '-o', s, '--shard', `${i}/3`, '-q', '--format', 'json', '--summary', join(s, '..', 'summary', 's.json')], io());
    const merged = io();
    await runCli(['merge', ...shards, '--format', 'json'], merged);
    expect(merged.out.join('')).toBe((await import('node:fs')).readFileSync(join(work, 'all.json'), 'utf8'));
    // Several formats from one merge, as the Kubernetes merge job writes them.
    await runCli(['merge', ...shards, '-o', `json=${join(work, 'm.json')}`, '-o', `markdown=${join(work, 'm.md')}`], io());
    expect((await import('node:fs')).readFileSync(join(work, 'm.json'), 'utf8')).toBe((await import('node:fs')).readFileSync(join(work, 'all.json'), 'utf8'));
    expect((await import('node:fs')).readFileSync(join(work, 'm.md'), 'utf8')).toMatch(/^## goslim fleet summary/);
    // Budgets as for inspect: the config file's, each overridden by its flag.
    const cfgDir = join(work, 'with-config');
    (await import('node:fs')).mkdirSync(cfgDir);
    writeFileSync(join(cfgDir, '.goslim.yaml'), 'inspect:\n  max-size: 100\n');
    const budgeted = { ...io(), cwd: cfgDir };
    expect(await runCli(['merge', ...shards, '--format', 'json', '--allow-not-starting', '--allow-errors'], budgeted)).toBe(1);
    const crossed = (JSON.parse(budgeted.out.join('')) as { budgets: { failed: number; images: Array<{ budgets: string[] }> } }).budgets;
    expect(crossed.failed).toBe(6);
    expect(crossed.images.every((i) => i.budgets.join() === 'max-size')).toBe(true);
    const overridden = { ...io(), cwd: cfgDir };
    expect(await runCli(['merge', ...shards, '--format', 'json', '--allow-not-starting', '--allow-errors', '--max-size', '1GB'], overridden)).toBe(0);
    expect((JSON.parse(overridden.out.join('')) as { budgets: { failed: number } }).budgets.failed).toBe(0);
    // Markdown: headings and GitHub tables, no raw HTML (rendered with markdown-it, as the other reports are).
    const md = io();
    await runCli(['merge', ...shards, '--format', 'markdown'], md);
    const html = new MarkdownIt({ html: false }).render(md.out.join(''));
    expect(html).toMatch(/<h2>goslim fleet summary<\/h2>/);
    expect((html.match(/<table>/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/&lt;(?!\/?(?:details|summary))/);
    // Usage: neither or both sources, no -o, a bad shard, a bad --tags: E_USAGE, exit 2.
    for (const argv of [['scan', '-o', out], ['scan', 'r.example', '--from', list, '-o', out], ['scan', '--from', list], ['scan', '--from', list, '-o', out, '--shard', '3/3'], ['scan', 'r.example', '-o', out, '--tags', 'some']]) {
      const u = io();
      expect(await runCli(argv, u), argv.join(' ')).toBe(2);
      expect(u.err.join('')).toMatch(/E_USAGE/);
    }
  });
});

describe('schemas', () => {
  it("the fleet schema's lever ids are the vocabulary's", async () => {
    const { readFileSync } = await import('node:fs');
    const { LEVER_IDS } = await import('../vocabulary/levers.js');
    const schema = JSON.parse(readFileSync(new URL('../../schemas/fleet.schema.json', import.meta.url), 'utf8')) as { properties: { levers: { items: { properties: { id: { enum: string[] } } } } } };
    expect(schema.properties.levers.items.properties.id.enum).toEqual([...LEVER_IDS]);
    // The budgets a scan checks: the image budgets of the vocabulary (compare's are not per image).
    const { BUDGET_IDS } = await import('../vocabulary/budgets.js');
    const budgetIds = (schema as unknown as { properties: { budgets: { properties: { images: { items: { properties: { budgets: { items: { enum: string[] } } } } } } } } }).properties.budgets.properties.images.items.properties.budgets.items.enum;
    expect(budgetIds.every((id) => (BUDGET_IDS as readonly string[]).includes(id))).toBe(true);
  });
});
