import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { expect, it } from 'vitest';
import { analyzeBinary, readElf } from '../binary/index.js';
import type { LayerEntry } from '../image/filesystem/types.js';
import { gzipSync } from 'node:zlib';
import { elfExtent, finalGoBinaries, GoBinaryCollector, gzipSize, isBinaryCandidate, strippedView } from './go-binaries.js';
import { FsIndex } from './fs-index.js';
import { file } from './test-helpers.js';
import type { GoBinaryFacts } from './types.js';
import { buildFixture, HELLO } from '../../test/fixtures/go/build-fixtures.js';
import { factsFromReport } from './inspect.js';
import { sizeTree, sizeTreeBytes } from '../binary/size-tree.js';
import { describeWithTools } from '../../test/helpers/tools.js';

// A real Go program and a real C program from the machine (Debian's golang-go is a test dependency).
const GO_BIN = '/usr/lib/go-1.19/bin/gofmt';
const C_BIN = '/bin/ls';

function entry(path: string, size: number, layer = 0): LayerEntry {
  return { path, type: 'file', size, mode: 0o755, uid: 0, gid: 0, layer };
}

function chunked(buf: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

const analyze = (bytes: Uint8Array, path: string) => factsFromReport(analyzeBinary(bytes, { path }), path);
const sections = (bytes: Uint8Array) => readElf(bytes).sections.map((s) => ({ name: s.name, offset: s.offset, fileSize: s.fileSize }));

describeWithTools(['go-1.19'], 'GoBinaryCollector on real executables', () => {
  it('keeps and analyzes a Go binary streamed in odd-sized chunks; drops a C binary', async () => {
    const go = readFileSync(GO_BIN);
    const c = readFileSync(C_BIN);
    const col = new GoBinaryCollector(analyze, sections);
    await col.consume(entry('app/gofmt', go.length, 2), chunked(go, 4093));
    await col.consume(entry('bin/ls', c.length), chunked(c, 4093));
    await col.settle();
    expect(col.size).toBe(1);
    const f = col.get(2, 'app/gofmt');
    expect(f?.size).toBe(go.length);
    expect(f?.go?.version).toMatch(/^go1\./);
    expect(f?.linking).toBe('static');
    expect(col.get(0, 'bin/ls')).toBeUndefined();
    expect(col.late).toEqual([]);
    // strippedCompressed measured on the bytes -s -w keeps
    const kept = strippedView(go, sections(go)).reduce((s, b) => s + b.length, 0);
    expect(kept).toBe(go.length - (f?.strip.total ?? 0));
    expect(f?.strippedCompressed).toBeGreaterThan(0);
    expect(f?.strippedCompressed).toBeLessThan(kept);
  });

  it('a writer that reuses one buffer for every chunk (as the walk may) gets the same facts: what the collector keeps, it copies', async () => {
    const go = readFileSync(GO_BIN);
    const fresh = new GoBinaryCollector(analyze, sections);
    await fresh.consume(entry('app/gofmt', go.length), chunked(go, 4093));
    await fresh.settle(); // the stripped size is measured on the thread pool
    expect(fresh.get(0, 'app/gofmt')?.strippedCompressed).toBeGreaterThan(0);
    for (const size of [3, 4093, 16 * 1024 + 1, 1 << 20]) {
      const col = new GoBinaryCollector(analyze, sections);
      const sink = col.sink(entry('app/gofmt', go.length));
      const scratch = Buffer.alloc(size);
      for (let at = 0; at < go.length; at += size) {
        const n = go.copy(scratch, 0, at, Math.min(go.length, at + size));
        sink.write(scratch.subarray(0, n));
        scratch.fill(0xa5); // the next chunk, or anything: a view kept by the collector would see this
      }
      await sink.end();
      await col.settle();
      expect(col.get(0, 'app/gofmt'), `chunks of ${size}`).toEqual(fresh.get(0, 'app/gofmt'));
    }
    // A small executable that is not yet judged when its only chunk ends is held as a copy too.
    const tiny = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c]), Buffer.alloc(9)]);
    const col = new GoBinaryCollector(analyze, sections);
    const sink = col.sink(entry('x', tiny.length));
    const scratch = Buffer.from(tiny.subarray(0, 3));
    sink.write(scratch);
    scratch.fill(0);
    sink.write(tiny.subarray(3));
    await sink.end();
    expect(col.get(0, 'x')).toBeUndefined(); // an ELF magic is seen (not a zeroed one), then no Go: nothing kept, no throw
  });

  it('flags an ELF whose only Go marker comes late, and reads it whole when forced', async () => {
    const go = readFileSync(GO_BIN);
    // Same bytes with the early build-ID note header and build-info magic blanked out: only
    // late markers (.gopclntab in .shstrtab) remain, as in binaries not linked by cmd/go.
    const altered = Buffer.from(go);
    for (const pat of [Buffer.from([4, 0, 0, 0, 0x47, 0x6f, 0, 0]), Buffer.from('\xff Go buildinf:', 'latin1')]) {
      let i = altered.indexOf(pat);
      while (i >= 0 && i < 64 * 1024) {
        altered.fill(0x58, i, i + pat.length);
        i = altered.indexOf(pat, i + 1);
      }
    }
    const col = new GoBinaryCollector(analyze);
    await col.consume(entry('srv', altered.length), chunked(altered, 65536));
    expect(col.late).toEqual([{ layer: 0, path: 'srv' }]);
    expect(col.size).toBe(0);
    await col.consume(entry('srv', altered.length), chunked(altered, 65536), true);
    expect(col.get(0, 'srv')?.path).toBe('srv');

    // The late search covers only the bytes before the section header table (where .shstrtab
    // is); without a table offset (e_shoff 0) it covers the whole file and still finds it.
    const noTable = Buffer.from(altered);
    noTable.fill(0, 0x28, 0x30);
    const col2 = new GoBinaryCollector(analyze);
    await col2.consume(entry('srv', noTable.length), chunked(noTable, 65536));
    expect(col2.late).toEqual([{ layer: 0, path: 'srv' }]);
    // A marker far before the table is not searched for: with .gopclntab renamed in .shstrtab,
    // the build-info magic blanked and .gopclntab planted 1 MB into the file, the same binary
    // is no longer flagged.
    const shoff = Number(altered.readBigUInt64LE(0x28));
    expect(shoff).toBeGreaterThan(2 * 1024 * 1024);
    const planted = Buffer.from(altered);
    const inTable = planted.lastIndexOf(Buffer.from('.gopclntab', 'latin1'));
    expect(inTable).toBeGreaterThan(shoff - 64 * 1024);
    planted.write('.gopclntaX', inTable, 'latin1');
    const magic = Buffer.from('\xff Go buildinf:', 'latin1');
    for (let i = planted.indexOf(magic); i >= 0; i = planted.indexOf(magic, i + 1)) planted.fill(0x58, i, i + magic.length);
    planted.write('.gopclntab', 1024 * 1024, 'latin1');
    // The same in the walk's big chunks (1 MiB), where a region is a slice of a chunk.
    for (const size of [65536, 1024 * 1024]) {
      const col3 = new GoBinaryCollector(analyze);
      await col3.consume(entry('srv', planted.length), chunked(planted, size));
      expect(col3.late).toEqual([]);
      const col4 = new GoBinaryCollector(analyze);
      await col4.consume(entry('srv', altered.length), chunked(altered, size));
      expect(col4.late).toEqual([{ layer: 0, path: 'srv' }]);
    }
  });

  it('measures gzip -6 sizes exactly below 2 MiB and within 0.5 % of one stream above', async () => {
    const c = readFileSync(C_BIN);
    expect(c.length).toBeLessThan(2 << 20);
    expect(await gzipSize([c.subarray(0, 1000), c.subarray(1000)])).toBe(gzipSync(c, { level: 6 }).length);
    const go = readFileSync(GO_BIN); // 2.2 MB: two pieces
    const one = gzipSync(go, { level: 6 }).length;
    const pieces = await gzipSize(strippedView(go, []));
    expect(Math.abs(pieces - one) / one).toBeLessThan(0.005);
  });

  it('ignores non-executable trees and non-ELF files', async () => {
    expect(isBinaryCandidate(entry('usr/lib/go-1.19/bin/go', 10_000_000))).toBe(false);
    expect(isBinaryCandidate(entry('go/pkg/mod/cache/x', 100_000))).toBe(false);
    expect(isBinaryCandidate(entry('app/server', 100_000))).toBe(true);
    const col = new GoBinaryCollector(analyze);
    await col.consume(entry('app/script.sh', 20), Readable.from([Buffer.from('#!/bin/sh\necho .gopclntab\n')]));
    expect(col.size).toBe(0);
    expect(col.late).toEqual([]);
  });
});

