import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_COST_MODEL, parseBandwidth, parseCount } from '../analysis/cost.js';
import type { GoBinary, Lever } from '../analysis/types.js';
import { compareBinaries, moduleOf, type BinaryInput } from './binaries.js';
import { checkCompareBudgets, parseMaxGrowth } from './budgets.js';
import { changes, formatSize3, headlineOf, sizePair } from './headline.js';
import { compareImages, matchLayers, type InspectInput } from './images.js';
import { parseSavedReport } from './saved.js';

const SIDES = { a: { input: 'a', source: 'image' as const }, b: { input: 'b', source: 'image' as const } };
const OPTS = { cost: { ...DEFAULT_COST_MODEL }, costDefaults: { bandwidth: true, nodes: true, keptTags: true } };

function layer(index: number, diffId: string, size: number, createdBy: string | null): InspectInput['layers'][number] {
  return { number: index + 1, digest: `sha256:${diffId}`, diffId, size, compressedSize: Math.floor(size / 3), compressedMethod: 'blob', createdBy, files: 1, added: 1, modified: 0, deleted: 0, deletedBytes: 0 };
}

function lever(id: Lever['id'], bytes: number): Lever {
  return { id, bytes, title: id, fix: '', lose: '', keep: '' };
}

function bin(path: string, size: number, over: Partial<GoBinary> = {}): GoBinary {
  return { path, size, linking: 'static', go: { version: 'go1.19.8', path: 'example.com/app' }, strip: { symtab: 10, dwarf: 20, alignment: 0, total: 30 }, trimpath: { leakedPaths: 0, examples: [] }, willStart: true, ...over };
}

function image(size: number, compressedSize: number, over: Partial<InspectInput> = {}): InspectInput {
  return {
    image: { ref: 'r', source: { transport: 'oci' }, digest: 'sha256:x', platform: 'linux/amd64', compressedSize, compressed: { method: 'blob' }, size, fileBytes: size, files: 3 },
    layers: [],
    causes: [],
    packages: [],
    largestFiles: [],
    goBinaries: [],
    wasted: { bytes: 0, efficiency: 1 },
    levers: [],
    headline: '',
    estimate: { size, compressedSize, parts: [], method: '' },
    anomalies: 0,
    ...over,
  };
}

describe('headline', () => {
  it('says the ratio when B is much smaller, the signed delta when it grew', () => {
    expect(headlineOf(sizePair(1_040_000_000, 9_200_000))).toBe('1.04 GB -> 9.20 MB (113x smaller)');
    expect(headlineOf(sizePair(73_800_000, 76_900_000))).toBe('+3.10 MB (+4.2 %): 73.8 MB -> 76.9 MB');
    expect(headlineOf(sizePair(100_000_000, 96_000_000))).toBe('100 MB -> 96.0 MB (-4.00 MB (-4.0 %))');
    expect(headlineOf(sizePair(5, 5))).toBe('no change: 5 B');
    expect(headlineOf(sizePair(10_000, 4_000))).toBe('10.0 kB -> 4.00 kB (2.5x smaller)');
    expect(formatSize3(1_082_951_680)).toBe('1.08 GB');
  });

  it('sorts rows by the size of the change and marks added and removed keys', () => {
    const rows = changes([['x', 10], ['y', 5], ['z', 1]], [['x', 11], ['y', 5], ['w', 100]]);
    expect(rows.map((r) => [r.key, r.status, r.delta])).toEqual([['w', 'added', 100], ['x', 'changed', 1], ['z', 'removed', -1], ['y', 'same', 0]]);
  });
});

