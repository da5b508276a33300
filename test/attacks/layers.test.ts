/**
 * Hostile layers against every reader of an image (issue 11): each attack is an OCI layout
 * of raw tar layers, run through `inspectImage`, `verifyImage` (static), `unpackImage` and
 * `runImage` (verify --run). Before each, canaries are planted outside every root (files
 * with known modes and contents, directories with known listings, in a fresh mkdtemp dir
 * that the layers aim at by absolute and relative paths); afterwards the disk outside must
 * be exactly as it was, each call must have ended with a result or a typed GoslimError
 * (never E_INTERNAL), and the unpacked root must hold no device node and no setuid bit.
 * Memory is bounded by structure: 256 MiB gzip and zstd bombs stream through.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { spawn } from 'node:child_process';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectImage } from '../../src/analysis/index.js';
import { openImage } from '../../src/image/open.js';
import { runImage, unpackImage, verifyImage } from '../../src/verify/index.js';
import {
  END_OF_ARCHIVE,
  gzipLayer,
  outcome,
  plainLayer,
  plantCanaries,
  rawTar,
  sha256,
  snapshot,
  tarEntry,
  writeOciImage,
  type Outcome,
  type RawEntry,
  type RawLayer,
} from './hostile.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'goslim-attack-layers-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Where the canaries are: absolute, and relative from a run's root (/tmp/goslim-run-X/rootfs). */
interface Target {
  abs: string;
  /** From a root two levels below tmpdir(): ../../goslim-canary-X */
  rel: string;
  /** Climbs far above any root, then down to the canaries. */
  deep: string;
}

interface Attack {
  name: string;
  layers: (t: Target) => RawEntry[][] | RawLayer[];
  /** Expected error code per call, when the attack must be refused rather than neutralised. */
  expect?: Partial<Record<'inspect' | 'verify' | 'unpack' | 'run', string | string[]>>;
  /** Smaller unpack budget for this attack (bytes). */
  unpackBytes?: number;
  /** Image config (default: Cmd /app). */
  config?: (t: Target) => Record<string, unknown>;
}

const dirE = (name: string, mode = 0o755): RawEntry => ({ name: name.endsWith('/') ? name : `${name}/`, type: '5', mode });
const fileE = (name: string, data = 'pwned\n', mode = 0o644): RawEntry => ({ name, data, mode });
const symE = (name: string, linkname: string): RawEntry => ({ name, type: '2', linkname, mode: 0o777 });
const hardE = (name: string, linkname: string): RawEntry => ({ name, type: '1', linkname });

/**
 * A tar holding one `size`-byte file of zeros, compressed as it streams (a bomb): gzip in
 * process, zstd through the `zstd` tool (as goslim reads it; scripts/install-deps.sh).
 */
async function bomb(size: number, kind: 'gzip' | 'zstd' = 'gzip'): Promise<RawLayer> {
  const zstd = kind === 'zstd' ? spawn('zstd', ['-19', '-c', '-q'], { stdio: ['pipe', 'pipe', 'inherit'] }) : undefined;
  const gz = zstd ? undefined : createGzip({ level: 9 });
  const input = (zstd?.stdin ?? gz)!;
  const output = (zstd?.stdout ?? gz)!;
  const out: Buffer[] = [];
  output.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => output.on('end', resolve));
  const header = tarEntry({ name: 'bomb', declaredSize: size }).subarray(0, 512);
  const zeros = Buffer.alloc(1 << 20);
  const hash = (await import('node:crypto')).createHash('sha256');
  const put = async (b: Buffer): Promise<void> => {
    hash.update(b);
    if (!input.write(b)) await new Promise((r) => input.once('drain', r));
  };
  await put(header);
  for (let i = 0; i < size / zeros.length; i++) await put(zeros);
  await put(END_OF_ARCHIVE);
  input.end();
  await done;
  return { blob: Buffer.concat(out), mediaType: `application/vnd.oci.image.layer.v1.tar+${kind}`, diffId: `sha256:${hash.digest('hex')}` };
}

const deepName = (depth: number): string => Array.from({ length: depth }, () => 'd').join('/');

