/**
 * Registry time bounds on the command line: `--request-timeout` and `--min-rate` for every command
 * that talks to a registry (inspect, verify, push, build). They travel as the environment the
 * command passes to the registry transport ($GOSLIM_REQUEST_TIMEOUT, $GOSLIM_MIN_RATE), which is
 * how the rest of the registry settings (credentials, Docker config) reach it too.
 */
import type { Command } from 'commander';
import { parseDuration, parseRate } from '../util/units.js';
import { LIMITS } from '../limits.js';

export interface NetworkCliOptions {
  requestTimeout?: string;
  minRate?: string;
}

export function addNetworkOptions(cmd: Command): Command {
  const t = LIMITS['network.requestTimeout'].value / 1000;
  return cmd
    .option('--request-timeout <duration>', `overall deadline of one registry request, body and retries included, e.g. 90s or 30m; 0: none (default ${t / 60}m, or $GOSLIM_REQUEST_TIMEOUT)`)
    .option('--min-rate <bytes/s>', `abandon a registry transfer slower than this over 30 s, e.g. 10KB/s; 0: never (default ${LIMITS['network.minRate'].value}, or $GOSLIM_MIN_RATE)`);
}

/** The environment for the registry transport, with the flags applied (validated: E_USAGE). */
export function networkEnv(env: NodeJS.ProcessEnv, o: NetworkCliOptions): NodeJS.ProcessEnv {
  if (o.requestTimeout === undefined && o.minRate === undefined) return env;
  const out = { ...env };
  if (o.requestTimeout !== undefined) out['GOSLIM_REQUEST_TIMEOUT'] = `${parseDuration(o.requestTimeout, '--request-timeout')}ms`;
  if (o.minRate !== undefined) out['GOSLIM_MIN_RATE'] = String(parseRate(o.minRate, '--min-rate'));
  return out;
}
