/**
 * `goslim build [DIR|PKG]`: daemonless, reproducible image build of a Go main
 * package (ko-style), written to an OCI layout, a docker-loadable tar, and/or a
 * registry, with an SBOM beside it.
 */
import { writeFileAtomic } from '../../util/atomic-write.js';
import { packageVersion } from '../../util/package-version.js';
import type { Command } from 'commander';
import { buildImage, compareSizes, defaultCacheDir, imageSize, parseAdd, DEFAULT_BASE, type BuildResult, type ImageSize } from '../../build/index.js';
import { GoslimError } from '../../errors.js';
import { isIndexMediaType, platformString, type Image, type ImageIndex } from '../../image/model.js';
import { openImage } from '../../image/open.js';
import { parseImageReference, parseRegistryReference } from '../../image/reference.js';
import { writeToSink, type SinkResult } from '../../image/sinks/index.js';
import { parsePlatformOption } from '../../image/sources/platform-select.js';
import { SbomArtifact, pushSbomArtifact, type AttachResult } from '../../sbom/attach.js';
import { generateSbom, parseSbomFormat, type SbomSubject } from '../../sbom/index.js';
import { formatBytes } from '../../util/units.js';
import { verifyImage, type VerifyReport } from '../../verify/index.js';
import { EXIT_FINDINGS, EXIT_OK, writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './index.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';

interface BuildCliOptions extends NetworkCliOptions {
  platform: string;
  base: string;
  add: string[];
  port: string[];
  label: string[];
  env: string[];
  ldflags?: string;
  user?: string;
  source?: string;
  oci?: string;
  tar?: string;
  tag: string[];
  push?: string;
  sbom: string;
  compare?: string;
  gzipLevel?: string;
  cacheDir?: string;
  insecure?: boolean;
  json?: boolean;
  verify: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new GoslimError('E_USAGE', `--label must be KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** `--oci DIR[:REF]`: the ref name defaults to "latest" so `oci:DIR:latest` works for skopeo/umoci. */
function ociDestination(text: string): string {
  const ref = parseImageReference(`oci:${text}`);
  return ref.transport === 'oci' && ref.ref === undefined ? `oci:${text}:latest` : `oci:${text}`;
}

async function body(targets: string[], o: BuildCliOptions, io: CliIO): Promise<ExitCode> {
  if (!o.oci && !o.tar && !o.push) {
    throw new GoslimError('E_USAGE', 'say where the image goes: --oci DIR, --tar FILE and/or --push REF');
  }
  const sbomFormat = parseSbomFormat(o.sbom);
  const platforms = o.platform
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parsePlatformOption);
  const gzipLevel = o.gzipLevel !== undefined ? Number(o.gzipLevel) : undefined;
  if (gzipLevel !== undefined && !(Number.isInteger(gzipLevel) && gzipLevel >= 0 && gzipLevel <= 9)) {
    throw new GoslimError('E_USAGE', `--gzip-level must be 0-9, got "${o.gzipLevel}"`);
  }
  // Validate destinations before spending time compiling.
  const pushRef = o.push !== undefined ? parseRegistryReference(o.push.replace(/^docker:\/\//, '')) : undefined;
  const netEnv = networkEnv(io.env, o);

  const started = Date.now();
  const result: BuildResult = await buildImage({
    targets: targets.length > 0 ? targets : ['.'],
    cwd: io.cwd,
    env: netEnv,
    platforms,
    base: o.base,
    adds: o.add.map(parseAdd),
    ports: o.port,
    labels: parseLabels(o.label),
    envVars: o.env,
    ...(o.ldflags ? { ldflags: o.ldflags.split(/\s+/).filter(Boolean) } : {}),
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.source !== undefined ? { source: o.source } : {}),
    ...(gzipLevel !== undefined ? { gzipLevel } : {}),
    cacheDir: o.cacheDir ?? defaultCacheDir(io.env),
    ...(o.insecure ? { insecure: true } : {}),
  });
  const buildMs = Date.now() - started;
  const root: Image | ImageIndex = result.root;
  const tags = o.tag.length > 0 ? o.tag : [`${result.package.name}:latest`];

  // Static "will it start?" checks (src/verify) on every platform image before anything is written:
  // an image that cannot start is not pushed anywhere.
  const verified: Array<{ platform: string; report: VerifyReport }> = [];
  if (o.verify) {
    for (const b of result.builds) verified.push({ platform: platformString(b.platform), report: await verifyImage(b.image) });
    const failed = verified.filter((v) => v.report.verdict === 'fail');
    if (failed.length > 0) {
      const checks = failed.flatMap((v) => v.report.checks.filter((c) => c.status === 'fail').map((c) => ({ platform: v.platform, ...c })));
      if (o.json) {
        writeJson(io, { digest: root.digest(), verify: verified, written: false });
      } else {
        io.stderr(`goslim: the built image would not start; nothing was written:\n${checks.map((c) => `  ${c.platform} ${c.id}: ${c.message}${c.fix ? ` (fix: ${c.fix})` : ''}`).join('\n')}\n`);
      }
      return EXIT_FINDINGS;
    }
  }

  const outputs: SinkResult[] = [];
  const transport = { env: netEnv, ...(o.insecure ? { insecure: true } : {}) };
  if (o.oci) outputs.push(await writeToSink(root, ociDestination(o.oci), transport));
  if (o.tar) {
    outputs.push(await writeToSink(root, { transport: 'docker-archive', path: o.tar, ref: tags[0]! }, transport));
  }
  if (pushRef) outputs.push(await writeToSink(root, { transport: 'docker', registry: pushRef }, transport));

  // SBOM: one document for the whole build (every platform's binary), about the root digest.
  let sbom: { files: string[]; attached?: AttachResult; mediaType: string } | undefined;
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
  let comparison;
  if (o.compare) {
    const first = result.builds[0]!;
    const before = await openImage(o.compare, { platform: platformString(first.platform), env: netEnv, ...(o.insecure ? { insecure: true } : {}) });
    comparison = compareSizes({ reference: o.compare, ...(await imageSize(before)) }, sizes[0]!);
  }

  const summary = {
    digest: root.digest(),
    mediaType: root.mediaType(),
    index: isIndexMediaType(root.mediaType()),
    package: result.package.importPath,
    packages: result.packages.map((p) => p.importPath),
    created: result.created,
    buildMs,
    platforms: result.builds.map((b, i) => ({
      platform: platformString(b.platform),
      digest: b.image.digest(),
      configDigest: b.image.configDigest(),
      size: { compressed: sizes[i]!.compressed, uncompressed: sizes[i]!.uncompressed },
      layers: b.image.manifest().layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
      added: b.layers,
      binary: { path: b.binary.path, size: b.binary.size, sha256: b.binary.sha256, arch: b.binary.arch, goVersion: b.binary.go?.version ?? null },
      binaries: b.binaries.map((x) => ({ path: x.path, size: x.size, sha256: x.sha256 })),
      base: b.base,
    })),
    outputs,
    ...(o.verify ? { verify: verified.map((v) => ({ platform: v.platform, verdict: v.report.verdict, checks: v.report.checks })) } : {}),
    ...(sbom ? { sbom } : {}),
    ...(comparison ? { compare: comparison } : {}),
  };
  if (o.json) {
    writeJson(io, summary);
    return EXIT_OK;
  }
  const lines: string[] = [];
  lines.push(`built ${result.package.importPath} in ${(buildMs / 1000).toFixed(1)} s`);
  for (const p of summary.platforms) {
    const reused = p.added.filter((l) => l.reused).length;
    lines.push(
      `  ${p.platform}  ${p.digest}  ${formatBytes(p.size.compressed)} compressed, ${formatBytes(p.size.uncompressed)} unpacked, ${p.layers.length} layer${p.layers.length === 1 ? '' : 's'} (${p.base.layers} from ${p.base.reference}; ${reused}/${p.added.length} added layers reused)`,
    );
  }
  if (summary.index) lines.push(`  index ${summary.digest}`);
  for (const v of verified) {
    const warned = v.report.checks.filter((c) => c.status === 'warn');
    lines.push(`  verify ${v.platform}: ${v.report.verdict}${warned.length > 0 ? ` (${warned.map((c) => `${c.id}: ${c.message}`).join('; ')})` : ''}`);
  }
  for (const out of outputs) lines.push(`  wrote ${out.destination} (${formatBytes(out.bytesWritten)} new)`);
  if (sbom) {
    for (const f of sbom.files) lines.push(`  sbom ${f}`);
    if (sbom.attached) {
      lines.push(
        `  sbom pushed ${sbom.attached.digest}${sbom.attached.discoverableBy === 'tag' ? ` (no referrers API: tagged ${sbom.attached.tag})` : ' (referrer)'}`,
      );
    }
  }
  if (comparison) {
    lines.push(
      `  vs ${comparison.before.reference}: ${formatBytes(comparison.before.compressed)} -> ${formatBytes(comparison.after.compressed)} compressed (${comparison.ratio.compressed}x smaller), ${formatBytes(comparison.before.uncompressed)} -> ${formatBytes(comparison.after.uncompressed)} unpacked`,
    );
  }
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addNetworkOptions(program
      .command('build'))
      .description('Compile a Go main package with the four levers and write a minimal, reproducible image (no daemon)')
      .argument('[targets...]', 'directories or packages of main packages (default "."); the first is the entrypoint')
      .option('--platform <list>', 'comma-separated os/arch[/variant] list; more than one gives an image index', 'linux/amd64')
      .option('--base <ref>', 'base image: registry ref, oci:DIR[:REF], docker-archive:/oci-archive:PATH, or "scratch"', DEFAULT_BASE)
      .option('--add <SRC:DST>', 'add a host file or directory at DST in the image (repeatable)', collect, [])
      .option('--port <port>', 'expose a port, e.g. 8080 or 53/udp (repeatable)', collect, [])
      .option('--label <KEY=VALUE>', 'image label (repeatable)', collect, [])
      .option('--env <KEY=VALUE>', 'environment variable, merged with the base image Env (repeatable)', collect, [])
      .option('--ldflags <flags>', 'extra linker flags, after -s -w')
      .option('--user <user>', 'user to run as (default 65532, distroless nonroot)')
      .option('--source <url>', 'org.opencontainers.image.source annotation')
      .option('--oci <DIR[:REF]>', 'write an OCI image layout (ref name default "latest")')
      .option('--tar <FILE>', 'write one tar that is an OCI layout and `docker load`-able')
      .option('--tag <NAME:TAG>', 'tag recorded in --tar (repeatable; default <binary>:latest)', collect, [])
      .option('--push <REF>', 'push to a registry')
      .option('--sbom <format>', 'spdx, cyclonedx or none', 'spdx')
      .option('--compare <REF>', 'report sizes before/after against this image (e.g. the Dockerfile build)')
      .option('--gzip-level <n>', 'gzip level 0-9 for new layers (default 6)')
      .option('--cache-dir <dir>', 'blob cache (default $GOSLIM_CACHE, $XDG_CACHE_HOME/goslim or ~/.cache/goslim)')
      .option('--insecure', 'allow plain http to non-loopback registries')
      .option('--no-verify', 'skip the static will-it-start checks on the result')
      .option('--json', 'print a JSON summary')
      .action(async (targets: string[], o: BuildCliOptions) => run((io) => body(targets, o, io)));
  },
};
