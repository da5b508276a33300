/** The result model of `goslim verify`: data, never exceptions. */
import type { CheckId } from '../vocabulary/checks.js';

/** The check ids and their text are vocabulary (src/vocabulary/checks.ts). */
export type { CheckId };

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface VerifyCheck {
  id: CheckId;
  status: CheckStatus;
  /** One line: what was checked and what was found. */
  message: string;
  /** What the container runtime will print when this fails (runc/docker/podman wording). */
  runtimeMessage?: string;
  /** How to fix it. */
  fix?: string;
}

/** Overall verdict: `fail` = will not start; `warn` = starts, with caveats. */
export type Verdict = 'pass' | 'warn' | 'fail';

export interface VerifyReport {
  image: { ref: string; digest: string; platform: string };
  /** The command the runtime will exec (Entrypoint + Cmd, shell form expanded). */
  command: string[];
  verdict: Verdict;
  checks: VerifyCheck[];
  run?: RunResult;
}

export interface RunResult {
  /** How it was run: the bubblewrap sandbox or podman (`none` is no longer produced: no sandbox is E_SANDBOX). */
  sandbox: 'bwrap' | 'podman' | 'none';
  /** True when the process was still running at the timeout, or exited 0. */
  started: boolean;
  /** Exit status when it exited before the timeout; null when it was still running (and was stopped). */
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** First lines of combined stdout/stderr. */
  output: string[];
  probe?: { url: string; status: number | null; body?: string; error?: string };
  /** Why it did not start when it was not started at all (no command, an unknown USER), or why it was skipped. */
  reason?: string;
  /**
   * True when nothing was run because this host cannot run the image's architecture (no
   * binfmt_misc handler and no qemu-<arch>-static): not a failure of the image. `sandbox` is `none`.
   */
  skipped?: boolean;
  /** How a foreign architecture was run: a host binfmt_misc handler, or QEMU started directly. */
  emulator?: { kind: 'binfmt' | 'qemu'; path: string; platform: string; host: string };
  /** What the sandbox could not apply (e.g. no seccomp filter for this architecture). */
  notes?: string[];
  /** What the unpack skipped or changed (devices, over-long names, setuid bits dropped); first 20. */
  unpackWarnings?: string[];
}

export function verdictOf(checks: VerifyCheck[]): Verdict {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'warn')) return 'warn';
  return 'pass';
}
