/**
 * Go build info: inline (Go 1.18+) blobs with random versions and modinfo text, placed at a
 * 16-aligned offset in random bytes and read through a flat source (header, varints, modinfo
 * parser, recovery by sentinels); and pointer-format (pre-1.18) ELFs with mutated pointers and
 * string headers, through the analyzer.
 */
import fc from 'fast-check';
import { analyzeBinary } from '../../../src/binary/analyze.js';
import { ByteView } from '../../../src/binary/bytes.js';
import { readBuildInfo, type BuildInfoSource } from '../../../src/binary/buildinfo.js';
import { framed, inlineBuildInfo, pointerFormatElf } from '../../fixtures/go/elf-builder.js';
import { elfRegions } from '../binary-seeds.js';
import { applyEdits, editsArb, type Edit } from '../mutate.js';
import type { FuzzTarget } from '../target.js';

const line = fc.oneof(
  fc.constantFrom('path\texample.com/x', 'mod\texample.com/x\t(devel)\t', 'dep\tgolang.org/x/text\tv0.7.0\th1:abc=', '=>\t../local\t', 'build\t-ldflags="-s -w"', 'build\tCGO_ENABLED=0', 'build\t"quoted\\tkey"="v"'),
  fc.string({ maxLength: 40 }),
);
const modinfo = fc.array(line, { maxLength: 8 }).map((l) => l.join('\n'));

type Input =
  | { kind: 'inline'; version: string; modinfo: string; ptr: 4 | 8; be: boolean; pad: number; noise: Uint8Array; edits: Edit[]; framedOnly: boolean }
  | { kind: 'pointer'; cls: 32 | 64; le: boolean; version: string; modinfo: string; edits: Edit[] };

function flat(bytes: Uint8Array): BuildInfoSource {
  const whole = { offset: 0, size: bytes.length };
  return { file: new ByteView(bytes), ranges: [whole], rodata: [whole], vaToOffset: (va, size) => (va >= 0 && va + size <= bytes.length ? va : undefined) };
}

export const target: FuzzTarget<Input> = {
  name: 'buildinfo',
  arbitrary: fc.oneof(
    fc.record({
      kind: fc.constant('inline' as const),
      version: fc.oneof(fc.constantFrom('go1.22.1', 'go1.18', 'devel go1.23-abc'), fc.string({ maxLength: 30 })),
      modinfo,
      ptr: fc.constantFrom(4 as const, 8 as const),
      be: fc.boolean(),
      pad: fc.nat({ max: 8 }),
      noise: fc.uint8Array({ maxLength: 64 }),
      edits: fc.oneof(fc.constant([] as Edit[]), editsArb(4)),
      framedOnly: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant('pointer' as const),
      cls: fc.constantFrom(32 as const, 64 as const),
      le: fc.boolean(),
      version: fc.constantFrom('go1.17', 'go1.13.15'),
      modinfo,
      edits: editsArb(5),
    }),
  ),
  run(i) {
    if (i.kind === 'pointer') {
      const seed = pointerFormatElf(i.cls, i.le, i.version, i.modinfo, i.le ? 62 : 8);
      return analyzeBinary(applyEdits(seed, elfRegions(seed), i.edits));
    }
    // framedOnly: no header at all, only the modinfo sentinels and a version string (recovery path).
    const blob = i.framedOnly ? Uint8Array.from([...Buffer.from(i.version), 0, ...framed(i.modinfo)]) : inlineBuildInfo(i.version, i.modinfo, i.ptr, i.be);
    const bytes = new Uint8Array(i.pad * 16 + blob.length + i.noise.length);
    bytes.set(blob, i.pad * 16);
    bytes.set(i.noise, i.pad * 16 + blob.length);
    const mutated = applyEdits(bytes, [{ offset: i.pad * 16, size: 48 }, { offset: 0, size: bytes.length }], i.edits);
    return readBuildInfo(flat(mutated));
  },
  ciRuns: 500,
};
