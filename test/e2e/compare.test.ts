/**
 * `goslim compare` end to end (issue 14 "Proof"): spawns the built CLI on the real fixture images
 * (built offline by test/fixtures/images/make-images.sh), on two real Go builds of the same program
 * with and without `-s -w`, and on a saved report against a re-inspected and a grown image (grown
 * with umoci). Every expected figure is computed here from the files themselves.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BinaryComparison, ImageComparison } from '../../src/compare/types.js';
import { buildFixtures, HELLO } from '../fixtures/go/build-fixtures.js';
import { ensureFixtureImages, REPO_ROOT, type FixtureImages } from '../helpers/images.js';
import { describeWithTools, FIXTURE_TOOLS } from '../helpers/tools.js';
import { contractValidator } from '../helpers/schemas.js';

const validateDoc = contractValidator();
/** Every compare document against schemas/compare.schema.json (the JSON contract). */
function expectValid(doc: unknown): void {
  const { ok, errors } = validateDoc(doc);
  expect(errors).toEqual([]);
  expect(ok).toBe(true);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function goslim(args: string[], cwd = REPO_ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin/goslim.js'), ...args], { cwd, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Compressed (blob bytes on disk) and uncompressed (gunzipped tar bytes) size of an OCI layout's image, read from its files. */
async function layoutSizes(dir: string): Promise<{ compressed: number; uncompressed: number }> {
  const blob = (digest: string): string => join(dir, 'blobs', ...digest.split(':'));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]!.digest), 'utf8')) as { layers: Array<{ digest: string; mediaType: string }> };
  let compressed = 0;
  let uncompressed = 0;
  for (const l of manifest.layers) {
    compressed += statSync(blob(l.digest)).size;
    if (!l.mediaType.endsWith('gzip')) throw new Error(`fixture layer is ${l.mediaType}, expected gzip`);
    await pipeline(createReadStream(blob(l.digest)), createGunzip(), new Writable({ write(c: Buffer, _e, cb) { uncompressed += c.length; cb(); } }));
  }
  return { compressed, uncompressed };
}

/** `1.08 GB`: three significant digits, decimal units, as the headline prints. */
function three(n: number): string {
  const units: Array<[number, string]> = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [scale, unit] of units) if (n >= scale) return `${(n / scale).toPrecision(3)} ${unit}`;
  return `${n} B`;
}

