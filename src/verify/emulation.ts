/**
 * How `verify --run` starts an image built for another architecture than the host's: under
 * QEMU user-mode emulation, either through a binfmt_misc handler the host registered (the
 * kernel starts the emulator for every foreign ELF the program execs), or by starting the
 * program with Debian's `qemu-<arch>-static` directly (then only the image's own program is
 * emulated: a foreign program it execs later gets "exec format error").
 *
 * Any architecture other than the host's counts as foreign, even one the CPU could run natively
 * (386 on amd64, arm on arm64): the sandbox's seccomp filter admits only the host's system-call
 * ABI, and the emulator is a host program, so it passes the filter.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Platform } from '../image/model.js';

/** ELF identity and QEMU's name of each Go architecture (GOARCH). */
interface ArchInfo {
  qemu: string;
  class: 1 | 2;
  /** 1 little-endian, 2 big-endian. */
  data: 1 | 2;
  machine: number;
}

const ARCHES: Record<string, ArchInfo> = {
  amd64: { qemu: 'x86_64', class: 2, data: 1, machine: 62 },
  arm64: { qemu: 'aarch64', class: 2, data: 1, machine: 183 },
  arm: { qemu: 'arm', class: 1, data: 1, machine: 40 },
  '386': { qemu: 'i386', class: 1, data: 1, machine: 3 },
  ppc64le: { qemu: 'ppc64le', class: 2, data: 1, machine: 21 },
  ppc64: { qemu: 'ppc64', class: 2, data: 2, machine: 21 },
  s390x: { qemu: 's390x', class: 2, data: 2, machine: 22 },
  riscv64: { qemu: 'riscv64', class: 2, data: 1, machine: 243 },
  mips64le: { qemu: 'mips64el', class: 2, data: 1, machine: 8 },
  mips64: { qemu: 'mips64', class: 2, data: 2, machine: 8 },
  mipsle: { qemu: 'mipsel', class: 1, data: 1, machine: 8 },
  mips: { qemu: 'mips', class: 1, data: 2, machine: 8 },
  loong64: { qemu: 'loongarch64', class: 2, data: 1, machine: 258 },
};

/** Node's process.arch as a Go GOARCH (the names image platforms use). */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le', mipsel: 'mipsle' };
  return map[nodeArch] ?? nodeArch;
}

/** QEMU's name for a GOARCH (`aarch64` for arm64), or undefined when QEMU has none we know. */
export function qemuArchitecture(goarch: string): string | undefined {
  return ARCHES[goarch]?.qemu;
}

/** The ELF header (64 bytes, fields past e_machine zero) a binfmt_misc magic for this architecture is matched against. */
export function elfHeaderPrefix(goarch: string): Buffer | undefined {
  const a = ARCHES[goarch];
  if (!a) return undefined;
  const b = Buffer.alloc(64);
  b.set([0x7f, 0x45, 0x4c, 0x46, a.class, a.data, 1], 0);
  const write16 = (v: number, at: number): void => {
    if (a.data === 1) b.writeUInt16LE(v, at);
    else b.writeUInt16BE(v, at);
  };
  write16(2, 16); // e_type ET_EXEC (handlers mask the low bit, so PIE matches too)
  write16(a.machine, 18);
  return b;
}

export interface BinfmtHandler {
  name: string;
  interpreter: string;
  flags: string;
}

/**
 * Parse one /proc/sys/fs/binfmt_misc/NAME file; undefined for a disabled handler or an
 * extension (E) one.
 */
export function parseBinfmtEntry(name: string, text: string): (BinfmtHandler & { offset: number; magic: Buffer; mask: Buffer | undefined }) | undefined {
  const lines = text.split('\n').map((l) => l.trim());
  if (lines[0] !== 'enabled') return undefined;
  const field = (key: string): string | undefined => lines.find((l) => l.startsWith(`${key} `) || l.startsWith(`${key}:`))?.slice(key.length + 1).trim();
  const interpreter = field('interpreter');
  const magicHex = field('magic');
  if (!interpreter || !magicHex || !/^([0-9a-f]{2})+$/i.test(magicHex)) return undefined;
  const maskHex = field('mask');
  const offset = Number(field('offset') ?? '0');
  return {
    name,
    interpreter,
    flags: field('flags') ?? '',
    offset: Number.isInteger(offset) && offset >= 0 ? offset : 0,
    magic: Buffer.from(magicHex, 'hex'),
    mask: maskHex && /^([0-9a-f]{2})+$/i.test(maskHex) ? Buffer.from(maskHex, 'hex') : undefined,
  };
}

