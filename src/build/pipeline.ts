/**
 * What `goslim build` does, as a library function: build (src/build/build.ts), verify every
 * platform image statically (nothing is written when one would not start), write the sinks
 * (OCI layout, docker-loadable tar, registry), write and push the SBOM, measure sizes and
 * compare with a reference image. The CLI command only parses options and prints the result.
 */
import { UsageError } from '../errors.js';
import { isIndexMediaType, platformString, type Image, type ImageIndex } from '../image/model.js';
import { openImage } from '../image/open.js';
import { parseImageReference, parseRegistryReference } from '../image/reference.js';
import type { TransportOptions } from '../image/registry/transport.js';
import { writeToSink, type SinkResult } from '../image/sinks/index.js';
import { countingRoot, layerBytesOf } from '../image/sinks/counting.js';
import { SbomArtifact, pushSbomArtifact, type AttachResult } from '../sbom/attach.js';
import { generateSbom, type SbomFormat, type SbomSubject } from '../sbom/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { packageVersion } from '../util/package-version.js';
import { verifyImage, type VerifyCheck, type VerifyReport } from '../verify/index.js';
import { buildImage, type BuildOptions, type BuildResult } from './build.js';
import { compareSizes, imageSize, type Comparison, type ImageSize } from './summary.js';

export interface BuildPipelineOptions extends BuildOptions {
  /** Write an OCI image layout: `DIR[:REF]` (ref name default "latest"). */
  oci?: string;
  /** Write one tar that is an OCI layout and `docker load`-able. */
  tar?: string;
  /** Tags recorded in the tar; default `<binary>:latest`. */
  tags?: string[];
  /** Push to this registry reference (a leading `docker://` is allowed). */
  push?: string;
  /** SBOM format; default spdx. */
  sbom?: SbomFormat | 'none';
  /** Measure this image and compare the first platform's sizes with it. */
  compare?: string;
  /** Static will-it-start checks before anything is written (default true). */
  verify?: boolean;
  /** Told as each output is written: its destination, the layer bytes read for it so far, and their total (one image). */
  onWrite?: (p: { destination: string; bytes: number; total: number | undefined }) => void;
}

export interface PlatformVerify {
  platform: string;
  report: VerifyReport;
}

export interface BuildPipelineResult {
  build: BuildResult;
  root: Image | ImageIndex;
  /** Milliseconds spent in buildImage. */
  buildMs: number;
  /** false when verification failed: then nothing was written, pushed or measured. */
  written: boolean;
  verify: PlatformVerify[];
  /** The failed checks, by platform (only when `written` is false). */
  failedChecks: Array<VerifyCheck & { platform: string }>;
  outputs: SinkResult[];
  sbom?: { files: string[]; attached?: AttachResult; mediaType: string };
  sizes: Array<ImageSize & { platform: string }>;
  comparison?: Comparison;
}

/** `--oci DIR[:REF]`: the ref name defaults to "latest" so `oci:DIR:latest` works for skopeo/umoci. */
export function ociDestination(text: string): string {
  const ref = parseImageReference(`oci:${text}`);
  return ref.transport === 'oci' && ref.ref === undefined ? `oci:${text}:latest` : `oci:${text}`;
}