describeWithTools([...FIXTURE_TOOLS, 'dist', 'umoci'], 'goslim compare on the fixture images', () => {
  let fx: FixtureImages;
  let work: string;
  let fatDir: string;
  let slimDir: string;

  beforeAll(async () => {
    fx = await ensureFixtureImages();
    fatDir = join(fx.dir, fx.images['fat-greeter'].info.paths.oci);
    slimDir = join(fx.dir, fx.images['slim-four-levers'].info.paths.oci);
    work = mkdtempSync(join(tmpdir(), 'goslim-compare-'));
  }, 600_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('fat vs four-lever image: the headline ratio is the two images\' real sizes; levers applied, verdicts, cost', async () => {
    const [fat, slim] = [await layoutSizes(fatDir), await layoutSizes(slimDir)];
    const r = await goslim(['compare', fatDir, slimDir, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as ImageComparison;
    expectValid(c);
    // the schema is live: a 0-based layer number or an unknown lever is rejected
    const zero = structuredClone(c);
    zero.layers.find((l) => l.b)!.b!.index = 0;
    expect(validateDoc(zero).ok).toBe(false);
    const unknown = structuredClone(c) as unknown as { levers: { applied: Array<{ id: string }> } };
    unknown.levers.applied[0]!.id = 'make-it-small';
    expect(validateDoc(unknown).ok).toBe(false);
    expect(c).toMatchObject({ schemaVersion: 1, kind: 'compare', subject: 'image' });
    expect(c.size).toMatchObject({ a: fat.uncompressed, b: slim.uncompressed, delta: slim.uncompressed - fat.uncompressed });
    expect(c.compressedSize).toMatchObject({ a: fat.compressed, b: slim.compressed });
    expect(c.ratio).toBe(fat.uncompressed / slim.uncompressed);
    const ratio = fat.uncompressed / slim.uncompressed;
    expect(ratio).toBeGreaterThan(10);
    expect(c.headline).toBe(`${three(fat.uncompressed)} -> ${three(slim.uncompressed)} (${Math.round(ratio)}x smaller)`);
    expect(c.levers.applied.map((l) => l.id)).toEqual(expect.arrayContaining(['multi-stage', 'static-base', 'cgo-off', 'strip-symbols']));
    expect(c.levers.new).toEqual([]);
    expect(c.startup.a.verdict).not.toBeNull();
    expect(c.startup.b.verdict).toBe('pass');
    // The Go binary moved (/usr/local/bin/greeter -> /greeter) and was stripped: one paired row, strip-symbols named.
    const greeter = c.goBinaries.find((g) => g.key.includes(' -> '));
    expect(greeter?.levers).toEqual(expect.arrayContaining(['strip-symbols', 'cgo-off']));
    // Cost: defaults, from the measured sizes.
    expect(c.cost.model).toEqual({ bandwidthBitsPerSecond: 100e6, nodes: 50, keptTags: 30 });
    expect(c.cost.a.pullSeconds).toBeCloseTo((fat.compressed * 8) / 100e6, 9);
    expect(c.cost.b.nodesDisk).toBe(slim.uncompressed * 50);
    expect(c.cost.b.registryStorage).toBe(slim.compressed * 30);
    // Layers: the two images share none; every layer is listed once.
    expect(c.layers).toHaveLength(fx.images['fat-greeter'].info.layerCount + fx.images['slim-four-levers'].info.layerCount);

    // Text and Markdown from a saved report of the fat image (one more read of it, not two).
    const fatJson = join(work, 'fat.json');
    const saved = await goslim(['inspect', fatDir, '--json']);
    expect(saved.code).toBe(0);
    writeFileSync(fatJson, saved.stdout);
    const text = await goslim(['compare', fatJson, slimDir, '--bandwidth', '1Gbit', '--nodes', '3']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`=> ${c.headline}`);
    expect(text.stdout).toMatch(/Levers applied[^\n]*\n\s+\[multi-stage\]/);
    expect(text.stdout).toMatch(/pull at 1 Gbit\/s/);
    expect(text.stdout).toMatch(/bandwidth set, nodes set, kept tags default/);

    const md = join(work, 'compare.md');
    const m = await goslim(['compare', fatJson, slimDir, '--format', 'markdown', '--output', md]);
    expect(m.code).toBe(0);
    expect(m.stdout).toBe('');
    expect(readFileSync(md, 'utf8')).toMatch(new RegExp(`^## goslim compare: ${c.headline.replace(/[.()]/g, '\\$&')}\\n`));
    // several reports from one run, as every command: the JSON and the Markdown equal the single-format runs'
    const [j2, md2] = [join(work, 'both.json'), join(work, 'both.md')];
    const both = await goslim(['compare', fatJson, slimDir, '-o', `json=${j2}`, '-o', `markdown=${md2}`]);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain(c.headline); // the text still goes to stdout
    expect(readFileSync(md2, 'utf8')).toBe(readFileSync(md, 'utf8'));
    const again = JSON.parse(readFileSync(j2, 'utf8')) as ImageComparison;
    expectValid(again);
    expect(again.size).toEqual(c.size);
  }, 600_000);

  it('a saved report against the re-inspected image: no change exits 0; a grown image with --max-growth 1% exits 1', async () => {
    const saved = join(work, 'slim.json');
    const ins = await goslim(['inspect', slimDir, '--json']);
    expect(ins.code).toBe(0);
    writeFileSync(saved, ins.stdout);
    // inspect says the same cost from the same function: pull time, disk, registry from its measured sizes.
    const measured = await layoutSizes(slimDir);
    const inspected = JSON.parse(ins.stdout) as { cost: { model: unknown; pullSeconds: number; nodesDisk: number; registryStorage: number } };
    expect(inspected.cost).toEqual({
      model: { bandwidthBitsPerSecond: 100e6, nodes: 50, keptTags: 30 },
      defaults: { bandwidth: true, nodes: true, keptTags: true },
      pullSeconds: (measured.compressed * 8) / 100e6,
      nodesDisk: measured.uncompressed * 50,
      registryStorage: measured.compressed * 30,
    });

    const same = await goslim(['compare', saved, slimDir, '--max-growth', '1%', '--fail-on-new-lever', '--json']);
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    const c = JSON.parse(same.stdout) as ImageComparison & { budgets: string[] };
    expectValid(c);
    expect(c.a.source).toBe('inspect-report');
    expect(c.b.source).toBe('image');
    expect(c.size.delta).toBe(0);
    expect(c.headline).toMatch(/^no change: /);
    expect(c.layers.every((l) => l.matchedBy === 'diff-id' && l.delta === 0)).toBe(true);
    expect(c.budgets).toEqual([]);

    // Grow it: one more layer holding 300 KiB of incompressible bytes (SHA-256 of a counter), added by
    // umoci. A multiple of 512 bytes: umoci 0.4.7 writes the layer's tar without the last entry's
    // padding and the end-of-archive blocks, so any other size is a truncated tar (GNU tar says so too).
    const grown = join(work, 'grown');
    cpSync(slimDir, grown, { recursive: true });
    const payload = join(work, 'payload.bin');
    writeFileSync(payload, Buffer.concat(Array.from({ length: 9600 }, (_, i) => createHash('sha256').update(String(i)).digest())));
    execFileSync('umoci', ['insert', '--image', `${grown}:latest`, payload, '/grown.bin'], { timeout: 120_000 });
    const after = await layoutSizes(grown);
    const before = await layoutSizes(slimDir);

    const r = await goslim(['compare', saved, grown, '--max-growth', '1%']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toContain(`uncompressed size grew +`);
    expect(lines[0]).toContain(`(${after.uncompressed - before.uncompressed} B more), over --max-growth 1.0 %`);
    expect(r.stdout).toContain(`=> +`);
    const j = JSON.parse((await goslim(['compare', saved, grown, '--json', '--max-growth', '1%'])).stdout) as ImageComparison & { budgets: string[] };
    expectValid(j);
    expect(j.size.delta).toBe(after.uncompressed - before.uncompressed);
    expect(j.layers.at(-1)).toMatchObject({ a: null, matchedBy: null });
    expect(j.budgets).toEqual(lines.map((l) => l.replace(/^goslim: budget: /, '')));
    // Within a budget of a size: 1 MB is more than it grew.
    expect((await goslim(['compare', saved, grown, '--max-growth', '1MB'])).code).toBe(0);
    // The same budget and a cost model from .goslim.yaml in the current directory; an option wins over it.
    const cfgDir = mkdtempSync(join(work, 'cfg-'));
    writeFileSync(join(cfgDir, '.goslim.yaml'), 'cost:\n  nodes: 7\n  bandwidth: 1Gbit\ncompare:\n  max-growth: 1%\n');
    const viaConfig = await goslim(['compare', saved, grown, '--json', '--kept-tags', '4'], cfgDir);
    expect(viaConfig.code).toBe(1);
    const k = JSON.parse(viaConfig.stdout) as ImageComparison & { budgets: string[] };
    expectValid(k);
    expect(k.cost.model).toEqual({ bandwidthBitsPerSecond: 1e9, nodes: 7, keptTags: 4 });
    expect(k.cost.defaults).toEqual({ bandwidth: false, nodes: false, keptTags: false });
    expect(k.budgets).toEqual(j.budgets);
    writeFileSync(join(cfgDir, '.goslim.yaml'), 'compare:\n  max-growth: lots\n');
    const badConfig = await goslim(['compare', saved, grown], cfgDir);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain('E_CONFIG');
    expect(badConfig.stderr).toContain('compare.max-growth');
  }, 300_000);

  it('usage and input errors: mixing an image and a binary, a report of another kind', async () => {
    const notReport = join(work, 'lint.json');
    writeFileSync(notReport, JSON.stringify({ kind: 'lint', schemaVersion: 1, files: [] }));
    const wrongKind = await goslim(['compare', notReport, slimDir]);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toContain('E_UNSUPPORTED_FORMAT');
    const broken = join(work, 'broken.json');
    writeFileSync(broken, JSON.stringify({ image: { ref: 'x' }, layers: [] }));
    const malformed = await goslim(['compare', broken, slimDir]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('E_MALFORMED');
    const mixed = await goslim(['compare', slimDir, process.execPath]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('E_USAGE');
    // A saved binary report against an image: told apart by the report's content, refused before any image read.
    const binReport = join(work, 'greeter.binary.json');
    writeFileSync(binReport, (await goslim(['binary', fx.binaries.static, '--json'])).stdout);
    const mixedReport = await goslim(['compare', binReport, fatDir]);
    expect(mixedReport.code).toBe(2);
    expect(mixedReport.stderr).toMatch(/E_USAGE: cannot compare a binary report .* with an image/);
  });
});

describeWithTools(['dist', 'go'], 'goslim compare on two Go builds', () => {
  const bins = new Map<string, string>();
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures([HELLO('default'), HELLO('sw', ['-ldflags=-s -w'])])) bins.set(k, v);
  }, 900_000);

  it('with and without -s -w: names strip-symbols and the exact byte difference of the files', async () => {
    const a = bins.get('hello.default') as string;
    const b = bins.get('hello.sw') as string;
    const delta = statSync(b).size - statSync(a).size;
    expect(delta).toBeLessThan(0);
    const r = await goslim(['compare', a, b, '--json']);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout) as BinaryComparison;
    expectValid(c);
    expect(c).toMatchObject({ kind: 'compare', subject: 'binary', stripped: { a: false, b: true } });
    expect(c.size.delta).toBe(delta);
    expect(c.levers).toEqual([{ id: 'strip-symbols', delta, why: expect.any(String) }]);
    expect(c.settings).toContainEqual({ key: '-ldflags', a: null, b: '-s -w', lever: 'strip-symbols' });
    expect(c.sections.find((s) => s.key === '.symtab')).toMatchObject({ status: 'removed', lever: 'strip-symbols' });
    expect(c.findings.applied).toContain('strip-symbols');
    // The same figures from two saved `binary --json` reports.
    const dir = mkdtempSync(join(tmpdir(), 'goslim-compare-bin-'));
    try {
      for (const [name, file] of [['a.json', a], ['b.json', b]] as const) {
        const saved = await goslim(['binary', file, '--json']);
        writeFileSync(join(dir, name), saved.stdout);
      }
      const fromReports = JSON.parse((await goslim(['compare', join(dir, 'a.json'), join(dir, 'b.json'), '--json'])).stdout) as BinaryComparison;
      expectValid(fromReports);
      expect(fromReports.levers).toEqual(c.levers);
      expect(fromReports.a.source).toBe('binary-report');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const text = await goslim(['compare', a, b]);
    expect(text.stdout).toContain(`[strip-symbols] ${''}`);
    expect(text.stdout).toContain(`(${delta} B)`);
    expect(text.stdout).toMatch(/-ldflags\s+\(unset\) -> -s -w\s+\[strip-symbols\]/);
  });
});