const ATTACKS: Attack[] = [
  { name: 'dot-dot names', layers: (t) => [[fileE(`${t.rel}/host-file`), fileE(`${t.deep}/host-dir/a`), fileE(`../${basename(t.abs)}/new`), dirE(`${t.rel}/host-dir`, 0o6777)]] },
  { name: 'absolute names', layers: (t) => [[fileE(`${t.abs}/host-file`), dirE(`${t.abs}/host-ro`, 0o777), fileE(`${t.abs}/host-ro/r`)]] },
  { name: 'symlink escape (absolute target), then writes through it', layers: (t) => [[symE('l', t.abs), fileE('l/host-file'), fileE('l/new'), dirE('l/host-dir', 0o6777), fileE('l/host-dir/a')]] },
  { name: 'symlink escape (relative target)', layers: (t) => [[symE('l', t.rel), fileE('l/host-file'), symE('m', t.deep), fileE('m/host-secret')]] },
  { name: 'symlink escape across layers', layers: (t) => [[symE('etc', t.abs)], [fileE('etc/host-file'), dirE('etc/host-dir'), fileE('etc/host-dir/b')]] },
  { name: 'symlink chains', layers: (t) => [[symE('a', 'b'), symE('b', 'c/d'), dirE('c'), symE('c/d', '../e'), symE('e', t.abs)], [fileE('a/host-file'), fileE('a/host-dir/sub/c')]] },
  { name: 'symlink loops', layers: () => [[symE('a', 'b'), symE('b', 'a'), fileE('a/x'), symE('self', 'self'), fileE('self/y')]], expect: { unpack: 'E_UNSAFE_PATH', run: 'E_UNSAFE_PATH' } },
  { name: 'symlink, then a file of the same name', layers: (t) => [[symE('f', `${t.abs}/host-file`), fileE('f', 'pwned\n', 0o6777)], [symE('g', `${t.abs}/host-secret`)], [fileE('g')]] },
  { name: 'hardlink escapes', layers: (t) => [[hardE('h1', `${t.abs}/host-file`), hardE('h2', `${t.rel}/host-secret`), hardE('h3', `${t.deep}/host-file`), fileE('h1', 'overwrite\n')]] },
  { name: 'hardlink through a symlink, and to a symlink', layers: (t) => [[symE('s', t.abs), hardE('h', 's/host-file'), symE('t', `${t.abs}/host-file`), hardE('u', 't'), fileE('u', 'x\n'), hardE('v', 'u')]] },
  { name: 'hardlink chains and a hardlink to a directory', layers: () => [[dirE('etc'), fileE('etc/a', 'a\n'), hardE('b', 'etc/a'), hardE('c', 'b'), hardE('d', 'c'), hardE('e', 'etc'), hardE('f', 'missing')]] },
  // Escape 1 of issue 11: the deferred directory-mode pass chmodded through a replacing symlink.
  { name: 'directory, then a symlink in its place (same layer)', layers: (t) => [[dirE('d', 0o6777), symE('d', `${t.abs}/host-file`), dirE('e', 0o6777), symE('e', `${t.abs}/host-dir`)]] },
  { name: 'directory, then a symlink in its place (later layer)', layers: (t) => [[dirE('d', 0o6777), dirE('d/x', 0o777), dirE('e/f', 0o4777)], [symE('d', `${t.abs}/host-file`), symE('e', t.abs)]] },
  { name: 'nested directory whose parent becomes a symlink', layers: (t) => [[dirE('p'), dirE('p/host-dir', 0o6777), dirE('p/host-ro', 0o777)], [symE('p', t.abs)]] },
  // Escape 2 of issue 11: an opaque whiteout emptied the directory a lower symlink pointed at.
  { name: 'opaque whiteout through a symlink', layers: (t) => [[symE('d', `${t.abs}/host-dir`), symE('r', `${t.rel}/host-dir`)], [fileE('d/.wh..wh..opq', ''), fileE('r/.wh..wh..opq', '')]] },
  { name: 'whiteouts through symlinks', layers: (t) => [[symE('d', `${t.abs}/host-dir`), symE('x', t.abs)], [fileE('d/.wh.a', ''), fileE('x/host-dir/.wh.b', ''), fileE('x/.wh.host-file', ''), fileE('.wh.x', '')]] },
  { name: 'whiteouts with escaping names', layers: (t) => [[dirE('a')], [fileE(`${t.rel}/.wh.host-file`, ''), fileE(`${t.abs}/.wh.host-secret`, ''), fileE('a/.wh...', ''), fileE(`${t.deep}/host-dir/.wh..wh..opq`, '')]] },
  {
    name: 'device files and FIFOs',
    layers: () => [[
      dirE('dev'),
      { name: 'dev/mem', type: '3', devmajor: 1, devminor: 1, mode: 0o666 },
      { name: 'dev/sda', type: '4', devmajor: 8, devminor: 0, mode: 0o666 },
      { name: 'dev/null', type: '3', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'fifo', type: '6' },
    ]],
  },
  { name: 'setuid and setgid bits', layers: () => [[dirE('bin', 0o6777), fileE('bin/su', 'x', 0o4755), fileE('bin/sg', 'x', 0o2755), fileE('bin/both', 'x', 0o6777), { name: 'bin/empty', mode: 0o4777 }, hardE('bin/su2', 'bin/su')]] },
  {
    name: 'duplicate entries',
    layers: () => [[fileE('f', 'one\n'), fileE('f', 'two\n'), dirE('f'), fileE('f', 'three\n'), dirE('d'), fileE('d/x'), fileE('d', 'file over dir\n'), dirE('d'), symE('s', 'f'), dirE('s'), fileE('s/y')]],
  },
  {
    name: 'non-UTF-8 names',
    layers: () => [[
      { name: Buffer.from([0xff, 0xfe, 0x61]), data: 'a' },
      { name: Buffer.concat([Buffer.from('..'), Buffer.from([0xc0, 0xaf]), Buffer.from('..'), Buffer.from([0xc0, 0xaf]), Buffer.from('x')]), data: 'overlong slash' },
      { name: Buffer.from([0x64, 0x00, 0x2e, 0x2e]), data: 'nul in name' },
      { name: Buffer.from([0xed, 0xa0, 0x80]), type: '2', linkname: '/' },
    ]],
  },
  {
    name: 'account files linked to /dev/zero and to a host file',
    layers: (t) => [[dirE('etc'), symE('etc/passwd', '/dev/zero'), symE('etc/group', `${t.abs}/host-secret`), { name: 'etc/shadow', type: '6' }]],
    config: () => ({ Cmd: ['/app'], User: 'nonroot:nonroot', WorkingDir: `${'/..'.repeat(10)}/tmp` }),
  },
  {
    name: 'account files through a symlinked /etc, WorkingDir aimed at the host',
    layers: (t) => [[dirE('etc'), fileE('etc/passwd', 'root:x:0:0::/:/x\n')], [symE('etc', t.abs)]],
    config: (t) => ({ Cmd: ['/app'], User: 'root', WorkingDir: `${t.abs}/host-dir/new-workdir` }),
  },
  {
    name: 'huge declared size',
    layers: () => [plainLayer(Buffer.concat([tarEntry({ name: 'big', declaredSize: 8 * 1024 ** 3, data: 'short' }), END_OF_ARCHIVE]))],
    expect: { inspect: 'E_TRUNCATED', verify: 'E_TRUNCATED', unpack: 'E_TRUNCATED', run: 'E_TRUNCATED' },
  },
  {
    name: 'truncated tar stream',
    // An uncompressed layer's digest is its diff_id: a cut one may fail either check first.
    layers: () => {
      const tar = rawTar([fileE('a', 'x'.repeat(5000)), fileE('b', 'y'.repeat(5000))]);
      const cut = tar.subarray(0, 512 + 2048);
      return [{ blob: cut, mediaType: 'application/vnd.oci.image.layer.v1.tar', diffId: sha256(tar) }];
    },
    expect: Object.fromEntries(['inspect', 'verify', 'unpack', 'run'].map((c) => [c, ['E_TRUNCATED', 'E_DIGEST_MISMATCH']])),
  },
  {
    name: 'truncated gzip stream',
    layers: () => {
      const full = gzipLayer(rawTar([fileE('a', Buffer.alloc(200_000, 7).toString('latin1'))]));
      return [{ ...full, blob: full.blob.subarray(0, Math.floor(full.blob.length / 2)) }];
    },
    expect: { inspect: 'E_TRUNCATED', verify: 'E_TRUNCATED', unpack: 'E_TRUNCATED', run: 'E_TRUNCATED' },
  },
  // Paths past tar.pathDepth / tar.pathLength are refused by the tar reader itself (E_LIMIT
  // naming the limit), the same for inspect, verify and --run: no real image has them.
  {
    name: 'deep paths',
    layers: () => [[dirE(deepName(300)), fileE(`${deepName(300)}/f`), fileE(`${deepName(2000)}/g`), fileE(`${deepName(200)}/ok`)]],
    expect: { inspect: 'E_LIMIT', verify: 'E_LIMIT', unpack: 'E_LIMIT', run: 'E_LIMIT' },
  },
  {
    name: 'long paths',
    layers: () => {
      const manyLong = Array.from({ length: 20 }, () => 'm'.repeat(250)).join('/');
      return [[fileE(manyLong), fileE(`${'p'.repeat(70_000)}`), fileE('fine')]];
    },
    expect: { inspect: 'E_LIMIT', verify: 'E_LIMIT', unpack: 'E_LIMIT', run: 'E_LIMIT' },
  },
  // Within the limits but over what the file system takes (a 300-byte component; NAME_MAX is
  // 255): inspect reads them, the unpack skips them with a warning.
  {
    name: 'names the file system refuses',
    layers: () => {
      const longComponent = 'n'.repeat(300);
      return [[fileE(`${longComponent}`), dirE(`x/${longComponent}`), fileE(`x/${longComponent}/f`), symE('s', 'q'.repeat(3000)), fileE('fine')]];
    },
  },
];