describe('matchLayers', () => {
  it('pairs by diff_id first, then by instruction, and lists the rest as new or gone', () => {
    const a = [layer(0, 'base', 100, 'ADD rootfs'), layer(1, 'app1', 50, 'COPY app /app'), layer(2, 'tmp', 7, 'RUN rm -rf /tmp')];
    const b = [layer(0, 'base', 100, 'ADD rootfs'), layer(1, 'app2', 60, 'COPY  app /app'), layer(2, 'new', 3, 'ENV X=1')];
    const rows = matchLayers(a, b);
    expect(rows.map((r) => [r.a?.index ?? null, r.b?.index ?? null, r.matchedBy, r.delta])).toEqual([
      [1, 1, 'diff-id', 0],
      [2, 2, 'instruction', 10],
      [null, 3, null, 3],
      [3, null, null, -7],
    ]);
  });
});

describe('compareImages', () => {
  it('levers applied, remaining and new; Go binaries paired by main package when moved', () => {
    const a = image(1000, 400, {
      levers: [lever('multi-stage', 800), lever('strip-symbols', 30), lever('docs', 0)],
      goBinaries: [bin('usr/local/bin/app', 100)],
      causes: [{ id: 'go-toolchain', bytes: 800, files: 10 }, { id: 'go-binary', bytes: 100, files: 1 }],
    });
    const b = image(90, 40, {
      levers: [lever('strip-symbols', 30), lever('apt-lists', 5)],
      goBinaries: [bin('app', 70, { strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 } })],
      causes: [{ id: 'go-binary', bytes: 70, files: 1 }],
    });
    const r = compareImages(a, b, SIDES, OPTS);
    expect(r.kind).toBe('compare');
    expect(r.schemaVersion).toBe(1);
    expect(r.ratio).toBe(1000 / 90);
    expect(r.levers.applied).toEqual([{ id: 'multi-stage', bytes: 800 }]);
    expect(r.levers.remaining).toEqual([{ id: 'strip-symbols', bytes: 30, bytesA: 30 }, { id: 'apt-lists', bytes: 5, bytesA: null }]);
    expect(r.levers.new).toEqual(['apt-lists']);
    expect(r.goBinaries).toHaveLength(1);
    expect(r.goBinaries[0]).toMatchObject({ key: 'usr/local/bin/app -> app', delta: -30, levers: ['strip-symbols'] });
    expect(r.causes[0]).toMatchObject({ key: 'go-toolchain', status: 'removed', delta: -800 });
    expect(r.startup.a.verdict).toBeNull();
    expect(r.cost.a).toEqual(costOf({ size: 1000, compressedSize: 400 }, DEFAULT_COST_MODEL));
  });

  it('a Go binary packed with UPX in B: its row says so (not a binary that went away), and the packed executables are listed', () => {
    const upx = (release: string | null) => ({ packer: 'upx' as const, version: 14, release, format: 'linux/elf64-amd64', method: 'lzma', level: 10, unpackedSize: 100, compressedSize: 30 });
    const packed = (path: string, size: number, release: string | null) => ({ path, size, packed: upx(release), hint: 'exe-compression' as const, title: '', fix: '', lose: '', keep: '', explain: '' });
    const a = image(1000, 400, { goBinaries: [bin('/app', 100), bin('/bin/other', 50, { go: { version: 'go1.19.8', path: 'example.com/other' } })], packedBinaries: [packed('/tool', 20, null)] });
    const b = image(900, 400, { goBinaries: [bin('/bin/other', 50, { go: { version: 'go1.19.8', path: 'example.com/other' } })], packedBinaries: [packed('/app', 30, '4.23'), packed('/tool', 25, '4.23')] });
    const r = compareImages(a, b, SIDES, OPTS);
    const app = r.goBinaries.find((g) => g.key === '/app')!;
    expect(app).toMatchObject({ status: 'removed', a: 100, b: null });
    expect(app.notes).toEqual(['packed with UPX 4.23 in B (30 B): its contents are hidden there']);
    expect(r.packedBinaries).toEqual([
      { key: '/app', a: null, b: 30, delta: 30, status: 'added', packer: { a: null, b: 'UPX 4.23' } },
      { key: '/tool', a: 20, b: 25, delta: 5, status: 'changed', packer: { a: 'UPX', b: 'UPX 4.23' } },
    ]);
    // Unpacked again (B against A reversed): the row is added, with where it came from.
    const back = compareImages(b, a, SIDES, OPTS);
    expect(back.goBinaries.find((g) => g.key === '/app')!.notes).toEqual(['was packed with UPX 4.23 in A (30 B)']);
    // A report saved before packed executables were reported compares with none.
    const old = image(10, 5, { goBinaries: [bin('usr/local/bin/app', 10)] });
    expect(compareImages(old, old, SIDES, OPTS).packedBinaries).toEqual([]);
  });

  it('says each side will start or not from its start-up checks', () => {
    const a = image(10, 5, { startup: { image: { ref: '', digest: '', platform: '' }, command: [], verdict: 'pass', checks: [] } });
    const b = image(10, 5, { startup: { image: { ref: '', digest: '', platform: '' }, command: [], verdict: 'fail', checks: [{ id: 'interpreter', status: 'fail', message: 'no /lib64/ld-linux-x86-64.so.2' }] } });
    const r = compareImages(a, b, SIDES, OPTS);
    expect(r.startup.a).toEqual({ verdict: 'pass', failures: [] });
    expect(r.startup.b).toEqual({ verdict: 'fail', failures: ['interpreter: no /lib64/ld-linux-x86-64.so.2'] });
  });
});

