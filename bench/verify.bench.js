#!/usr/bin/env node
// verify benchmark, on the fat fixture image (about 1 GB uncompressed; built by
// test/fixtures/images/make-images.sh, e.g. by `npm test`):
//   1. static `goslim verify` (one streaming pass over all layers) beside the physical floor,
//      Node's raw gunzip of every layer blob, measured in the same run;
//   2. the `--run` unpack (safe extraction into a temporary root) beside GNU `tar -xzf` of the
//      same blobs into a directory (a peer that does no path-safety or whiteout work).
// Each measurement runs in its own child process so its peak RSS is its own. Ratios, not asserts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const repo = join(here, '..');
const layout = process.env.GOSLIM_BENCH_IMAGE ?? join(repo, 'test/.work/images/oci/fat-greeter');
if (!existsSync(join(layout, 'index.json'))) {
  console.log(`verify bench: no fixture image at ${layout}; run the tests once (they build it) or set GOSLIM_BENCH_IMAGE to an OCI layout.`);
  process.exit(0);
}

function blobsOf(dir) {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const blob = (d) => join(dir, 'blobs', ...d.split(':'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  return manifest.layers.map((l) => blob(l.digest));
}

/** Run a command under /usr/bin/time when present, else plain; return wall seconds and peak RSS (MB). */
function measure(label, cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-400)}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { label, secs, rssMb: kb / 1024 };
}

const blobs = blobsOf(layout);
const gunzipScript = `
  import { createReadStream } from 'node:fs'; import { createGunzip } from 'node:zlib'; import { pipeline } from 'node:stream/promises'; import { Writable } from 'node:stream';
  for (const f of ${JSON.stringify(blobs)}) await pipeline(createReadStream(f, { highWaterMark: 1 << 20 }), createGunzip({ chunkSize: 1 << 20 }), new Writable({ write(c, e, cb) { cb(); } }));`;
const unpackScript = (root) => `
  import { openImage } from ${JSON.stringify(join(repo, 'dist/image/open.js'))};
  import { unpackImage } from ${JSON.stringify(join(repo, 'dist/verify/unpack.js'))};
  await unpackImage(await openImage(${JSON.stringify(`oci:${layout}`)}), ${JSON.stringify(root)});`;

const work = mkdtempSync(join(tmpdir(), 'goslim-bench-verify-'));
// The same pair in memory too (tmpfs, when /dev/shm is one with room): no disk, so the ratio is
// the two extractors' own cost, not the disk's writeback (on disk both spend about 90 % of their
// time in the kernel, and the ratio follows the disk).
const SHM = '/dev/shm';
const shmFree = (() => {
  try {
    const st = statfsSync(SHM);
    return st.type === 0x01021994 ? st.bavail * st.bsize : 0; // TMPFS_MAGIC
  } catch {
    return 0;
  }
})();
const memWork = shmFree >= 4e9 ? mkdtempSync(join(SHM, 'goslim-bench-verify-')) : undefined;
// Read every blob once first, so no measurement pays for a cold page cache.
spawnSync('sh', ['-c', blobs.map((b) => `cat '${b}' > /dev/null`).join(' && ')]);
try {
  const floor = measure('node gunzip of all layers (floor)', process.execPath, ['--input-type=module', '-e', gunzipScript]);
  const stat = measure('goslim verify (static)', process.execPath, [join(repo, 'bin/goslim.js'), 'verify', '--json', `oci:${layout}`]);
  // Both write about 1 GB through the page cache. Whoever runs second would pay for the first's
  // dirty pages and for the removal of its tree (measured: 19.3 s after tar's 7.2 s, against
  // 36 s vs 41 s in another order), so each extraction starts after `sync`, its tree is removed
  // and synced outside the timing, and the two alternate, RUNS times each (best kept).
  const RUNS = 2;
  const settle = () => spawnSync('sync');
  const pair = (dir, where) => {
    let tar;
    let unpack;
    for (let i = 0; i < RUNS; i++) {
      const tarRoot = join(dir, `tar-${i}`);
      spawnSync('mkdir', ['-p', tarRoot]);
      settle();
      const t = measure(`tar -xzf of all layers (peer, ${where})`, 'sh', ['-c', blobs.map((b) => `tar -xzf '${b}' -C '${tarRoot}'`).join(' && ')]);
      rmSync(tarRoot, { recursive: true, force: true });
      settle();
      const u = measure(`goslim safe unpack (${where})`, process.execPath, ['--input-type=module', '-e', unpackScript(join(dir, `root-${i}`))]);
      rmSync(join(dir, `root-${i}`), { recursive: true, force: true });
      if (!tar || t.secs < tar.secs) tar = t;
      if (!unpack || u.secs < unpack.secs) unpack = { ...u, rssMb: Math.max(u.rssMb, unpack?.rssMb ?? 0) };
    }
    return { tar, unpack };
  };
  const disk = pair(work, 'disk');
  const mem = memWork !== undefined ? pair(memWork, 'tmpfs') : undefined;
  for (const m of [floor, stat, disk.tar, disk.unpack, ...(mem ? [mem.tar, mem.unpack] : [])]) console.log(`${m.label.padEnd(40)} ${m.secs.toFixed(2).padStart(7)} s   peak RSS ${m.rssMb.toFixed(0).padStart(5)} MB`);
  console.log(`static verify / gunzip floor: ${(stat.secs / floor.secs).toFixed(2)}x   (includes Node start-up)`);
  console.log(`safe unpack / tar -xzf, disk:  ${(disk.unpack.secs / disk.tar.secs).toFixed(2)}x (target <= 1.3x, issue 17; the disk's writeback decides)`);
  if (mem) console.log(`safe unpack / tar -xzf, tmpfs: ${(mem.unpack.secs / mem.tar.secs).toFixed(2)}x (target <= 1.3x, issue 17; the extractors alone)`);
  else console.log(`safe unpack / tar -xzf, tmpfs: not measured (${SHM} is not a tmpfs with 4 GB free)`);
} finally {
  rmSync(work, { recursive: true, force: true });
  if (memWork !== undefined) rmSync(memWork, { recursive: true, force: true });
}
