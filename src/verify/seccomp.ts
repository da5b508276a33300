/**
 * The seccomp filter of `verify --run`'s sandbox, as the classic-BPF program bubblewrap's
 * `--seccomp FD` loads (an array of `struct sock_filter`, 8 bytes each, host byte order).
 * No compiler is needed: the program is a fixed shape, written here instruction by
 * instruction.
 *
 *   ld  [arch]            ; seccomp_data.arch
 *   jeq AUDIT_ARCH, +1    ; another ABI (i386 on x86_64, say): kill
 *   ret KILL_PROCESS
 *   ld  [nr]              ; seccomp_data.nr
 *   jge 0x40000000 → deny ; x32 ABI numbers (x86_64 only)
 *   jeq N1 → deny … jeq Nk → deny
 *   ret ALLOW
 *   deny: ret ERRNO(EPERM)
 *
 * A denylist of what a service never needs and what widens the kernel's attack surface
 * (mounts, module and kexec loading, keyrings, bpf, perf, ptrace, namespaces, io_uring, the
 * new mount API, open_by_handle_at, clock and host settings), close to Docker's default
 * profile. Denied calls fail with EPERM, as they would without the capability.
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_KILL_PROCESS = 0x80000000;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const X32_SYSCALL_BIT = 0x40000000;

/** Denied system calls with their numbers on x86_64 and arm64 (from the kernel's tables). */
export const DENIED_SYSCALLS: Record<string, { x64?: number; arm64?: number }> = {
  mount: { x64: 165, arm64: 40 },
  umount2: { x64: 166, arm64: 39 },
  pivot_root: { x64: 155, arm64: 41 },
  chroot: { x64: 161, arm64: 51 },
  swapon: { x64: 167, arm64: 224 },
  swapoff: { x64: 168, arm64: 225 },
  reboot: { x64: 169, arm64: 142 },
  sethostname: { x64: 170, arm64: 161 },
  setdomainname: { x64: 171, arm64: 162 },
  iopl: { x64: 172 },
  ioperm: { x64: 173 },
  uselib: { x64: 134 },
  init_module: { x64: 175, arm64: 105 },
  finit_module: { x64: 313, arm64: 273 },
  delete_module: { x64: 176, arm64: 106 },
  kexec_load: { x64: 246, arm64: 104 },
  kexec_file_load: { x64: 320, arm64: 294 },
  quotactl: { x64: 179, arm64: 60 },
  acct: { x64: 163, arm64: 89 },
  settimeofday: { x64: 164, arm64: 170 },
  clock_settime: { x64: 227, arm64: 112 },
  clock_adjtime: { x64: 305, arm64: 266 },
  adjtimex: { x64: 159, arm64: 171 },
  bpf: { x64: 321, arm64: 280 },
  perf_event_open: { x64: 298, arm64: 241 },
  fanotify_init: { x64: 300, arm64: 262 },
  keyctl: { x64: 250, arm64: 219 },
  add_key: { x64: 248, arm64: 217 },
  request_key: { x64: 249, arm64: 218 },
  ptrace: { x64: 101, arm64: 117 },
  process_vm_readv: { x64: 310, arm64: 270 },
  process_vm_writev: { x64: 311, arm64: 271 },
  kcmp: { x64: 312, arm64: 272 },
  pidfd_getfd: { x64: 438, arm64: 438 },
  userfaultfd: { x64: 323, arm64: 282 },
  unshare: { x64: 272, arm64: 97 },
  setns: { x64: 308, arm64: 268 },
  open_by_handle_at: { x64: 304, arm64: 265 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  lookup_dcookie: { x64: 212, arm64: 18 },
  syslog: { x64: 103, arm64: 116 },
  vhangup: { x64: 153, arm64: 58 },
  io_uring_setup: { x64: 425, arm64: 425 },
  io_uring_enter: { x64: 426, arm64: 426 },
  io_uring_register: { x64: 427, arm64: 427 },
  open_tree: { x64: 428, arm64: 428 },
  move_mount: { x64: 429, arm64: 429 },
  fsopen: { x64: 430, arm64: 430 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fspick: { x64: 433, arm64: 433 },
  mount_setattr: { x64: 442, arm64: 442 },
};

const AUDIT_ARCH: Record<string, { audit: number; key: 'x64' | 'arm64' }> = {
  x64: { audit: 0xc000003e, key: 'x64' },
  arm64: { audit: 0xc00000b7, key: 'arm64' },
};

/** True when a filter can be built for this Node's architecture (x64, arm64). */
export function seccompSupported(arch: string = process.arch): boolean {
  return arch in AUDIT_ARCH;
}

/**
 * The BPF program for `arch` (a Node `process.arch`), or undefined on an architecture this
 * file has no table for (then the sandbox runs without a filter and says so).
 */
export function seccompProgram(arch: string = process.arch): Buffer | undefined {
  const a = AUDIT_ARCH[arch];
  if (!a) return undefined;
  const numbers = [...new Set(Object.values(DENIED_SYSCALLS).flatMap((n) => (n[a.key] === undefined ? [] : [n[a.key]!])))];
  const insns: Array<[number, number, number, number]> = [];
  insns.push([BPF_LD_W_ABS, 0, 0, 4]);
  insns.push([BPF_JMP_JEQ_K, 1, 0, a.audit]);
  insns.push([BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS]);
  insns.push([BPF_LD_W_ABS, 0, 0, 0]);
  const checks = (arch === 'x64' ? 1 : 0) + numbers.length;
  // Each check jumps to `deny`, which sits after the remaining checks and the ALLOW.
  let left = checks;
  if (arch === 'x64') {
    left--;
    insns.push([BPF_JMP_JGE_K, left + 1, 0, X32_SYSCALL_BIT]);
  }
  for (const nr of numbers) {
    left--;
    insns.push([BPF_JMP_JEQ_K, left + 1, 0, nr]);
  }
  insns.push([BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW]);
  insns.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | EPERM]);
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach(([code, jt, jf, k], i) => {
    out.writeUInt16LE(code, i * 8);
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(jf, i * 8 + 3);
    out.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return out;
}
