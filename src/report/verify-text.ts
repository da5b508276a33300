/** Text for `goslim verify` and the "Will it start" section of `goslim inspect`. Pure. */
import type { VerifyReport } from '../verify/types.js';

const MARK: Record<string, string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function verdictText(r: VerifyReport): string {
  return r.verdict === 'fail' ? 'WILL NOT START' : r.verdict === 'warn' ? 'starts, with warnings' : 'will start';
}

/** One line per check; failures and warnings add what the runtime says and the fix. */
export function renderChecks(r: VerifyReport, indent = '  '): string[] {
  const out: string[] = [];
  for (const c of r.checks) {
    out.push(`${indent}[${MARK[c.status]}] ${c.id}: ${c.message}`);
    if (c.status === 'fail' || c.status === 'warn') {
      if (c.runtimeMessage) out.push(`${indent}       the runtime says: ${c.runtimeMessage.split('\n').join(`\n${indent}                         `)}`);
      if (c.fix) out.push(`${indent}       fix: ${c.fix}`);
    }
  }
  return out;
}

export function renderVerifyText(r: VerifyReport): string {
  const out: string[] = [];
  out.push(`${r.image.ref} (${r.image.platform}): ${verdictText(r)}`);
  out.push(`command: ${r.command.length ? JSON.stringify(r.command) : '(none)'}`);
  out.push(...renderChecks(r));
  if (r.run) {
    const run = r.run;
    if (run.sandbox === 'none') {
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
      out.push(`run (${run.sandbox}): ${run.started ? 'started' : 'DID NOT START'}: ${how}`);
      for (const l of run.output) out.push(`  | ${l}`);
      for (const n of run.notes ?? []) out.push(`  note: ${n}`);
      if (run.unpackWarnings?.length) out.push(`  unpack: ${run.unpackWarnings.length}${run.unpackWarnings.length >= 20 ? '+' : ''} entries skipped or changed (first: ${run.unpackWarnings[0]})`);
    }
  }
  return `${out.join('\n')}\n`;
}
