/**
 * Bounded memory through the CLI (issue 11), each in a child whose V8 heap is capped, so a
 * reader that buffered a layer or a file, or kept objects per path, would crash; the result
 * must still be complete (a structural bound, not a timing one). Needs dist/ (npm run build).
 * - Decompression bombs: a layer that inflates ~1 MB of gzip or zstd into 1 GB of zeros.
 * - A layer of 500,000 empty files (the merged tree keeps columns, not objects, per path).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InspectReport } from '../../src/analysis/inspect.js';
import { tarHeader } from '../../src/image/testing/raw-tar.js';
import { REPO_ROOT } from '../helpers/images.js';
import { describeWithTools, itWithTools } from '../helpers/tools.js';

const BIN = join(REPO_ROOT, 'bin', 'goslim.js');
const FILE_BYTES = 1024 * 1024 * 1024;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'goslim-bombs-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Stream the tar (one 1 GB file of zeros) through a compressor into an OCI layout. */
/** Write blobs, config, manifest and index for one layer already written to `tmp`. */
function finishLayout(dir: string, tmp: string, layerDigest: string, diffId: string, compression: 'gzip' | 'zstd'): number {
  const stored = statSync(tmp).size;
  renameSync(tmp, join(dir, 'blobs', 'sha256', layerDigest.slice(7)));
  const put = (doc: unknown): { digest: string; size: number } => {
    const data = Buffer.from(JSON.stringify(doc));
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    writeFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const config = put({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [diffId] } });
  const manifest = put({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: `application/vnd.oci.image.layer.v1.tar+${compression}`, digest: layerDigest, size: stored }],
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return stored;
}

/** An OCI layout whose one gzip layer holds `count` empty files in directories of 1,000. */
async function manyFilesLayout(name: string, count: number): Promise<string> {
  const dir = join(work, name);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const tmp = join(dir, 'layer.tmp');
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(tmp);
  gz.on('data', (c: Buffer) => blobHash.update(c));
  gz.pipe(out);
  let batch: Buffer[] = [];
  const flush = async (): Promise<void> => {
    const b = Buffer.concat(batch);
    batch = [];
    tarHash.update(b);
    if (!gz.write(b)) await once(gz, 'drain');
  };
  for (let i = 0; i < count; i++) {
    const d = String(Math.floor(i / 1000)).padStart(5, '0');
    if (i % 1000 === 0) batch.push(tarHeader({ name: `d${d}/`, typeflag: '5', mode: 0o755 }));
    batch.push(tarHeader({ name: `d${d}/file-${String(i % 1000).padStart(4, '0')}` }));
    if (batch.length >= 4096) await flush();
  }
  batch.push(Buffer.alloc(1024));
  await flush();
  gz.end();
  await once(out, 'finish');
  finishLayout(dir, tmp, `sha256:${blobHash.digest('hex')}`, `sha256:${tarHash.digest('hex')}`, 'gzip');
  return `oci:${dir}`;
}

async function bombLayout(name: string, compression: 'gzip' | 'zstd'): Promise<{ ref: string; stored: number }> {
  const dir = join(work, name);
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const tmp = join(dir, 'layer.tmp');
  const tarHash = createHash('sha256');
  const blobHash = createHash('sha256');
  const out = createWriteStream(tmp);
  const child = compression === 'zstd' ? spawn('zstd', ['-1', '-q', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] }) : undefined;
  const compressor = child ? child.stdin : createGzip({ level: 1 });
  const compressed = child ? child.stdout : (compressor as ReturnType<typeof createGzip>);
  compressed.on('data', (c: Buffer) => blobHash.update(c));
  compressed.pipe(out);
  const write = async (b: Buffer): Promise<void> => {
    tarHash.update(b);
    if (!compressor.write(b)) await once(compressor, 'drain');
  };
  await write(tarHeader({ name: 'zeros', size: FILE_BYTES }));
  const zeros = Buffer.alloc(4 << 20);
  for (let done = 0; done < FILE_BYTES; done += zeros.length) await write(zeros);
  await write(Buffer.alloc(1024));
  compressor.end();
  await once(out, 'finish');
  const stored = finishLayout(dir, tmp, `sha256:${blobHash.digest('hex')}`, `sha256:${tarHash.digest('hex')}`, compression);
  return { ref: `oci:${dir}`, stored };
}

describeWithTools(['dist'], 'decompression bombs through inspect, with a 256 MB heap', () => {
  for (const compression of ['gzip', 'zstd'] as const) {
    itWithTools(compression === 'zstd' ? ['zstd'] : [], `${compression}: 1 GB of zeros from a small blob inspects completely`, async () => {
      const { ref, stored } = await bombLayout(compression, compression);
      expect(stored).toBeLessThan(8 * 1024 * 1024);
      // --verify-diff-ids: every byte of the tar is also hashed, so the whole stream is read.
      const r = spawnSync(process.execPath, ['--max-old-space-size=256', BIN, 'inspect', ref, '--json', '--verify-diff-ids'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as InspectReport;
      expect(report.image.fileBytes).toBe(FILE_BYTES);
      expect(report.image.size).toBe(512 + FILE_BYTES + 1024); // header, data, end-of-archive blocks
    }, 300_000);
  }
});

describeWithTools(['dist'], 'many paths through inspect, with a 128 MB heap', () => {
  it('a layer of 500,000 empty files inspects completely (it took 131 MB of heap before the merge alone)', async () => {
    const ref = await manyFilesLayout('many', 500_000);
    const r = spawnSync(process.execPath, ['--max-old-space-size=128', BIN, 'inspect', ref, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as InspectReport;
    expect(report.image.files).toBe(500_000);
    expect(report.layers[0]!.files).toBe(500_500);
  }, 300_000);
});