describe('budgets', () => {
  it('--max-growth as a percentage or a size; one line per crossed measure', () => {
    const r = compareImages(image(1000, 400), image(1030, 420), SIDES, OPTS);
    expect(checkCompareBudgets(r, { maxGrowth: parseMaxGrowth('5%') })).toEqual([]);
    const lines = checkCompareBudgets(r, { maxGrowth: parseMaxGrowth('1%') });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^uncompressed size grew \+30 B \(\+3\.0 %\).*30 B more.*--max-growth 1\.0 %/);
    expect(lines[1]).toMatch(/^compressed size grew \+20 B/);
    expect(checkCompareBudgets(r, { maxGrowth: parseMaxGrowth('25') })).toHaveLength(1);
    expect(checkCompareBudgets(compareImages(image(1000, 400), image(900, 300), SIDES, OPTS), { maxGrowth: parseMaxGrowth('0%') })).toEqual([]);
  });

  it('--fail-on-new-lever names each new lever', () => {
    const r = compareImages(image(10, 5, { levers: [lever('docs', 3)] }), image(10, 5, { levers: [lever('docs', 3), lever('cgo-off', 4)] }), SIDES, OPTS);
    const lines = checkCompareBudgets(r, { failOnNewLever: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^new lever cgo-off applies to B/);
  });

  it('rejects what is neither a percentage nor a size', () => {
    expect(() => parseMaxGrowth('lots')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });
});

describe('cost', () => {
  it('pull time from the compressed size, disk from the uncompressed size, registry from kept tags', () => {
    const c = costOf({ size: 1_000_000_000, compressedSize: 250_000_000 }, { bandwidthBitsPerSecond: parseBandwidth('100Mbit'), nodes: 50, keptTags: 30 });
    expect(c).toEqual({ pullSeconds: 20, nodesDisk: 50_000_000_000, registryStorage: 7_500_000_000 });
  });

  it('parses rates in bits and bytes, and rejects nonsense', () => {
    expect(parseBandwidth('100Mbit')).toBe(100e6);
    expect(parseBandwidth('1Gbit/s')).toBe(1e9);
    expect(parseBandwidth('100Mbps')).toBe(100e6);
    expect(parseBandwidth('12.5MB/s')).toBe(100e6);
    expect(() => parseBandwidth('fast')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseBandwidth('0Mbit')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseCount('0', '--nodes')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(parseCount('7', '--nodes')).toBe(7);
  });
});

function binary(over: Partial<BinaryInput> = {}): BinaryInput {
  return {
    path: 'x',
    size: 2000,
    linking: 'static',
    go: { version: 'go1.19.8', path: 'example.com/app', main: { path: 'example.com/app', version: '(devel)', sum: '' }, deps: [{ path: 'github.com/lib/pq', version: 'v1', sum: '', replace: null }], settings: { CGO_ENABLED: '0', '-ldflags': '' }, recovered: false, buildInfo: 'inline', pclntab: null },
    sections: [{ name: '.text', size: 1000, compressed: false }, { name: '.symtab', size: 300, compressed: false }, { name: '.strtab', size: 200, compressed: false }],
    strip: { symtab: 500, dwarf: 0, alignment: 0, total: 500 },
    trimpath: { leakedPaths: 0, files: 1, examples: [], estimatedBytes: 0, parts: { pclntab: 0, dwarfLine: null, gdbScripts: 0 } },
    packages: [{ name: 'main', size: 10 }, { name: 'runtime', size: 500 }, { name: 'github.com/lib/pq/oid', size: 40 }],
    cgo: { used: false, runtimeCgo: false, externalLinking: false, libraries: [] },
    findings: [],
    ...over,
  };
}

describe('compareBinaries', () => {
  it('names strip-symbols as the lever of a -s -w build, with the whole byte difference', () => {
    const a = binary({ findings: [{ id: 'strip', lever: 'strip-symbols', bytes: 500, estimated: false, title: '', fix: '', lose: '', keep: '', explain: '' }] });
    const b = binary({
      size: 1480,
      go: { ...a.go!, settings: { CGO_ENABLED: '0', '-ldflags': '-s -w' } },
      sections: [{ name: '.text', size: 1000, compressed: false }],
      strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 },
    });
    const r = compareBinaries(a, b, SIDES);
    expect(r.stripped).toEqual({ a: false, b: true });
    expect(r.settings).toEqual([{ key: '-ldflags', a: '', b: '-s -w', lever: 'strip-symbols' }]);
    expect(r.levers).toEqual([{ id: 'strip-symbols', delta: -520, why: expect.any(String) }]);
    expect(r.sections.filter((s) => s.lever === 'strip-symbols').map((s) => s.key).sort()).toEqual(['.strtab', '.symtab']);
    expect(r.findings).toEqual({ applied: ['strip-symbols'], remaining: [], new: [] });
    expect(r.headline).toBe('2.00 kB -> 1.48 kB (-520 B (-26.0 %))');
  });

  it('attributes packages to modules: main, dependencies by longest prefix, std', () => {
    expect(moduleOf('main', ['example.com/app'], 'example.com/app')).toBe('example.com/app');
    expect(moduleOf('github.com/lib/pq/oid', ['example.com/app', 'github.com/lib/pq', 'github.com/lib'], null)).toBe('github.com/lib/pq');
    expect(moduleOf('net/http', [], null)).toBe('std');
    expect(moduleOf('golang.org/x/net/http2', [], null)).toBe('(other)');
  });

  it('splits bytes by section when several levers changed together', () => {
    const a = binary({ linking: 'dynamic', cgo: { used: true, runtimeCgo: true, externalLinking: false, libraries: ['libc.so.6'] }, go: { ...binary().go!, settings: { CGO_ENABLED: '1', '-ldflags': '' } }, sections: [...binary().sections, { name: '.dynamic', size: 100, compressed: false }] });
    const b = binary({ size: 1000, sections: [{ name: '.text', size: 900, compressed: false }], strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 }, go: { ...binary().go!, settings: { CGO_ENABLED: '0', '-ldflags': '-s -w' } } });
    const r = compareBinaries(a, b, SIDES);
    expect(Object.fromEntries(r.levers.map((l) => [l.id, l.delta]))).toEqual({ 'cgo-off': -100, 'strip-symbols': -500 });
  });
});