describeWithTools(['go'], 'a Go binary padded with zeros (issue 11: a 5 MB layer took 1.1 GB)', () => {
  it('keeps only the bytes its ELF tables reach (Go linker: section table in the first page), and reports the file size', async () => {
    const go = readFileSync(await buildFixture(HELLO('default')));
    expect(elfExtent(go.subarray(0, 16384))).toBe(go.length);
    const padding = 256 * 1024 * 1024;
    const kept: number[] = [];
    const col = new GoBinaryCollector((bytes, path) => {
      kept.push(bytes.length);
      return analyze(bytes, path);
    }, sections);
    const sink = col.sink(entry('app', go.length + padding));
    for (let i = 0; i < go.length; i += 65536) sink.write(go.subarray(i, i + 65536));
    const zeros = Buffer.alloc(1 << 20);
    for (let i = 0; i < padding; i += zeros.length) sink.write(zeros);
    await sink.end();
    await col.settle();
    expect(kept).toEqual([go.length]);
    expect(col.get(0, 'app')?.size).toBe(go.length + padding);
    expect(col.get(0, 'app')?.go?.version).toMatch(/^go1\./);
    // The size tree of the HTML report counts the padding past the ELF's extent as `goslim binary`
    // does on the whole file: it adds up to the file's size.
    const withTree = new GoBinaryCollector((bytes, path) => factsFromReport(analyzeBinary(bytes, { path }), path, true), sections);
    const sink2 = withTree.sink(entry('app', go.length + 5000));
    for (let i = 0; i < go.length; i += 65536) sink2.write(go.subarray(i, i + 65536));
    sink2.write(Buffer.alloc(5000));
    await sink2.end();
    const tree = withTree.get(0, 'app')?.sizeTree;
    expect(tree && sizeTreeBytes(tree)).toBe(go.length + 5000);
    const whole = sizeTree(analyzeBinary(Buffer.concat([go, Buffer.alloc(5000)]), { path: 'app' }));
    expect(tree?.d?.find((n) => n.k === 'headers')?.b).toBe(whole.d?.find((n) => n.k === 'headers')?.b);
  });

  it('a binary whose section table is at the end has no extent from its first page (kept whole, up to image.binaryBytes)', async () => {
    const c = readFileSync(C_BIN);
    expect(elfExtent(c.subarray(0, 16384))).toBeUndefined();
  });
});

