/**
 * analyzeBinary through a ByteSource (what `goslim binary` does: range by range, never the whole
 * file for an ELF Go 1.18+ binary) gives the same report as from the bytes, on every fixture; and it
 * really reads by range: no single read covers the file.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { ATTRIBUTION, buildFixtures, FOREIGN, IMPORT_SITES, MATRIX } from '../../test/fixtures/go/build-fixtures.js';
import { describeWithTools } from '../../test/helpers/tools.js';
import { analyzeBinary } from './analyze.js';
import type { ByteSource } from './source.js';

/** A source over bytes in memory that records each read's length. */
function recording(bytes: Uint8Array): ByteSource & { reads: number[] } {
  const reads: number[] = [];
  return {
    size: bytes.length,
    reads,
    readInto(target, targetOffset, offset, length) {
      reads.push(length);
      target.set(bytes.subarray(offset, offset + length), targetOffset);
    },
  };
}

describeWithTools(['go'], 'analyzeBinary from a ByteSource', () => {
  const bins = new Map<string, string>();
  const specs = [...ATTRIBUTION, ...IMPORT_SITES, ...MATRIX, ...FOREIGN];
  beforeAll(async () => {
    for (const [k, v] of await buildFixtures(specs)) bins.set(k, v);
  }, 900_000);

  it('gives the report the bytes give, for every fixture (ELF, Mach-O, PE; stripped or not; other architectures)', () => {
    for (const [name, path] of bins) {
      const bytes = readFileSync(path);
      const src = recording(bytes);
      expect(analyzeBinary(src, { path: name }), name).toEqual(analyzeBinary(bytes, { path: name }));
    }
  });

  it('reads an ELF Go binary by range: no read covers the file, and the code goes a chunk at a time', () => {
    for (const name of ['server.default', 'webapp.default', 'pprof.default', 'pprof.sw']) {
      const bytes = readFileSync(bins.get(name)!);
      const src = recording(bytes);
      analyzeBinary(src, { path: name });
      expect(Math.max(...src.reads), name).toBeLessThan(bytes.length / 2);
    }
  });

  it('reads the pclntab and the data sections through bounded pages: no read covers either', () => {
    for (const name of ['pprof.default', 'pprof.sw', 'server.default']) {
      const bytes = readFileSync(bins.get(name)!);
      const src = recording(bytes);
      const report = analyzeBinary(src, { path: name });
      const size = (n: string): number => report.sections.find((s) => s.name === n)!.size;
      expect(size('.gopclntab'), name).toBeGreaterThan(1 << 18);
      expect(Math.max(...src.reads), name).toBeLessThan(size('.gopclntab'));
      expect(Math.max(...src.reads), name).toBeLessThan(size('.rodata'));
    }
  });

  it('a truncated file fails with the same code either way', () => {
    const bytes = readFileSync(bins.get('server.default')!);
    for (const cut of [100, 5000, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const part = bytes.subarray(0, cut);
      let fromBytes = '';
      let fromSource = '';
      try {
        analyzeBinary(part);
      } catch (err) {
        fromBytes = (err as { code?: string }).code ?? 'no code';
      }
      try {
        analyzeBinary(recording(part));
      } catch (err) {
        fromSource = (err as { code?: string }).code ?? 'no code';
      }
      expect(fromSource, `cut at ${cut}`).toBe(fromBytes);
    }
  });
});