describe('parseSavedReport', () => {
  it('tells inspect and binary reports apart by kind or by shape', () => {
    const inspect = image(10, 5);
    expect(parseSavedReport(JSON.stringify(inspect), 'a.json').kind).toBe('inspect');
    expect(parseSavedReport(JSON.stringify({ schemaVersion: 1, kind: 'inspect', ...inspect }), 'a.json').kind).toBe('inspect');
    expect(parseSavedReport(JSON.stringify(binary()), 'b.json').kind).toBe('binary');
  });

  it('E_MALFORMED naming the field for a wrong shape; E_UNSUPPORTED_FORMAT for another kind', () => {
    const bad = { ...image(10, 5), layers: [{ number: 1 }] };
    expect(() => parseSavedReport(JSON.stringify(bad), 'a.json')).toThrow(expect.objectContaining({ code: 'E_MALFORMED', details: expect.objectContaining({ field: 'layers[0].diffId' }) }));
    expect(() => parseSavedReport('{"levers": [{"id": "nope", "bytes": 1}], "image": {}, "layers": []}', 'a.json')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => parseSavedReport('{not json', 'a.json')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => parseSavedReport('[1]', 'a.json')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => parseSavedReport('{"kind": "compare", "schemaVersion": 1}', 'a.json')).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_FORMAT' }));
    expect(() => parseSavedReport('{"files": []}', 'a.json')).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_FORMAT' }));
  });

  it('checks the file tree and size trees of `inspect --json --tree`: indexes, tuples, depth', () => {
    const tree = {
      causes: ['go-binary', 'other'],
      packages: ['libc6'],
      smallFileBytes: 100,
      smallFiles: { files: 3, bytes: 90 },
      hidden: [[1, 50]],
      root: { n: '', d: [{ n: 'app', f: [['server', 5000, 0, -1, 1]], s: [[3, 90, 1, 1]] }] },
    };
    const sizeTree = { n: '/app/server', d: [{ n: '.text', b: 4000, k: 'section' }, { n: 'headers and padding', b: 1000, k: 'headers' }] };
    const base = image(10, 5);
    const ok = { ...base, tree, wasted: { bytes: 50 } };
    expect(parseSavedReport(JSON.stringify(ok), 'a.json').kind).toBe('inspect');
    const withTree = (t: unknown): string => JSON.stringify({ ...ok, tree: t });
    const malformed = (text: string, field: string): void =>
      expect(() => parseSavedReport(text, 'a.json')).toThrow(expect.objectContaining({ code: 'E_MALFORMED', details: expect.objectContaining({ field }) }));
    malformed(withTree({ ...tree, root: { n: '', d: [{ n: 'app', f: [['server', 5000, 2, -1, 1]] }] } }), 'tree.root.d[0].f[0][2]');
    malformed(withTree({ ...tree, root: { n: '', d: [{ n: 'app', f: [['server', 5000, 0, 1, 1]] }] } }), 'tree.root.d[0].f[0][3]');
    malformed(withTree({ ...tree, root: { n: '', f: [['server', -1, 0, -1, 1]] } }), 'tree.root.f[0][1]');
    malformed(withTree({ ...tree, root: { n: '', s: [[1, 2, 3]] } }), 'tree.root.s[0]');
    malformed(withTree({ ...tree, causes: ['nope'] }), 'tree.causes[0]');
    // Deeper than any path: E_LIMIT, not a stack overflow.
    let deep: Record<string, unknown> = { n: 'x' };
    for (let i = 0; i < 300; i++) deep = { n: 'x', d: [deep] };
    expect(() => parseSavedReport(withTree({ ...tree, root: deep }), 'a.json')).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    // A Go binary's size tree.
    const goBinary = { path: '/app/server', size: 5000, linking: 'static', go: { version: 'go1.19.8' }, strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 }, trimpath: { leakedPaths: 0 }, willStart: true };
    const bin = (st: unknown): string => JSON.stringify({ ...ok, goBinaries: [{ ...goBinary, sizeTree: st }] });
    expect(parseSavedReport(bin(sizeTree), 'a.json').kind).toBe('inspect');
    malformed(bin({ n: 'x', d: [{ n: 'y', b: 'big' }] }), 'goBinaries[0].sizeTree.d[0].b');
  });
});

