import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { listImagePlatforms, openImage } from '../../image/open.js';
import { platformString } from '../../image/model.js';
import { renderVerifyPlatforms } from '../../report/platforms-text.js';
import type { VerifyReport } from '../../verify/types.js';
import type { EmulationOptions } from '../../verify/emulation.js';
import { verifyImage } from '../../verify/index.js';
import { parseDuration } from '../../util/units.js';
import { imageReadProgress } from '../../image/filesystem/merge.js';
import { createByteProgress, createProgress } from '../progress.js';
import { renderVerifyText } from '../../report/verify-text.js';
import { renderVerifyMarkdown } from '../../report/report-markdown.js';
import { formatImageSarif } from '../../report/image-sarif.js';
import { formatJsonDocument, jsonDocument } from '../../report/document.js';
import { EXIT_FINDINGS, EXIT_OK, type CliIO, type ExitCode } from '../context.js';
import { addOutputOptions, writeReport, type OutputCliOptions, type Renderers } from '../output.js';
import { readDockerfileOption } from '../read-bounded.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface VerifyCliOptions extends NetworkCliOptions, OutputCliOptions, ConfigCliOptions {
  dockerfile?: string;
  platform?: string;
  insecure?: boolean;
  run?: boolean;
  args?: string;
  timeout?: string;
  probe?: string;
  strict?: boolean;
  sandbox?: string;
}

/** verify's renderer table (src/cli/output.ts). */
export function verifyRenderers(dockerfile?: { path: string; text: string }): Renderers<VerifyReport> {
  return {
    text: (r, ctx) => renderVerifyText(r, ctx.style),
    json: (r) => formatJsonDocument('verify', r),
    markdown: (r) => renderVerifyMarkdown(r),
    sarif: (r, ctx) =>
      formatImageSarif({ image: r.image, checks: r.checks, levers: [] }, { toolVersion: ctx.toolVersion, ...(dockerfile !== undefined ? { dockerfile } : {}) }),
  };
}

