/** Text for `goslim verify` and the "Will it start" section of `goslim inspect`. Pure. */
import type { VerifyReport } from '../verify/types.js';
import { PLAIN, type Style } from './style.js';

const MARK: Record<string, string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

/**
 * The image has a command of its own and it will not start: the most urgent finding whatever the
 * bytes (it heads inspect's text, Markdown and SARIF, and inspect exits 1 for it). An image with
 * neither Entrypoint nor Cmd is a base image: nothing of its own starts (the caller supplies the
 * command), so its failed `command` check is reported but does not count here.
 */
export function willNotStart(r: VerifyReport): boolean {
  return r.verdict === 'fail' && r.command.length > 0;
}

export function verdictText(r: VerifyReport): string {
  const v = r.verdict === 'fail' ? 'WILL NOT START' : r.verdict === 'warn' ? 'starts, with warnings' : 'will start';
  // A skipped run leaves the static checks only: say so next to the verdict they gave.
  return r.run?.skipped && r.verdict !== 'fail' ? `${v} (static checks only; the run was skipped)` : v;
}

/** One line per check; failures and warnings add what the runtime says and the fix. */
export function renderChecks(r: VerifyReport, indent = '  ', style: Style = PLAIN): string[] {
  const out: string[] = [];
  // Failures first, then warnings: what stops the container heads the list.
  const order = (s: string): number => (s === 'fail' ? 0 : s === 'warn' ? 1 : 2);
  for (const c of [...r.checks].sort((a, b) => order(a.status) - order(b.status))) {
    const mark = MARK[c.status] ?? c.status;
    out.push(`${indent}[${c.status === 'fail' ? style.bad(mark) : c.status === 'warn' ? style.warn(mark) : mark}] ${c.id}: ${c.message}`);
    if (c.status === 'fail' || c.status === 'warn') {
      if (c.runtimeMessage) out.push(`${indent}       the runtime says: ${c.runtimeMessage.split('\n').join(`\n${indent}                         `)}`);
      if (c.fix) out.push(`${indent}       fix: ${c.fix}`);
    }
  }
  return out;
}

export function renderVerifyText(r: VerifyReport, style: Style = PLAIN): string {
  const out: string[] = [];
  const verdict = r.verdict === 'fail' ? style.bad(verdictText(r)) : r.verdict === 'warn' ? style.warn(verdictText(r)) : style.good(verdictText(r));
  out.push(`${style.bold(r.image.ref)} (${r.image.platform}): ${verdict}`);
  out.push(`command: ${r.command.length ? JSON.stringify(r.command) : '(none)'}`);
  // The run check is the run section below (with its output), not a line of its own.
  out.push(...renderChecks({ ...r, checks: r.checks.filter((c) => c.id !== 'run') }, '  ', style));
  if (r.run) {
    const run = r.run;
    if (run.skipped) {
      out.push(`run: skipped: ${run.reason ?? 'not run'}`);
    } else if (run.sandbox === 'none') {
      out.push(`run: not run: ${run.reason ?? 'no usable sandbox'}`);
    } else {
      const how = !run.started && run.exitCode === null && !run.timedOut && run.reason !== undefined
        ? `not run: ${run.reason}`
        : run.probe
        ? run.probe.status !== null
          ? `answered ${run.probe.url} with HTTP ${run.probe.status}`
          : `did not answer ${run.probe.url}: ${run.probe.error ?? ''}`
        : run.timedOut
          ? `still running after ${run.durationMs} ms (stopped)`
          : `exited with code ${run.exitCode}`;
      const under = run.emulator ? `, ${run.emulator.platform} under ${run.emulator.kind === 'binfmt' ? 'binfmt_misc ' : ''}${run.emulator.path}` : '';
      out.push(`run (${run.sandbox}${under}): ${run.started ? 'started' : 'DID NOT START'}: ${how}`);
      for (const l of run.output) out.push(`  | ${l}`);
      for (const n of run.notes ?? []) out.push(`  note: ${n}`);
      if (run.unpackWarnings?.length) out.push(`  unpack: ${run.unpackWarnings.length}${run.unpackWarnings.length >= 20 ? '+' : ''} entries skipped or changed (first: ${run.unpackWarnings[0]})`);
    }
  }
  return `${out.join('\n')}\n`;
}
