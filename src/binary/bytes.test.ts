import { describe, expect, it } from 'vitest';
import { GoslimError } from '../errors.js';
import { ByteView, Cursor, join64 } from './bytes.js';
import { parseModInfo, parseSetting, unframeModinfo, unquoteGo } from './modinfo.js';
import { detectExecutableFormat } from './format.js';

describe('ByteView', () => {
  const v = new ByteView(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 0x41, 0]), true);
  it('reads both byte orders', () => {
    expect(v.u16(0)).toBe(0x0201);
    expect(v.withEndian(false).u16(0)).toBe(0x0102);
    expect(v.u32(0)).toBe(0x04030201);
    const w = new ByteView(Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0]), true);
    expect(w.u64(0)).toBe(2 * 2 ** 32 + 1);
    expect(new ByteView(Uint8Array.from([0, 0, 0, 2, 0, 0, 0, 1]), false).u64(0)).toBe(2 * 2 ** 32 + 1);
    expect(v.cstring(8)).toBe('A');
  });
  it('throws typed errors, never RangeError', () => {
    expect(() => v.u32(8)).toThrow(expect.objectContaining({ code: 'E_TRUNCATED' }));
    expect(() => v.u8(-1)).toThrow(GoslimError);
    expect(() => v.u8(1.5)).toThrow(GoslimError);
    expect(() => v.sub(4, 4, 'malformed').u32(2)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(() => new ByteView(Uint8Array.from([0x41, 0x42])).cstring(0)).toThrow(expect.objectContaining({ code: 'E_TRUNCATED' }));
  });
  it('join64 is the one checked 64-bit conversion', () => {
    expect(join64(0x1f_ffff, 0xffffffff, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => join64(0x20_0000, 0, 'x')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    const big = new ByteView(Uint8Array.from([0, 0, 0, 0, 0, 0, 0x20, 0]), true);
    expect(() => big.u64(0)).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
  it('uvarint decodes LEB128 and bounds it', () => {
    expect(new Cursor(new ByteView(Uint8Array.from([0xba, 0x03]))).uvarint()).toBe(442);
    expect(() => new Cursor(new ByteView(Uint8Array.from(new Array(11).fill(0xff)))).uvarint()).toThrow(GoslimError);
    expect(() => new Cursor(new ByteView(Uint8Array.from([0x80]))).uvarint()).toThrow(expect.objectContaining({ code: 'E_TRUNCATED' }));
  });
});

describe('modinfo', () => {
  it('parses path, mod, dep, replacement and build settings', () => {
    const text = [
      'path\texample.com/hello',
      'mod\texample.com/hello\t(devel)\t',
      'dep\texample.com/greetlib\tv0.1.0',
      '=>\t../greetlib\t(devel)\t',
      '',
      'dep\tgolang.org/x/sys\tv0.1.0\th1:abc=',
      'build\t-compiler=gc',
      'build\t-ldflags="-s -w -X \\"main.v=1\\""',
      'build\t"weird key"=x',
      'build\tCGO_CFLAGS=',
      'build\tvcs.time=2023-01-01T00:00:00Z',
      'future\tsomething',
      '',
    ].join('\n');
    const m = parseModInfo(text);
    expect(m.path).toBe('example.com/hello');
    expect(m.main).toEqual({ path: 'example.com/hello', version: '(devel)', sum: '', replace: null });
    expect(m.deps).toEqual([
      { path: 'example.com/greetlib', version: 'v0.1.0', sum: '', replace: { path: '../greetlib', version: '(devel)', sum: '' } },
      { path: 'golang.org/x/sys', version: 'v0.1.0', sum: 'h1:abc=', replace: null },
    ]);
    expect(m.settings).toEqual({
      '-compiler': 'gc',
      '-ldflags': '-s -w -X "main.v=1"',
      'weird key': 'x',
      CGO_CFLAGS: '',
      'vcs.time': '2023-01-01T00:00:00Z',
    });
  });
  it('unquotes Go strings', () => {
    expect(unquoteGo('"a\\tb\\x41\\u00e9\\101"')).toBe('a\tbAéA');
    expect(unquoteGo('`raw\\n`')).toBe('raw\\n');
    expect(() => unquoteGo('"bad\\q"')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(parseSetting('`a=b`=`c d`')).toEqual(['a=b', 'c d']);
    expect(() => parseSetting('novalue')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
  });
  it('rejects a replacement without a module and unframes like debug/buildinfo', () => {
    expect(() => parseModInfo('=>\tx\tv1\n')).toThrow(expect.objectContaining({ code: 'E_MALFORMED' }));
    expect(unframeModinfo(new Uint8Array(20)).length).toBe(0);
    const ok = new Uint8Array(16 + 2 + 16);
    ok[17] = 0x0a;
    expect(unframeModinfo(ok).length).toBe(2);
  });
});

describe('detectExecutableFormat', () => {
  it('recognises ELF, Mach-O, fat Mach-O, PE and refuses Java class files', () => {
    expect(detectExecutableFormat(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]))).toBe('elf');
    expect(detectExecutableFormat(Uint8Array.from([0xcf, 0xfa, 0xed, 0xfe]))).toBe('macho');
    expect(detectExecutableFormat(Uint8Array.from([0xfe, 0xed, 0xfa, 0xce]))).toBe('macho');
    expect(detectExecutableFormat(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]))).toBe('macho');
    expect(detectExecutableFormat(Uint8Array.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52]))).toBe('unknown');
    const pe = new Uint8Array(0x88);
    pe.set([0x4d, 0x5a]);
    pe[0x3c] = 0x80;
    pe.set([0x50, 0x45, 0, 0], 0x80);
    expect(detectExecutableFormat(pe)).toBe('pe');
    expect(detectExecutableFormat(Buffer.from('#!/bin/sh\n'))).toBe('unknown');
  });
});
