import { describe, expect, it } from 'vitest';
import { attributeCauses, goLocationsFromEnv } from './causes.js';
import { estimateAfterLevers, STATIC_BASE_BYTES } from './estimate.js';
import { FsIndex } from './fs-index.js';
import { startVerdict } from './go-binaries.js';
import { rankLevers } from './levers.js';
import { buildOnlyPackages } from './build-packages.js';
import { buildPackageDb } from './package-db.js';
import { fatImage, file } from './test-helpers.js';
import type { GoBinary, GoBinaryFacts } from './types.js';

const dynamicFacts: GoBinaryFacts = {
  path: 'src/greeter',
  size: 5000,
  linking: 'dynamic',
  interpreter: '/lib64/ld-linux-x86-64.so.2',
  needed: ['libc.so.6'],
  go: { version: 'go1.19.8', settings: { CGO_ENABLED: '1' } },
  strip: { symtab: 700, dwarf: 1300, alignment: 0, total: 2000 },
  trimpath: { leakedPaths: 12, examples: ['/src/cmd/greeter/main.go'] },
};

describe('levers', () => {
  it('ranks multi-stage first on a single-stage image and never claims a byte twice', () => {
    const { files, ctx, db, fs } = fatImage();
    const a = attributeCauses(files, ctx);
    const gb: GoBinary = { ...dynamicFacts, ...startVerdict(dynamicFacts, fs) };
    expect(gb.willStart).toBe(true);
    const r = rankLevers({ files, attribution: a, db, goBinaries: [gb] });
    expect(r.levers[0]?.id).toBe('multi-stage');
    // toolchain 12040 + go-source 23 + vcs 13 + build cache 15 + module cache 16
    expect(r.levers[0]?.bytes).toBe(12040 + 23 + 13 + 15 + 16);
    const ids = r.levers.map((l) => l.id);
    expect(ids).toEqual(['multi-stage', 'static-base', 'cgo-off', 'strip-symbols', 'trimpath']);
    // static-base: bash 1000 + libssl 500 + apt lists 700 + dpkg status 60 + apt 90 + docs 30 + debian_version 18
    expect(r.levers.find((l) => l.id === 'static-base')?.bytes).toBe(1000 + 500 + 700 + 60 + 90 + 30 + 18);
    // cgo-off takes libc while the Go binary is dynamic
    expect(r.levers.find((l) => l.id === 'cgo-off')?.bytes).toBe(2200);
    expect(r.levers.find((l) => l.id === 'strip-symbols')?.bytes).toBe(2000);
    expect(r.levers.find((l) => l.id === 'trimpath')?.bytes).toBe(0);
    // every claimed path is claimed once; unclaimed are the binary, runtime essentials and app files
    const unclaimed = files.filter((f) => f.type === 'file' && !r.claims.has(f.path)).map((f) => f.path).sort();
    expect(unclaimed).toEqual(['etc/passwd', 'src/Dockerfile', 'src/greeter', 'usr/share/zoneinfo/UTC']);
    expect(r.headline).toMatch(/^fix this first: 12\.1 kB of Go toolchain/);
    expect(r.headline).toContain('stripping saves 2.0 kB');
    for (const l of r.levers) for (const k of ['title', 'fix', 'lose', 'keep'] as const) expect(l[k].length).toBeGreaterThan(10);
  });

  it('says "will not start" for a dynamic Go binary on a base without its loader', () => {
    const files = [file('etc/ssl/certs/ca-certificates.crt', 200), file('usr/share/zoneinfo/UTC', 100), file('greeter', 5000, 1)];
    const fs = new FsIndex(files);
    const facts = { ...dynamicFacts, path: 'greeter' };
    const gb: GoBinary = { ...facts, ...startVerdict(facts, fs) };
    expect(gb.willStart).toBe(false);
    expect(gb.problem).toContain('/lib64/ld-linux-x86-64.so.2');
    const ctx = { db: buildPackageDb(new Map()), fs, goBinaryPaths: new Set(['greeter']), go: goLocationsFromEnv([]) };
    const r = rankLevers({ files, attribution: attributeCauses(files, ctx), db: ctx.db, goBinaries: [gb] });
    const cgo = r.levers.find((l) => l.id === 'cgo-off');
    expect(cgo?.verdict).toBe('will not start');
    expect(cgo?.bytes).toBe(0);
    expect(r.levers.map((l) => l.id)).not.toContain('static-base');
    expect(r.headline).toMatch(/^broken: \/greeter will not start/);
  });

  it('finds build-only packages through the Depends graph, keeping what runtime packages need', () => {
    const db = buildPackageDb(
      new Map([
        [
          'var/lib/dpkg/status',
          [
            'Package: libc6\nStatus: install ok installed\n',
            'Package: bash\nStatus: install ok installed\nEssential: yes\nPre-Depends: libc6\n',
            'Package: gcc-12\nStatus: install ok installed\nDepends: cpp-12, libc6, libisl23\n',
            'Package: gcc\nStatus: install ok installed\nDepends: gcc-12\n',
            'Package: cpp-12\nStatus: install ok installed\nDepends: libisl23, libc6\n',
            'Package: libisl23\nStatus: install ok installed\n',
            'Package: git\nStatus: install ok installed\nDepends: perl, libcurl3-gnutls\n',
            'Package: perl\nStatus: install ok installed\n',
            'Package: libcurl3-gnutls\nStatus: install ok installed\n',
            'Package: curl\nStatus: install ok installed\nDepends: libcurl4\n',
            'Package: libcurl4\nStatus: install ok installed\n',
            'Package: libc6-dev\nStatus: install ok installed\nDepends: libc6\n',
            'Package: tool-needing-perl\nStatus: install ok installed\nDepends: perl\n',
          ].join('\n'),
        ],
      ]),
    );
    const only = [...buildOnlyPackages(db)].sort();
    expect(only).toEqual(['cpp-12', 'gcc', 'gcc-12', 'git', 'libc6-dev', 'libcurl3-gnutls', 'libisl23']);
  });
});

