/**
 * `goslim push SRC DEST`: copy an image (or a whole multi-platform index)
 * between any source and any sink, like `skopeo copy`, keeping its digest.
 */
import type { Command } from 'commander';
import { copyImage } from '../../image/sinks/copy.js';
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
      .argument('<src>', 'source: docker://REF, oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:REF], or a path/name')
      .argument('<dest>', 'destination: docker://REF, oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:NAME:TAG]')
      .option('--platform <os/arch[/variant]>', 'copy only this platform of a multi-platform source')
      .option('--insecure', 'allow plain http to non-loopback registries')
      .option('--json', 'print a JSON result')
      .action(async (src: string, dest: string, o: PushCliOptions) => run((io) => body(src, dest, o, io)));
  },
};
