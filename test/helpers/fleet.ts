/**
 * A generated fleet for `goslim scan` tests: images pushed straight to a real registry through
 * goslim's registry client (blob uploads and manifest PUTs), made from a few shared base layers,
 * a shared Go binary layer and a small layer of each image's own. Layers are built once (gzip),
 * so pushing 50 images costs little more than pushing their distinct layers.
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { sha256Digest } from '../../src/image/digest.js';
import { MediaType, type ContainerConfig } from '../../src/image/model.js';
import { RegistryClient } from '../../src/image/registry/client.js';
import type { TransportOptions } from '../../src/image/registry/transport.js';
import { buildLayerTar, file, type TestEntry } from '../../src/image/testing/index.js';

export interface FleetLayer {
  name: string;
  blob: Buffer;
  digest: string;
  diffId: string;
  gzip: boolean;
}

export async function fleetLayer(name: string, entries: TestEntry[], gzip = true): Promise<FleetLayer> {
  const tar = await buildLayerTar(entries);
  const blob = gzip ? gzipSync(tar, { level: 1 }) : tar;
  return { name, blob, digest: sha256Digest(blob), diffId: sha256Digest(tar), gzip };
}

export interface FleetImageSpec {
  repository: string;
  tags: string[];
  layers: FleetLayer[];
  config?: ContainerConfig;
  created?: string;
}

export interface PushedImage {
  repository: string;
  tags: string[];
  digest: string;
  layers: FleetLayer[];
}

/** Push every image (each distinct blob once per repository). */
export async function pushFleet(registry: string, specs: FleetImageSpec[], options: TransportOptions = {}): Promise<PushedImage[]> {
  const client = new RegistryClient(registry, options);
  const uploaded = new Set<string>();
  const upload = async (repository: string, digest: string, data: Buffer): Promise<void> => {
    const key = `${repository}@${digest}`;
    if (uploaded.has(key)) return;
    uploaded.add(key);
    await client.uploadBlob(repository, digest, data.length, async () => Readable.from([data]));
  };
  const out: PushedImage[] = [];
  for (const s of specs) {
    for (const l of s.layers) await upload(s.repository, l.digest, l.blob);
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        ...(s.created !== undefined ? { created: s.created } : {}),
        config: s.config ?? { Cmd: ['/app'] },
        rootfs: { type: 'layers', diff_ids: s.layers.map((l) => l.diffId) },
        history: s.layers.map((l) => ({ created_by: `COPY ${l.name}` })),
      }),
    );
    const configDigest = sha256Digest(config);
    await upload(s.repository, configDigest, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: configDigest, size: config.length },
        layers: s.layers.map((l) => ({ mediaType: l.gzip ? MediaType.OciLayerGzip : MediaType.OciLayer, digest: l.digest, size: l.blob.length })),
      }),
    );
    for (const t of s.tags) await client.putManifest(s.repository, t, manifest, MediaType.OciManifest);
    out.push({ repository: s.repository, tags: s.tags, digest: sha256Digest(manifest), layers: s.layers });
  }
  return out;
}

/** The shared parts: three bases (static, distro with a shell and apt lists, golang with a toolchain) and the Go binary layer. */
export async function fleetParts(goBinaryPath: string): Promise<{ static: FleetLayer; distro: FleetLayer; golang: FleetLayer[]; app: FleetLayer }> {
  const passwd = file('etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n');
  const go = readFileSync(goBinaryPath);
  return {
    static: await fleetLayer('static-base', [passwd, file('etc/ssl/certs/ca-certificates.crt', 40_000, { seed: 3 })]),
    distro: await fleetLayer('distro-base', [
      passwd,
      file('bin/sh', 120_000, { mode: 0o755, seed: 4 }),
      file('usr/share/doc/libc6/changelog', 60_000, { seed: 5 }),
      file('var/lib/apt/lists/deb.debian.org_dists_bookworm_main_binary-amd64_Packages', 300_000, { seed: 6 }),
    ]),
    golang: [
      await fleetLayer('golang-base', [passwd, file('bin/sh', 120_000, { mode: 0o755, seed: 4 })]),
      await fleetLayer('go-toolchain', [
        file('usr/local/go/bin/go', go, { mode: 0o755 }),
        file('usr/local/go/src/fmt/print.go', 200_000, { seed: 7 }),
        file('usr/local/go/pkg/tool/linux_amd64/compile', 400_000, { mode: 0o755, seed: 8 }),
      ]),
    ],
    app: await fleetLayer('go-binary', [file('app', go, { mode: 0o755 })]),
  };
}