describe('estimate', () => {
  it('adds stripped binaries, app files and a static base', () => {
    const gb: GoBinary = { ...dynamicFacts, willStart: true, strippedCompressed: 1234 };
    const e = estimateAfterLevers({ goBinaries: [gb], appFiles: [{ path: 'app/x.html', bytes: 1000, ratio: 0.5 }], runtimeRatio: 0.25, imageRatio: 0.4 });
    expect(e.size).toBe(3000 + 1000 + STATIC_BASE_BYTES);
    expect(e.compressedSize).toBe(1234 + 500 + Math.round(STATIC_BASE_BYTES * 0.25));
    expect(e.parts).toHaveLength(3);
    const noRuntime = estimateAfterLevers({ goBinaries: [{ ...dynamicFacts, willStart: true }], appFiles: [], imageRatio: 0.4 });
    expect(noRuntime.compressedSize).toBe(Math.round(3000 * 0.4) + Math.round(STATIC_BASE_BYTES * 0.4));
  });

  it('is never larger than the image: a scratch image keeps its own (empty) base', () => {
    // A stripped static binary alone on scratch: 4.5 MB now; the static base must not be added.
    const bin: GoBinary = { ...dynamicFacts, linking: 'static', interpreter: null, needed: [], size: 4_500_000, strip: { symtab: 0, dwarf: 0, alignment: 0, total: 0 }, willStart: true, strippedCompressed: 2_000_000 };
    const e = estimateAfterLevers({ goBinaries: [bin], appFiles: [], imageRatio: 0.45, now: { fileBytes: 4_500_000, compressedSize: 2_010_000 } });
    expect(e.size).toBe(4_500_000);
    expect(e.size).toBeLessThanOrEqual(4_500_000);
    expect(e.compressedSize).toBeLessThanOrEqual(2_010_000);
    expect(e.parts.map((p) => p.what)).toEqual(['/src/greeter (stripped)']);
    // scratch plus 300 kB of certificates: those stay, no 2 MB base appears
    const certs = estimateAfterLevers({ goBinaries: [bin], appFiles: [], imageRatio: 0.45, now: { fileBytes: 4_800_000, compressedSize: 2_200_000 } });
    expect(certs.size).toBe(4_800_000);
    // a Debian base keeps the 2 MB static base figure
    const fat = estimateAfterLevers({ goBinaries: [bin], appFiles: [], imageRatio: 0.45, now: { fileBytes: 80_000_000, compressedSize: 30_000_000 } });
    expect(fat.size).toBe(4_500_000 + STATIC_BASE_BYTES);
  });
});