/** Build, verify, write, attach the SBOM, push and compare (see the module comment). */
export async function buildAndPublish(options: BuildPipelineOptions): Promise<BuildPipelineResult> {
  const o = options;
  if (!o.oci && !o.tar && !o.push) {
    throw new UsageError('say where the image goes: --oci DIR, --tar FILE and/or --push REF');
  }
  const sbomFormat = o.sbom ?? 'spdx';
  // Validate destinations before spending time compiling.
  const pushRef = o.push !== undefined ? parseRegistryReference(o.push.replace(/^docker:\/\//, '')) : undefined;

  const started = Date.now();
  const result = await buildImage(o);
  const buildMs = Date.now() - started;
  const root: Image | ImageIndex = result.root;
  const tags = o.tags !== undefined && o.tags.length > 0 ? o.tags : [`${result.package.name}:latest`];
  const base = { build: result, root, buildMs, outputs: [] as SinkResult[], sizes: [] as Array<ImageSize & { platform: string }> };

  // Static "will it start?" checks (src/verify) on every platform image before anything is written:
  // an image that cannot start is not pushed anywhere.
  const verified: PlatformVerify[] = [];
  if (o.verify !== false) {
    for (const b of result.builds) verified.push({ platform: platformString(b.platform), report: await verifyImage(b.image) });
    const failed = verified.filter((v) => v.report.verdict === 'fail');
    if (failed.length > 0) {
      const failedChecks = failed.flatMap((v) => v.report.checks.filter((c) => c.status === 'fail').map((c) => ({ platform: v.platform, ...c })));
      return { ...base, written: false, verify: verified, failedChecks };
    }
  }

  const outputs: SinkResult[] = [];
  const transport: TransportOptions = { env: o.env, ...(o.insecure ? { insecure: true } : {}) };
  // Each output reads the layers again; with onWrite, it is told the bytes as they go.
  const counted = (destination: string): Image | ImageIndex => {
    if (!o.onWrite) return root;
    const total = layerBytesOf(root);
    let bytes = 0;
    return countingRoot(root, (n) => o.onWrite!({ destination, bytes: (bytes += n), total }));
  };
  if (o.oci) outputs.push(await writeToSink(counted(`oci:${o.oci}`), ociDestination(o.oci), transport));
  if (o.tar) {
    outputs.push(await writeToSink(counted(o.tar), { transport: 'docker-archive', path: o.tar, ref: tags[0]! }, transport));
  }
  if (pushRef) outputs.push(await writeToSink(counted(o.push!), { transport: 'docker', registry: pushRef }, transport));

  // SBOM: one document for the whole build (every platform's binary), about the root digest.
  let sbom: BuildPipelineResult['sbom'];
  if (sbomFormat !== 'none') {
    const subject: SbomSubject = {
      name: o.push ?? tags[0]!,
      digest: root.digest(),
      created: result.created,
      toolVersion: packageVersion(),
      binaries: result.builds.flatMap((b) =>
        b.binaries.map((bin) => ({
          path: bin.path,
          platform: platformString(b.platform),
          sha256: bin.sha256,
          go: bin.go ?? { version: null, path: null, main: null, deps: [], settings: {} },
        })),
      ),
    };
    const doc = generateSbom(subject, sbomFormat);
    const files: string[] = [];
    for (const local of [o.oci?.replace(/:[^/:]*$/, '').replace(/\/+$/, ''), o.tar]) {
      if (!local) continue;
      const file = `${local}${doc.fileSuffix}`;
      await writeFileAtomic(file, doc.bytes, { inPlace: false });
      files.push(file);
    }
    sbom = { files, mediaType: doc.mediaType };
    if (pushRef) {
      const artifact = new SbomArtifact(doc.bytes, doc.mediaType, { mediaType: root.mediaType(), digest: root.digest(), size: root.rawManifest().length }, result.created);
      sbom.attached = await pushSbomArtifact(artifact, pushRef, transport);
    }
  }

  const sizes: Array<ImageSize & { platform: string }> = [];
  for (const b of result.builds) sizes.push({ platform: platformString(b.platform), ...(await imageSize(b.image)) });
  let comparison: Comparison | undefined;
  if (o.compare) {
    const first = result.builds[0]!;
    const before = await openImage(o.compare, { platform: platformString(first.platform), env: o.env, ...(o.insecure ? { insecure: true } : {}) });
    comparison = compareSizes({ reference: o.compare, ...(await imageSize(before)) }, sizes[0]!);
  }
  return { ...base, written: true, verify: verified, failedChecks: [], outputs, ...(sbom ? { sbom } : {}), sizes, ...(comparison ? { comparison } : {}) };
}

/** The JSON summary `goslim build --json` prints for a pipeline result. Pure. */
export function buildSummary(r: BuildPipelineResult, options: { verify?: boolean } = {}): Record<string, unknown> {
  const root = r.root;
  if (!r.written) return { digest: root.digest(), written: false, verify: r.verify, failedChecks: r.failedChecks };
  return {
    digest: root.digest(),
    written: true,
    mediaType: root.mediaType(),
    index: isIndexMediaType(root.mediaType()),
    package: r.build.package.importPath,
    packages: r.build.packages.map((p) => p.importPath),
    created: r.build.created,
    buildMs: r.buildMs,
    platforms: r.build.builds.map((b, i) => ({
      platform: platformString(b.platform),
      digest: b.image.digest(),
      configDigest: b.image.configDigest(),
      size: { compressed: r.sizes[i]!.compressed, uncompressed: r.sizes[i]!.uncompressed },
      layers: b.image.manifest().layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
      added: b.layers,
      binary: { path: b.binary.path, size: b.binary.size, sha256: b.binary.sha256, arch: b.binary.arch, goVersion: b.binary.go?.version ?? null },
      binaries: b.binaries.map((x) => ({ path: x.path, size: x.size, sha256: x.sha256 })),
      base: b.base,
    })),
    outputs: r.outputs,
    ...(options.verify !== false ? { verify: r.verify.map((v) => ({ platform: v.platform, verdict: v.report.verdict, checks: v.report.checks })) } : {}),
    ...(r.sbom ? { sbom: r.sbom } : {}),
    ...(r.comparison ? { compare: r.comparison } : {}),
  };
}
