import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itWithTools } from '../../test/helpers/tools.js';
import { binfmtMatches, chooseEmulation, elfHeaderPrefix, findBinfmtHandler, findQemu, hostArchitecture, qemuArchitecture } from './emulation.js';

const work = mkdtempSync(join(tmpdir(), 'goslim-emulation-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A binfmt.d line (`:name:M:offset:magic:mask:interpreter:flags`, \xNN escapes) as bytes. */
function parseConf(line: string): { name: string; offset: number; magic: Buffer; mask: Buffer; interpreter: string; flags: string } {
  const [, name, , offset, magic, mask, interpreter, flags] = line.trim().split(':');
  const bytes = (s: string): Buffer => Buffer.from(s.replace(/\\x([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return { name: name!, offset: Number(offset || '0'), magic: bytes(magic!), mask: bytes(mask!), interpreter: interpreter!, flags: flags ?? '' };
}

/** The /proc/sys/fs/binfmt_misc/NAME text the kernel shows for a registered handler. */
function procEntry(c: ReturnType<typeof parseConf>, interpreter = c.interpreter, flags = c.flags): string {
  return `enabled\ninterpreter ${interpreter}\nflags: ${flags}\noffset ${c.offset}\nmagic ${c.magic.toString('hex')}\nmask ${c.mask.toString('hex')}\n`;
}

function binfmtDir(entries: Record<string, string>, status = 'enabled'): string {
  const dir = mkdtempSync(join(work, 'binfmt-'));
  writeFileSync(join(dir, 'status'), `${status}\n`);
  writeFileSync(join(dir, 'register'), '');
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

const GOARCHES = ['arm64', 'arm', '386', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'mips64le', 'mips64', 'mipsle', 'mips', 'loong64'];

describe('foreign-architecture emulation', () => {
  it('names the host architecture as Go does and QEMU\'s name for each', () => {
    expect(hostArchitecture('x64')).toBe('amd64');
    expect(hostArchitecture('arm64')).toBe('arm64');
    expect(hostArchitecture('ia32')).toBe('386');
    expect(qemuArchitecture('arm64')).toBe('aarch64');
    expect(qemuArchitecture('mips64le')).toBe('mips64el');
    expect(qemuArchitecture('wasm')).toBeUndefined();
  });

  itWithTools(['qemu-aarch64-static'], 'each GOARCH\'s ELF header is matched by exactly its own handler among Debian\'s qemu-user-static binfmt rules', () => {
    const confs = ['aarch64', 'arm', 'armeb', 'i386', 'ppc64le', 'ppc64', 'ppc', 's390x', 'riscv64', 'riscv32', 'mips64el', 'mips64', 'mipsel', 'mips', 'mipsn32', 'mipsn32el', 'loongarch64', 'sparc64', 'alpha']
      .filter((q) => existsSync(`/usr/lib/binfmt.d/qemu-${q}.conf`))
      .map((q) => parseConf(readFileSync(`/usr/lib/binfmt.d/qemu-${q}.conf`, 'utf8')));
    expect(confs.length).toBeGreaterThanOrEqual(15);
    let checked = 0;
    for (const goarch of GOARCHES) {
      // Debian ships no rule for the host's own family (i386 on amd64).
      if (!existsSync(`/usr/lib/binfmt.d/qemu-${qemuArchitecture(goarch)}.conf`)) continue;
      checked++;
      const header = elfHeaderPrefix(goarch)!;
      const matching = confs.filter((c) => binfmtMatches(c, header)).map((c) => c.name);
      expect(matching, goarch).toEqual([`qemu-${qemuArchitecture(goarch)}`]);
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('uses a binfmt_misc handler only when it has the F flag; otherwise starts qemu-<arch>-static itself', () => {
    const header = elfHeaderPrefix('arm64')!;
    const magic = header.toString('hex');
    const mask = 'ffffffffffffff00fffffffffffffffffeffffff';
    const entry = (flags: string, state = 'enabled'): string => `${state}\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: ${flags}\noffset 0\nmagic ${magic}\nmask ${mask}\n`;
    const qemuDir = mkdtempSync(join(work, 'qemu-'));
    const fake = join(qemuDir, 'qemu-aarch64-static');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    const empty = mkdtempSync(join(work, 'empty-'));
    const arm64 = { os: 'linux', architecture: 'arm64' };
    const host = { hostArch: 'amd64' };

    const withF = binfmtDir({ 'qemu-aarch64': entry('POCF') });
    expect(findBinfmtHandler('arm64', withF)).toMatchObject({ name: 'qemu-aarch64', flags: 'POCF' });
    expect(chooseEmulation(arm64, { ...host, binfmtDir: withF, qemuPath: empty })).toEqual({ kind: 'binfmt', handler: 'qemu-aarch64', interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P' });
    // Without F the kernel would look the interpreter up inside the sandbox's root: start QEMU directly.
    const withoutF = binfmtDir({ 'qemu-aarch64': entry('OC') });
    expect(chooseEmulation(arm64, { ...host, binfmtDir: withoutF, qemuPath: qemuDir })).toEqual({ kind: 'qemu', emulator: fake, arch: 'aarch64' });
    // A disabled handler, or binfmt_misc switched off, is no handler.
    expect(findBinfmtHandler('arm64', binfmtDir({ 'qemu-aarch64': entry('F', 'disabled') }))).toBeUndefined();
    expect(findBinfmtHandler('arm64', binfmtDir({ 'qemu-aarch64': entry('F') }, 'disabled'))).toBeUndefined();
    // A handler for another machine does not match.
    expect(findBinfmtHandler('s390x', withF)).toBeUndefined();

    expect(findQemu('arm64', `${empty}:${qemuDir}`)).toBe(fake);
    expect(findQemu('arm64', 'relative/dir')).toBeUndefined();
    const none = chooseEmulation(arm64, { ...host, binfmtDir: empty, qemuPath: empty });
    expect(none).toEqual({ kind: 'unavailable', reason: expect.stringMatching(/^cannot run linux\/arm64 on this linux\/amd64 host: .*qemu-aarch64-static.*qemu-user-static/) });
  });

  it('runs the host architecture natively, and treats other OSes and unknown architectures as unavailable', () => {
    const empty = mkdtempSync(join(work, 'empty-'));
    mkdirSync(join(empty, 'x'));
    expect(chooseEmulation({ os: 'linux', architecture: 'amd64' }, { hostArch: 'amd64' })).toEqual({ kind: 'native' });
    // 386 on amd64 is foreign too: the seccomp filter admits only the host's ABI.
    expect(chooseEmulation({ os: 'linux', architecture: '386' }, { hostArch: 'amd64', binfmtDir: empty, qemuPath: empty }).kind).toBe('unavailable');
    expect(chooseEmulation({ os: 'windows', architecture: 'amd64' }, { hostArch: 'amd64' })).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('not a Linux image') });
    expect(chooseEmulation({ os: 'linux', architecture: 'wasm' }, { hostArch: 'amd64' })).toMatchObject({ kind: 'unavailable', reason: expect.stringContaining('no QEMU user-mode emulator is known for wasm') });
  });
});