it('finalGoBinaries keeps the final version of each binary found: a regular file that costs bytes, not a toolchain package’s', () => {
  const facts = (path: string, size: number): GoBinaryFacts => ({
    path,
    size,
    linking: 'static',
    interpreter: null,
    go: { version: 'go1.19' },
    strip: { symtab: 1, dwarf: 2, alignment: 0, total: 3 },
    trimpath: { leakedPaths: 0, examples: [] },
  });
  const col = new GoBinaryCollector(() => undefined);
  col.add(0, facts('app/server', 100)); // replaced by layer 2's version below
  col.add(2, facts('app/server', 300));
  col.add(0, facts('app/gone', 50)); // overwritten in layer 1 by a file that is not a Go binary
  col.add(1, facts('app/tool', 200));
  col.add(1, facts('app/link', 200)); // a second hardlink: costs nothing, not a second binary
  col.add(1, facts('usr/bin/pkgtool', 80));
  col.add(1, facts('usr/lib/go-1.19/bin/go', 900));
  const fs = new FsIndex([
    file('app/server', 300, 2),
    file('app/gone', 10, 1),
    file('app/tool', 200, 1),
    file('app/link', 200, 1, { type: 'hardlink', charged: 0, linkname: 'app/tool' }),
    file('usr/bin/pkgtool', 80, 1),
    file('usr/lib/go-1.19/bin/go', 900, 1),
  ]);
  const owners = new Map([
    ['usr/bin/pkgtool', 'sometools'],
    ['usr/lib/go-1.19/bin/go', 'golang-1.19-go'],
  ]);
  const out = finalGoBinaries(col, fs, (p) => owners.get(p));
  expect(out.map((b) => [b.path, b.size, b.package, b.willStart])).toEqual([
    ['app/server', 300, undefined, true],
    ['app/tool', 200, undefined, true],
    ['usr/bin/pkgtool', 80, 'sometools', true],
  ]);
});
