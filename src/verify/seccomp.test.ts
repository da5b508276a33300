import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DENIED_SYSCALLS, seccompProgram } from './seccomp.js';
import { itWithTools } from '../../test/helpers/tools.js';

/** Go's own syscall tables (GOROOT/src/syscall/zsysnum_linux_*.go) as the oracle for the numbers. */
function goTable(arch: 'amd64' | 'arm64'): Map<string, number> {
  const goroot = execFileSync('go', ['env', 'GOROOT']).toString().trim();
  const text = readFileSync(join(goroot, 'src', 'syscall', `zsysnum_linux_${arch}.go`), 'utf8');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/SYS_([A-Z0-9_]+)\s*=\s*(\d+)/g)) out.set(m[1]!.toLowerCase(), Number(m[2]));
  return out;
}

describe('seccomp filter', () => {
  itWithTools(['go'], 'denies the numbers the kernel uses for each name (checked against Go\'s tables)', () => {
    for (const [arch, key] of [['amd64', 'x64'], ['arm64', 'arm64']] as const) {
      const table = goTable(arch);
      let checked = 0;
      for (const [name, nums] of Object.entries(DENIED_SYSCALLS)) {
        const want = table.get(name);
        if (want === undefined || nums[key] === undefined) continue;
        expect(nums[key], `${arch} ${name}`).toBe(want);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(30);
    }
  });

  it('is a well-formed BPF program: arch check, one jump per number, allow, EPERM', () => {
    const prog = seccompProgram('x64')!;
    expect(prog.length % 8).toBe(0);
    const n = prog.length / 8;
    const insn = (i: number) => ({ code: prog.readUInt16LE(i * 8), jt: prog[i * 8 + 2]!, jf: prog[i * 8 + 3]!, k: prog.readUInt32LE(i * 8 + 4) });
    expect(insn(0)).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
    expect(insn(1).k).toBe(0xc000003e);
    expect(insn(n - 2)).toEqual({ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 });
    expect(insn(n - 1)).toEqual({ code: 0x06, jt: 0, jf: 0, k: 0x00050001 });
    // Every conditional jump lands on the final EPERM.
    for (let i = 4; i < n - 2; i++) expect(i + 1 + insn(i).jt).toBe(n - 1);
    expect(seccompProgram('ia32')).toBeUndefined();
  });
});