interface Outcomes {
  inspect: Outcome;
  verify: Outcome;
  unpack: Outcome;
  run: Outcome;
}

/** Every file type and mode bit under `root`: no device node, no setuid or setgid bit. */
function scanRoot(root: string): { devices: string[]; setid: string[] } {
  const devices: string[] = [];
  const setid: string[] = [];
  const walk = (p: string, depth: number): void => {
    if (depth > 400) return;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket()) devices.push(p);
    if (!st.isSymbolicLink() && (st.mode & 0o6000) !== 0) setid.push(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n), depth + 1);
  };
  walk(root, 0);
  return { devices, setid };
}

describe('hostile layers: nothing outside the root changes, every call ends typed', () => {
  for (const [i, attack] of ATTACKS.entries()) {
    it(attack.name, { timeout: 120_000 }, async () => {
      const canary = await mkdtemp(join(tmpdir(), 'goslim-canary-'));
      try {
        plantCanaries(canary);
        const before = snapshot(canary);
        const target: Target = { abs: canary, rel: `../../${basename(canary)}`, deep: `${'../'.repeat(24)}${canary.slice(1)}` };
        const spec = attack.layers(target);
        const layers: RawLayer[] = spec.map((l) => (Array.isArray(l) ? gzipLayer(rawTar(l)) : l));
        const ref = writeOciImage(join(work, `img-${i}`), layers, attack.config?.(target) ?? { Cmd: ['/app'] });
        const root = join(work, `root-${i}`, 'rootfs');
        const got: Outcomes = {
          inspect: await outcome(async () => inspectImage(await openImage(ref))),
          verify: await outcome(async () => verifyImage(await openImage(ref))),
          unpack: await outcome(async () => unpackImage(await openImage(ref), root, attack.unpackBytes ? { maxBytes: attack.unpackBytes } : {})),
          run: await outcome(async () => runImage(await openImage(ref), { timeoutMs: 1000, ...(attack.unpackBytes ? { limits: { unpackBytes: attack.unpackBytes } } : {}) })),
        };
        // Outside: exactly as before (modes, owners, contents, listings, links).
        expect(snapshot(canary)).toEqual(before);
        // Each call: the expected typed error, or a result.
        for (const call of ['inspect', 'verify', 'unpack', 'run'] as const) {
          const want = attack.expect?.[call];
          if (want !== undefined) expect([want].flat(), `${call}: ${JSON.stringify(got[call])}`).toContain((got[call] as { code?: string }).code);
          else expect(got[call].ok ? 'ok' : (got[call] as { code: string }).code, call).toBe('ok');
        }
        // Inside: what was unpacked holds no device node and no setuid/setgid bit.
        expect(scanRoot(join(work, `root-${i}`))).toEqual({ devices: [], setid: [] });
      } finally {
        await rm(canary, { recursive: true, force: true });
        await rm(join(work, `root-${i}`), { recursive: true, force: true });
      }
    });
  }

  for (const kind of ['gzip', 'zstd'] as const) it(`a ${kind} bomb (256 MiB from under 1 MiB) streams in bounded memory; --run stops at its unpack budget`, { timeout: 300_000 }, async () => {
    const canary = await mkdtemp(join(tmpdir(), 'goslim-canary-'));
    try {
      plantCanaries(canary);
      const before = snapshot(canary);
      const layer = await bomb(256 * 1024 * 1024, kind);
      expect(layer.blob.length).toBeLessThan(1024 * 1024);
      const ref = writeOciImage(join(work, `bomb-${kind}`), [layer], { Cmd: ['/app'] });
      let peak = 0;
      const base = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss - base);
      }, 20);
      try {
        expect((await outcome(async () => inspectImage(await openImage(ref)))).ok).toBe(true);
        expect((await outcome(async () => verifyImage(await openImage(ref)))).ok).toBe(true);
        expect(await outcome(async () => runImage(await openImage(ref), { timeoutMs: 1000, limits: { unpackBytes: 16 * 1024 * 1024 } }))).toEqual({ ok: false, code: 'E_LIMIT' });
      } finally {
        clearInterval(sampler);
      }
      // Streams, not buffers: far less than the 256 MiB the layer expands to.
      if (process.env.GOSLIM_ATTACK_FIGURES) process.stderr.write(`${kind} bomb: peak RSS growth ${peak} bytes\n`);
      expect(peak).toBeLessThan(128 * 1024 * 1024);
      expect(snapshot(canary)).toEqual(before);
    } finally {
      await rm(canary, { recursive: true, force: true });
    }
  });

});
