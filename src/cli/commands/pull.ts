/**
 * `goslim pull REF DIR`: write the files of an OCI artifact (what `goslim push --artifact` pushed:
 * scan records and summaries) into DIR, each under its title (src/image/sinks/artifact.ts).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { parseImageReference } from '../../image/reference.js';
import { formatBytes } from '../../util/units.js';
import { EXIT_OK, writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface PullCliOptions extends NetworkCliOptions, ConfigCliOptions {
  insecure?: boolean;
  json?: boolean;
}

async function body(src: string, dir: string, o: PullCliOptions, io: CliIO): Promise<ExitCode> {
  const ref = parseImageReference(src);
  if (ref.transport !== 'docker') throw new UsageError(`pull reads an artifact from a registry (docker://REF), not ${src}`);
  const config = await commandConfig(io.cwd, o.config);
  const { pullArtifact } = await import('../../image/sinks/artifact.js');
  const r = await pullArtifact(ref.registry, resolve(io.cwd, dir), {
    env: networkEnv(io.env, networkOptions(o, config)),
    ...(insecureFor(o.insecure, [src], config) ? { insecure: true } : {}),
  });
  if (o.json) {
    writeJson(io, { source: src, digest: r.digest, artifactType: r.artifactType ?? null, files: r.files });
  } else {
    io.stdout(`pulled ${r.artifactType ?? 'artifact'} ${src}@${r.digest}\n`);
    for (const f of r.files) io.stdout(`  ${f.path}  ${f.mediaType}  ${formatBytes(f.size)}\n`);
  }
  return EXIT_OK;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addConfigOption(addNetworkOptions(program.command('pull')))
      .description('Write the files of an OCI artifact (goslim push --artifact) into a folder, each under its title')
      .argument('<src>', 'the artifact: docker://REF')
      .argument('<dir>', 'folder to write the files into (created when missing; files replaced atomically)')
      .option('--insecure', 'allow plain http to non-loopback registries')
      .option('--json', 'print a JSON result')
      .action(async (src: string, dir: string, o: PullCliOptions) => run((io) => body(src, dir, o, io)));
  },
};
