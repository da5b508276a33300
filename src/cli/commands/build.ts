/**
 * `goslim build [DIR|PKG]`: daemonless, reproducible image build of a Go main
 * package (ko-style), written to an OCI layout, a docker-loadable tar, and/or a
 * registry, with an SBOM beside it.
 */
import type { Command } from 'commander';
import { buildAndPublish, defaultCacheDir, parseAdd, DEFAULT_BASE, type BuildPipelineResult } from '../../build/index.js';
import { UsageError } from '../../errors.js';
import { parsePlatformOption } from '../../image/sources/platform-select.js';
import { parseSbomFormat } from '../../sbom/index.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from '../context.js';
import { formatJsonDocument } from '../../report/document.js';
import { buildDocumentBody, renderBuildMarkdown, renderBuildText } from '../../report/build-report.js';
import { formatImageSarif } from '../../report/image-sarif.js';
import { addOutputOptions, writeReport, type OutputCliOptions, type Renderers } from '../output.js';
import type { ActionRunner, CommandModule } from './types.js';
import { createByteProgress } from '../progress.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface BuildCliOptions extends NetworkCliOptions, ConfigCliOptions, OutputCliOptions {
  platform?: string;
  base?: string;
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
  sbom?: string;
  compare?: string;
  gzipLevel?: string;
  cacheDir?: string;
  insecure?: boolean;
  verify: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label must be KEY=VALUE, got "${item}"`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

async function body(targets: string[], o: BuildCliOptions, io: CliIO): Promise<ExitCode> {
  if (!o.oci && !o.tar && !o.push) {
    throw new UsageError('say where the image goes: --oci DIR, --tar FILE and/or --push REF');
  }
  // Flags override build.* from the config (found from the first target's directory up to the cwd).
  const config = await commandConfig(io.cwd, o.config, targets[0] ?? '.');
  const c = config.build;
  const base = o.base ?? c.base ?? DEFAULT_BASE;
  const sbomFormat = parseSbomFormat(o.sbom ?? c.sbom ?? 'spdx');
  const ldflags = o.ldflags ?? c.ldflags;
  const user = o.user ?? c.user;
  const source = o.source ?? c.source;
  const listOr = (flag: string[], cfg: string[] | undefined): string[] => (flag.length > 0 ? flag : (cfg ?? []));
  const labels = o.label.length > 0 ? parseLabels(o.label) : { ...(c.labels ?? {}) };
  const platforms = (o.platform ?? c.platforms?.join(',') ?? 'linux/amd64')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parsePlatformOption);
  const gzipLevel = o.gzipLevel !== undefined ? Number(o.gzipLevel) : c.gzipLevel;
  if (gzipLevel !== undefined && !(Number.isInteger(gzipLevel) && gzipLevel >= 0 && gzipLevel <= 9)) {
    throw new UsageError(`--gzip-level must be 0-9, got "${o.gzipLevel}"`);
  }
  // Progress by bytes on a terminal while each output is written (the compile is `go build`'s own).
  const writing = createByteProgress(io, 'build', 'written');
  const r = await buildAndPublish({
    onWrite: (p) => writing.update({ bytes: p.bytes, ...(p.total !== undefined ? { total: p.total } : {}), detail: p.destination }),
    targets: targets.length > 0 ? targets : ['.'],
    cwd: io.cwd,
    env: networkEnv(io.env, networkOptions(o, config)),
    platforms,
    base,
    adds: o.add.map(parseAdd),
    ports: listOr(o.port, c.ports),
    labels,
    envVars: listOr(o.env, c.env),
    ...(ldflags ? { ldflags: ldflags.split(/\s+/).filter(Boolean) } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(source !== undefined ? { source } : {}),
    ...(gzipLevel !== undefined ? { gzipLevel } : {}),
    cacheDir: o.cacheDir ?? defaultCacheDir(io.env),
    ...(insecureFor(o.insecure, [base, ...(o.push !== undefined ? [o.push] : []), ...(o.compare !== undefined ? [o.compare] : [])].filter((r) => r !== 'scratch'), config) ? { insecure: true } : {}),
    ...(o.oci !== undefined ? { oci: o.oci } : {}),
    ...(o.tar !== undefined ? { tar: o.tar } : {}),
    tags: o.tag,
    ...(o.push !== undefined ? { push: o.push } : {}),
    sbom: sbomFormat,
    ...(o.compare !== undefined ? { compare: o.compare } : {}),
    verify: o.verify,
  }).finally(() => writing.done());

  // Not written (it would not start) is a finding: exit 1, the report says which checks failed.
  if (!r.written) io.stderr('goslim: the built image would not start; nothing was written\n');
  await writeReport(io, o, buildRenderers(o.verify), r);
  return r.written ? EXIT_OK : EXIT_FINDINGS;
}

/** build's renderer table (src/cli/output.ts). */
export function buildRenderers(verify: boolean): Renderers<BuildPipelineResult> {
  return {
    text: (r, ctx) => renderBuildText(r, ctx.style),
    json: (r) => formatJsonDocument('build', buildDocumentBody(r, verify)),
    markdown: (r) => renderBuildMarkdown(r),
    sarif: (r, ctx) =>
      formatImageSarif(
        {
          image: { ref: r.build.package.importPath, digest: r.root.digest() },
          subject: 'built image of',
          checks: r.written ? r.verify.flatMap((v) => v.report.checks) : r.failedChecks,
          levers: [],
        },
        { toolVersion: ctx.toolVersion },
      ),
  };
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    const cmd = addConfigOption(addNetworkOptions(program
      .command('build')), 'config file (default: .goslim.yaml, .goslim.yml or goslim.config.json from the first target\'s directory up to the current directory)')
      .description('Compile a Go main package with the four levers and write a minimal, reproducible image (no daemon)')
      .argument('[targets...]', 'directories or packages of main packages (default "."); the first is the entrypoint')
      .option('--platform <list>', 'comma-separated os/arch[/variant] list; more than one gives an image index (default linux/amd64, or build.platforms)')
      .option('--base <ref>', `base image: registry ref, oci:DIR[:REF], docker-archive:/oci-archive:PATH, or "scratch" (default ${DEFAULT_BASE}, or build.base)`)
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
      .option('--sbom <format>', 'spdx, cyclonedx or none (default spdx, or build.sbom)')
      .option('--compare <REF>', 'report sizes before/after against this image (e.g. the Dockerfile build)')
      .option('--gzip-level <n>', 'gzip level 0-9 for new layers (default 6)')
      .option('--cache-dir <dir>', 'blob cache (default $GOSLIM_CACHE, $XDG_CACHE_HOME/goslim or ~/.cache/goslim)')
      .option('--insecure', 'allow plain http to non-loopback registries')
      .option('--no-verify', 'skip the static will-it-start checks on the result');
    addOutputOptions(cmd, buildRenderers(true))
      .action(async (targets: string[], o: BuildCliOptions) => run((io) => body(targets, o, io)));
  },
};