/** Does a handler's magic (under its mask, at its offset) accept this header? */
export function binfmtMatches(entry: { offset: number; magic: Buffer; mask: Buffer | undefined }, header: Buffer): boolean {
  if (entry.offset + entry.magic.length > header.length) return false;
  for (let i = 0; i < entry.magic.length; i++) {
    const m = entry.mask?.[i] ?? 0xff;
    if (((header[entry.offset + i]! ^ entry.magic[i]!) & m) !== 0) return false;
  }
  return true;
}

/** The enabled binfmt_misc handler for this architecture's ELF files, if the host has one. */
export function findBinfmtHandler(goarch: string, dir = '/proc/sys/fs/binfmt_misc'): BinfmtHandler | undefined {
  const header = elfHeaderPrefix(goarch);
  if (!header) return undefined;
  let names: string[];
  try {
    if (readFileSync(join(dir, 'status'), 'utf8').trim() !== 'enabled') return undefined;
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const name of names.sort()) {
    if (name === 'status' || name === 'register') continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    if (text.length > 4096) continue;
    const entry = parseBinfmtEntry(name, text);
    if (entry && binfmtMatches(entry, header)) return { name: entry.name, interpreter: entry.interpreter, flags: entry.flags };
  }
  return undefined;
}

/** `qemu-<arch>-static` (then `qemu-<arch>`) in the given directories: an executable regular file. */
export function findQemu(goarch: string, searchPath: string): string | undefined {
  const q = qemuArchitecture(goarch);
  if (!q) return undefined;
  for (const dir of searchPath.split(':').filter((d) => d.startsWith('/'))) {
    for (const name of [`qemu-${q}-static`, `qemu-${q}`]) {
      const p = join(dir, name);
      try {
        if (!statSync(p).isFile()) continue;
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface EmulationOptions {
  /** Where `qemu-<arch>-static` is looked up (colon-separated; default the host's PATH plus /usr/bin). */
  qemuPath?: string;
  /** The binfmt_misc directory (default /proc/sys/fs/binfmt_misc). */
  binfmtDir?: string;
  /** The host's GOARCH (default from process.arch). */
  hostArch?: string;
}

export type Emulation =
  | { kind: 'native' }
  /** A binfmt_misc handler with the F flag: the kernel holds the emulator open, so it works in any mount namespace. */
  | { kind: 'binfmt'; handler: string; interpreter: string }
  /** The program is started by this emulator (host path), bound read-only into the sandbox. */
  | { kind: 'qemu'; emulator: string; arch: string }
  | { kind: 'unavailable'; reason: string };

/** How a program of `platform` can run on this host. */
export function chooseEmulation(platform: Platform, options: EmulationOptions = {}): Emulation {
  const host = options.hostArch ?? hostArchitecture();
  const want = platform.architecture;
  if (platform.os === 'linux' && want === host) return { kind: 'native' };
  const cannot = `cannot run ${platform.os}/${want}${platform.variant ? `/${platform.variant}` : ''} on this linux/${host} host`;
  if (platform.os !== 'linux') return { kind: 'unavailable', reason: `${cannot} (not a Linux image)` };
  const q = qemuArchitecture(want);
  if (!q) return { kind: 'unavailable', reason: `${cannot} (no QEMU user-mode emulator is known for ${want})` };
  const handler = findBinfmtHandler(want, options.binfmtDir);
  if (handler && handler.flags.includes('F')) return { kind: 'binfmt', handler: handler.name, interpreter: handler.interpreter };
  // A handler without F opens its interpreter by path at exec time, inside the sandbox's root,
  // where it is not; its interpreter may also be a wrapper with binfmt's calling convention
  // (Debian's qemu-binfmt/*-binfmt-P). Start the plain emulator directly instead.
  const searchPath = options.qemuPath ?? `${process.env.PATH ?? ''}:/usr/bin`;
  const emulator = findQemu(want, searchPath);
  if (emulator) return { kind: 'qemu', emulator, arch: q };
  return {
    kind: 'unavailable',
    reason: `${cannot}: no binfmt_misc handler for ${want} and no qemu-${q}-static found (install Debian's qemu-user-static)`,
  };
}

/** 32-bit guests: QEMU reserves the whole 4 GiB guest address space up front (counts against RLIMIT_AS). */
export function guestReservation(goarch: string): number {
  return ARCHES[goarch]?.class === 1 ? 4 * 1024 * 1024 * 1024 : 0;
}
