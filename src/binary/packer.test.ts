import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBinary } from './analyze.js';
import { detectPacker } from './packer.js';

const REPO = join(import.meta.dirname, '..', '..');
const packed = readFileSync(join(REPO, 'test', 'fixtures', 'packed', 'upx-empty-go.bin'));

describe('packed executables (UPX)', () => {
  it("reads UPX's PackHeader from a real packed Go program: format, method, level, the original size; the release from its loader", () => {
    expect(detectPacker(packed)).toEqual({
      packer: 'upx',
      version: 14,
      release: '4.23',
      format: 'linux/elf64-amd64',
      method: 'lzma',
      level: 10,
      unpackedSize: 782_336,
      compressedSize: expect.any(Number),
    });
  });

  it('goslim binary says the program is packed and hidden, with the exe-compression hint, instead of "not a Go executable"', () => {
    const r = analyzeBinary(packed, { path: '/app' });
    expect(r.go).toBeNull();
    expect(r.packed).toMatchObject({ packer: 'upx', unpackedSize: 782_336 });
    const h = r.hints.find((x) => x.hint === 'exe-compression');
    expect(h).toMatchObject({ id: 'binary/exe-compression', bytes: packed.length, explain: 'goslim explain exe-compression', items: [{ name: 'unpacked program', bytes: 782_336 }] });
    expect(h!.title).toContain('782 kB');
    expect(h!.title).toContain('packed with UPX 4.23 (lzma');
  });

  it('a loader without the release ident (or with it out of reach) still names the packer, without a release', () => {
    const at = packed.lastIndexOf(Buffer.from('$Id: UPX '));
    expect(packed.length - at).toBe(2427); // where UPX 4.2.3 put it in the fixture
    const noIdent = Buffer.from(packed);
    noIdent.write('$Id: upx ', at, 'latin1');
    expect(detectPacker(noIdent)).toMatchObject({ packer: 'upx', release: null, unpackedSize: 782_336 });
  });

  it('a header whose checksum does not match, or a UPX! string far from the end, is not a packer', () => {
    const bad = Buffer.from(packed);
    bad[bad.length - 36 + 31] = bad[bad.length - 36 + 31]! ^ 1; // the PackHeader's checksum byte
    expect(detectPacker(bad)).toBeNull();
    const far = Buffer.alloc(8192);
    far.set(packed.subarray(packed.length - 36), 100); // a valid header, but 8 KiB from the end
    expect(detectPacker(far)).toBeNull();
    expect(detectPacker(Buffer.alloc(0))).toBeNull();
  });
});
