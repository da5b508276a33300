/**
 * `goslim push SRC DEST`: copy an image (or a whole multi-platform index)
 * between any source and any sink, like `skopeo copy`, keeping its digest.
 * `goslim push --artifact FILE... DEST`: push files (scan results) to a registry as one OCI
 * artifact (src/image/sinks/artifact.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { copyImage } from '../../image/sinks/copy.js';
import { UsageError } from '../../errors.js';
import { parseImageReference } from '../../image/reference.js';
import { formatBytes } from '../../util/units.js';
import { EXIT_OK, writeJson, type CliIO, type ExitCode } from '../context.js';
import { createByteProgress } from '../progress.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface PushCliOptions extends NetworkCliOptions, ConfigCliOptions {
  platform?: string;
  insecure?: boolean;
  json?: boolean;
  artifact?: boolean;
  artifactType?: string;
}

async function pushArtifactBody(files: string[], dest: string, o: PushCliOptions, io: CliIO): Promise<ExitCode> {
  const ref = parseImageReference(dest);
  if (ref.transport !== 'docker') throw new UsageError(`--artifact pushes to a registry (docker://REF), not ${dest}`);
  const config = await commandConfig(io.cwd, o.config);
  const { pushArtifact } = await import('../../image/sinks/artifact.js');
  const r = await pushArtifact(files.map((f) => resolve(io.cwd, f)), ref.registry, {
    env: networkEnv(io.env, networkOptions(o, config)),
    ...(insecureFor(o.insecure, [dest], config) ? { insecure: true } : {}),
    ...(o.artifactType !== undefined ? { artifactType: o.artifactType } : {}),
  });
  if (o.json) {
    writeJson(io, {
      destination: `docker://${r.reference}`,
      digest: r.digest,
      mediaType: r.mediaType,
      artifactType: r.artifactType,
      files: r.files.map((f) => ({ title: f.title, mediaType: f.mediaType, digest: f.digest, size: f.size })),
      bytesWritten: r.bytesUploaded,
    });
  } else {
    io.stdout(`pushed artifact ${r.artifactType} -> ${r.reference}\n`);
    for (const f of r.files) io.stdout(`  ${f.title}  ${f.mediaType}  ${formatBytes(f.size)}  ${f.digest}\n`);
  }
  return EXIT_OK;
}

async function body(src: string, dest: string, o: PushCliOptions, io: CliIO): Promise<ExitCode> {
  const started = Date.now();
  const config = await commandConfig(io.cwd, o.config);
  // Progress by bytes: each layer byte read for the copy, plus the layers a registry already had
  // (skipped) or mounted from another repository, which are never read.
  const line = createByteProgress(io, 'push', 'copied');
  let total: number | undefined;
  let done = 0;
  const advance = (n: number): void => {
    done += n;
    line.update({ bytes: total !== undefined ? Math.min(done, total) : done, ...(total !== undefined ? { total } : {}) });
  };
  let r;
  try {
    r = await copyImage(src, dest, {
      env: networkEnv(io.env, networkOptions(o, config)),
      ...(o.platform ? { platform: o.platform } : {}),
      ...(insecureFor(o.insecure, [src, dest], config) ? { insecure: true } : {}),
      progress: { total: (t) => void (total = t), bytes: advance },
      onBlob: (b) => {
        if (b.action === 'skipped' || b.action === 'mounted') advance(b.size);
      },
    });
  } finally {
    line.done();
  }
  const ms = Date.now() - started;
  if (o.json) {
    writeJson(io, { source: src, destination: r.destination, digest: r.digest, mediaType: r.mediaType, bytesWritten: r.bytesWritten, ms });
  } else {
    io.stdout(`copied ${src} -> ${r.destination}\n  ${r.digest} (${formatBytes(r.bytesWritten)} transferred, ${(ms / 1000).toFixed(1)} s)\n`);
  }
  return EXIT_OK;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addConfigOption(addNetworkOptions(program
      .command('push')))
      .description('Copy an image between registries, OCI layouts and archives (like skopeo copy), keeping its digest')
      .argument('<src>', 'source: docker://REF, oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:REF], or a path/name (with --artifact: a file)')
      .argument('<dest...>', 'destination: docker://REF, oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG] (with --artifact: more files, then docker://REF)')
      .option('--platform <os/arch[/variant]>', 'copy only this platform of a multi-platform source')
      .option('--artifact', 'push FILE... to a registry as one OCI artifact (scan results: docs/scale.md)')
      .option('--artifact-type <media-type>', 'the artifact\'s artifactType (default application/vnd.goslim.scan.v1)')
      .option('--insecure', 'allow plain http to non-loopback registries')
      .option('--json', 'print a JSON result')
      .action(async (src: string, rest: string[], o: PushCliOptions) =>
        run(async (io) => {
          if (o.artifact && o.platform !== undefined) throw new UsageError('--platform chooses an image to copy; an artifact has none');
          if (o.artifact) return pushArtifactBody([src, ...rest.slice(0, -1)], rest[rest.length - 1]!, o, io);
          if (rest.length !== 1) throw new UsageError('push copies one image: goslim push SRC DEST (files to a registry: --artifact FILE... DEST)');
          if (o.artifactType !== undefined) throw new UsageError('--artifact-type goes with --artifact');
          return body(src, rest[0]!, o, io);
        }),
      );
  },
};
