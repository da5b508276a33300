#!/usr/bin/env node
// goslim build, measured against floors and peers in the same run:
//   1. image assembly (deterministic tar + gzip of the binary layer, config, manifest, OCI layout write)
//      beside plain zlib gzip of the same binary (the physical floor of "compress the binary once");
//   2. push of the same image to the same local registry (Debian's docker-registry on 127.0.0.1)
//      beside `skopeo copy oci:... docker://...`, fresh repository each run so every blob uploads;
//   3. the final image size beside the floor: stripped binary + base image.
// Base: the fixture static base (test/.work/images/oci/static-debian12-nonroot) when it exists, else scratch.
// Needs go; docker-registry and skopeo for part 2 (scripts/install-deps.sh).
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { BlobCache } from '../dist/build/cache.js';
import { writeLayer } from '../dist/build/layer.js';
import { imageSize } from '../dist/build/summary.js';
import { mutateImage } from '../dist/image/mutate/mutate.js';
import { scratchImage } from '../dist/image/mutate/built-image.js';
import { openImage } from '../dist/image/open.js';
import { writeOciLayout } from '../dist/image/sinks/oci-layout.js';
import { writeToSink } from '../dist/image/sinks/index.js';
import { startRegistry, stopRegistry } from './lib/registry.js';

const RUNS = 5;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const work = mkdtempSync(join(tmpdir(), 'goslim-build-bench-'));

const have = (cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n) => `${n.toFixed(1)} ms`;
const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;

async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

try {
  // The binary, built once with the four levers (not timed: `go build` is the Go toolchain's cost).
  const bin = join(work, 'greeter');
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', bin, './cmd/greeter'], {
    cwd: join(root, 'examples', 'greeter'),
    env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOARCH: 'amd64', GOFLAGS: '-buildvcs=false' },
  });
  const binSize = statSync(bin).size;
  const fixtureBase = join(root, 'test', '.work', 'images', 'oci', 'static-debian12-nonroot');
  const baseRef = existsSync(join(fixtureBase, 'index.json')) ? `oci:${fixtureBase}:latest` : 'scratch';
  const base = baseRef === 'scratch' ? scratchImage({ os: 'linux', architecture: 'amd64' }) : await openImage(baseRef, { platform: 'linux/amd64' });
  console.log(`binary ${mb(binSize)}; base ${baseRef}`);

  // 1. assembly vs plain gzip of the same binary.
  const gzipTimes = [];
  const asmTimes = [];
  let image;
  for (let i = 0; i < RUNS; i++) {
    gzipTimes.push(await time(() => pipeline(createReadStream(bin), createGzip({ level: 6 }), createWriteStream(join(work, `plain-${i}.gz`)))));
    asmTimes.push(
      await time(async () => {
        const cache = new BlobCache(join(work, `cache-${i}`));
        const layer = await writeLayer([{ path: '/ko-app/greeter', type: 'file', source: bin, mode: 0o755 }], { cache });
        image = mutateImage(base, {
          layers: [{ layer, history: { created: '1970-01-01T00:00:00Z', created_by: 'bench' } }],
          config: { entrypoint: ['/ko-app/greeter'], user: '65532', pathAppend: ['/ko-app'] },
        });
        await writeOciLayout(image, join(work, `layout-${i}`), { refName: 'latest' });
      }),
    );
  }
  const g = median(gzipTimes);
  const a = median(asmTimes);
  console.log(`assembly: goslim ${ms(a)} vs zlib gzip of the binary ${ms(g)} (median of ${RUNS}) -> ratio ${(a / g).toFixed(2)}x the floor`);

  // 3. size vs floor (stripped binary + base).
  const size = await imageSize(image);
  const baseSize = await imageSize(base);
  const gzBin = statSync(join(work, 'plain-0.gz')).size;
  const floorC = baseSize.compressed + gzBin;
  const floorU = baseSize.uncompressed + binSize;
  console.log(
    `size: image ${mb(size.compressed)} compressed / ${mb(size.uncompressed)} unpacked; floor (gzip(binary) + base) ${mb(floorC)} / (binary + base) ${mb(floorU)} -> ratio ${(size.compressed / floorC).toFixed(4)}x / ${(size.uncompressed / floorU).toFixed(4)}x (overhead ${size.compressed - floorC} B / ${size.uncompressed - floorU} B: tar headers, config, manifest)`,
  );

  // 2. push vs skopeo copy, same image, same registry.
  if (have('docker-registry') && have('skopeo')) {
    const reg = await startRegistry(join(work, 'registry'));
    try {
      const layout = join(work, 'layout-0');
      const mine = [];
      const peer = [];
      for (let i = 0; i < RUNS; i++) {
        mine.push(await time(() => writeToSink(image, `docker://${reg.host}/bench/goslim-${i}:latest`)));
        peer.push(
          await time(async () => {
            execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:latest`, `docker://${reg.host}/bench/skopeo-${i}:latest`]);
          }),
        );
      }
      const m = median(mine);
      const p = median(peer);
      console.log(`push (${mb(size.compressed)}, fresh repository each run): goslim ${ms(m)} vs skopeo copy ${ms(p)} (median of ${RUNS}) -> ratio ${(m / p).toFixed(2)}x`);
    } finally {
      await stopRegistry(reg.child);
    }
  } else {
    console.log('push: skipped (docker-registry or skopeo missing)');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