/** `--platform all`: one report per platform (JSON: a list of verify documents). */
function verifyPlatformsRenderers(ref: string): Renderers<VerifyReport[]> {
  return {
    text: (rs) => renderVerifyPlatforms(ref, rs),
    json: (rs) => `${JSON.stringify(rs.map((r) => jsonDocument('verify', r)), null, 2)}\n`,
    markdown: (rs) => rs.map((r) => renderVerifyMarkdown(r)).join('\n'),
  };
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addConfigOption(addOutputOptions(addNetworkOptions(program
      .command('verify'))
      .description('Check that an image will start (command, program, loader and libraries, user, health check); --run starts it in a sandbox')
      .argument('<image>', 'image reference: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH, docker://REF, a path, or a registry name'), verifyRenderers()))
      .option('--dockerfile <path>', 'the Dockerfile that built the image: SARIF results point at the line that causes each failed check')
      .option('--platform <os/arch[/variant]|all>', 'platform to pick from a multi-platform image; "all": every platform, one section each and a summary table (JSON: a list of verify documents); with --run a foreign one runs under QEMU')
      .option('--insecure', 'allow plain HTTP to a registry that is not on localhost')
      .option('--run', 'also unpack the image and start its command in a sandbox (no network), with a timeout')
      .option('--no-run', 'do not start it, even when the config says verify.run: true')
      .option('--args <args>', 'arguments that replace Cmd for --run (space-separated)')
      .option('--timeout <duration>', 'how long --run lets it run: 5s, 1500ms, or a bare number of milliseconds; still running then counts as started (default 3s, or verify.timeout)')
      .option('--probe <url>', 'with --run: GET this URL on 127.0.0.1 and require an answer (podman publishes the port; in namespaces the process shares the host network)')
      .option('--sandbox <kind>', 'auto (podman for --probe where usable, else namespaces), podman, or namespaces (bubblewrap: user namespace, no network, seccomp, limits) (default auto, or verify.sandbox)')
      .option('--strict', 'exit 1 on warnings too (or verify.strict)')
      .option('--no-strict', 'do not exit 1 on warnings, even when the config says verify.strict: true')
      .action(async (ref: string, opts: VerifyCliOptions) =>
        run(async (io: CliIO): Promise<ExitCode> => {
          const config = await commandConfig(io.cwd, opts.config);
          const c = config.verify;
          // A bare number is milliseconds (as before); with a unit, as verify.timeout in the config.
          const timeout = opts.timeout === undefined ? (c.timeout ?? 3000) : /^\s*\d+\s*$/.test(opts.timeout) ? Number(opts.timeout) : parseDuration(opts.timeout, '--timeout');
          if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 600_000) throw new UsageError('--timeout must be a duration from 1ms to 10m (5s, 1500ms, or a bare number of milliseconds)');
          const probe = opts.probe ?? c.probe;
          if (probe !== undefined && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(probe)) {
            throw new UsageError('--probe must be an http:// URL on 127.0.0.1 or localhost');
          }
          const sandbox = opts.sandbox ?? c.sandbox ?? 'auto';
          if (sandbox !== 'auto' && sandbox !== 'podman' && sandbox !== 'namespaces') throw new UsageError('--sandbox must be auto, podman or namespaces');
          const dockerfile = await readDockerfileOption(io, opts.dockerfile);
          // --run / --no-run, else verify.run; a probe (flag or config) implies a run unless --no-run.
          const wantsRun = opts.run ?? Boolean(c.run || probe);
          const args = opts.args !== undefined ? opts.args.split(/\s+/).filter(Boolean) : c.args;
          const strict = opts.strict ?? c.strict ?? false;
          const network = { ...(insecureFor(opts.insecure, [ref], config) ? { insecure: true } : {}), env: networkEnv(io.env, networkOptions(opts, config)) };
          const verifyOne = async (platform: string | undefined): Promise<VerifyReport> => {
            const image = await openImage(ref, { ...(platform !== undefined ? { platform } : {}), ...network });
            // Progress by bytes on a terminal: reading the layers, then unpacking them for --run.
            const label = platform === undefined ? '' : ` ${platform}`;
            const reading = createProgress(io, `verify${label}`);
            const unpacking = createByteProgress(io, `unpack${label}`, 'written');
            try {
              return await verifyImage(image, {
                onProgress: imageReadProgress(image.layers().map((l) => l.size()), (p) => reading.update(p)),
                ...(wantsRun
                  ? {
                      run: {
                        timeoutMs: timeout,
                        sandbox,
                        ...(args !== undefined ? { args } : {}),
                        ...(probe !== undefined ? { probe } : {}),
                        emulation: emulationOptions(io.env),
                        onUnpack: (p) => {
                          reading.done();
                          unpacking.update({ bytes: p.bytes, detail: `layer ${p.layer + 1}/${p.layers}` });
                        },
                      },
                    }
                  : {}),
              });
            } finally {
              reading.done();
              unpacking.done();
            }
          };
          const failed = (report: VerifyReport): boolean => {
            const runFailed = report.run !== undefined && report.run.sandbox !== 'none' && !report.run.started;
            return report.verdict === 'fail' || runFailed || (strict && report.verdict === 'warn');
          };
          if (opts.platform === 'all') {
            const reports: VerifyReport[] = [];
            for (const p of await listImagePlatforms(ref, network)) reports.push(await verifyOne(platformString(p)));
            await writeReport(io, opts, verifyPlatformsRenderers(ref), reports);
            return reports.some(failed) ? EXIT_FINDINGS : EXIT_OK;
          }
          const report = await verifyOne(opts.platform);
          await writeReport(io, opts, verifyRenderers(dockerfile), report);
          return failed(report) ? EXIT_FINDINGS : EXIT_OK;
        }),
      );
  },
};

/**
 * Where `--run` looks for QEMU for a foreign architecture: GOSLIM_QEMU_PATH (colon-separated
 * directories holding qemu-<arch>-static; default the PATH) and GOSLIM_BINFMT_MISC (the
 * binfmt_misc directory; default /proc/sys/fs/binfmt_misc). Both exist so that a test can take
 * emulation away; an empty or missing directory means "none there".
 */
function emulationOptions(env: NodeJS.ProcessEnv): EmulationOptions {
  return {
    ...(env.GOSLIM_QEMU_PATH !== undefined ? { qemuPath: env.GOSLIM_QEMU_PATH } : {}),
    ...(env.GOSLIM_BINFMT_MISC !== undefined ? { binfmtDir: env.GOSLIM_BINFMT_MISC } : {}),
  };
}
