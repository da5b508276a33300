import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { openImage } from '../../image/open.js';
import { verifyImage } from '../../verify/index.js';
import { renderVerifyText } from '../../report/verify-text.js';
import { EXIT_FINDINGS, EXIT_OK, writeJson, type CliIO, type ExitCode } from '../context.js';
import type { ActionRunner, CommandModule } from './types.js';
import { addNetworkOptions, networkEnv, type NetworkCliOptions } from '../network-options.js';
import { addConfigOption, commandConfig, insecureFor, networkOptions, type ConfigCliOptions } from '../config.js';

interface VerifyCliOptions extends NetworkCliOptions, ConfigCliOptions {
  json?: boolean;
  platform?: string;
  insecure?: boolean;
  run?: boolean;
  args?: string;
  timeout?: string;
  probe?: string;
  strict?: boolean;
  sandbox?: string;
}

export const command: CommandModule = {
  register(program: Command, run: ActionRunner): void {
    addConfigOption(addNetworkOptions(program
      .command('verify')))
      .description('Check that an image will start (command, program, loader and libraries, user, health check); --run starts it in a sandbox')
      .argument('<image>', 'image reference: docker-archive:PATH, oci:DIR[:REF], oci-archive:PATH, docker://REF, a path, or a registry name')
      .option('--json', 'print the report as JSON')
      .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform image')
      .option('--insecure', 'allow plain HTTP to a registry that is not on localhost')
      .option('--run', 'also unpack the image and start its command in a sandbox (no network), with a timeout')
      .option('--no-run', 'do not start it, even when the config says verify.run: true')
      .option('--args <args>', 'arguments that replace Cmd for --run (space-separated)')
      .option('--timeout <ms>', 'how long --run lets it run; still running then counts as started (default 3000, or verify.timeout)')
      .option('--probe <url>', 'with --run: GET this URL on 127.0.0.1 and require an answer (podman publishes the port; in namespaces the process shares the host network)')
      .option('--sandbox <kind>', 'auto (podman for --probe where usable, else namespaces), podman, or namespaces (bubblewrap: user namespace, no network, seccomp, limits) (default auto, or verify.sandbox)')
      .option('--strict', 'exit 1 on warnings too (or verify.strict)')
      .option('--no-strict', 'do not exit 1 on warnings, even when the config says verify.strict: true')
      .action(async (ref: string, opts: VerifyCliOptions) =>
        run(async (io: CliIO): Promise<ExitCode> => {
          const config = await commandConfig(io.cwd, opts.config);
          const c = config.verify;
          const timeout = opts.timeout !== undefined ? Number(opts.timeout) : (c.timeout ?? 3000);
          if (!Number.isInteger(timeout) || timeout <= 0 || timeout > 600_000) throw new UsageError('--timeout must be a whole number of milliseconds (1..600000)');
          const probe = opts.probe ?? c.probe;
          if (probe !== undefined && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(probe)) {
            throw new UsageError('--probe must be an http:// URL on 127.0.0.1 or localhost');
          }
          const sandbox = opts.sandbox ?? c.sandbox ?? 'auto';
          if (sandbox !== 'auto' && sandbox !== 'podman' && sandbox !== 'namespaces') throw new UsageError('--sandbox must be auto, podman or namespaces');
          // --run / --no-run, else verify.run; a probe (flag or config) implies a run unless --no-run.
          const wantsRun = opts.run ?? Boolean(c.run || probe);
          const args = opts.args !== undefined ? opts.args.split(/\s+/).filter(Boolean) : c.args;
          const strict = opts.strict ?? c.strict ?? false;
          const image = await openImage(ref, {
            ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
            ...(insecureFor(opts.insecure, [ref], config) ? { insecure: true } : {}),
            env: networkEnv(io.env, networkOptions(opts, config)),
          });
          const report = await verifyImage(image, {
            ...(wantsRun
              ? {
                  run: {
                    timeoutMs: timeout,
                    sandbox,
                    ...(args !== undefined ? { args } : {}),
                    ...(probe !== undefined ? { probe } : {}),
                  },
                }
              : {}),
          });
          if (opts.json) writeJson(io, report);
          else io.stdout(renderVerifyText(report));
          const runFailed = report.run !== undefined && report.run.sandbox !== 'none' && !report.run.started;
          const failed = report.verdict === 'fail' || runFailed || (strict && report.verdict === 'warn');
          return failed ? EXIT_FINDINGS : EXIT_OK;
        }),
      );
  },
};
