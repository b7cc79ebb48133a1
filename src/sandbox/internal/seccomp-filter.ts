import { endianness } from 'node:os';

/**
 * System calls an agent's command has no use for and that widen the kernel surface it can attack:
 * namespaces and mounts, kernel modules and kexec, keyrings, BPF, perf, userfaultfd, io_uring, clock
 * and swap changes, file handles that bypass the mount tree, taking another process's descriptors or
 * writing its memory (Warden's command server shares the sandbox with the commands). Numbers per architecture (x86-64's own
 * table; arm64 uses the generic one). Each returns EPERM, as it would without the capability.
 */
const DENIED: Record<string, { x64: number; arm64: number }> = {
  acct: { x64: 163, arm64: 89 },
  add_key: { x64: 248, arm64: 217 },
  adjtimex: { x64: 159, arm64: 171 },
  bpf: { x64: 321, arm64: 280 },
  clock_adjtime: { x64: 305, arm64: 266 },
  clock_settime: { x64: 227, arm64: 112 },
  delete_module: { x64: 176, arm64: 106 },
  finit_module: { x64: 313, arm64: 273 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fsopen: { x64: 430, arm64: 430 },
  fspick: { x64: 433, arm64: 433 },
  init_module: { x64: 175, arm64: 105 },
  io_uring_enter: { x64: 426, arm64: 426 },
  io_uring_register: { x64: 427, arm64: 427 },
  io_uring_setup: { x64: 425, arm64: 425 },
  kexec_file_load: { x64: 320, arm64: 294 },
  kexec_load: { x64: 246, arm64: 104 },
  keyctl: { x64: 250, arm64: 219 },
  lookup_dcookie: { x64: 212, arm64: 18 },
  mount: { x64: 165, arm64: 40 },
  mount_setattr: { x64: 442, arm64: 442 },
  move_mount: { x64: 429, arm64: 429 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  open_by_handle_at: { x64: 304, arm64: 265 },
  open_tree: { x64: 428, arm64: 428 },
  perf_event_open: { x64: 298, arm64: 241 },
  pidfd_getfd: { x64: 438, arm64: 438 },
  pivot_root: { x64: 155, arm64: 41 },
  process_vm_writev: { x64: 311, arm64: 271 },
  quotactl: { x64: 179, arm64: 60 },
  reboot: { x64: 169, arm64: 142 },
  request_key: { x64: 249, arm64: 218 },
  setns: { x64: 308, arm64: 268 },
  settimeofday: { x64: 164, arm64: 170 },
  swapoff: { x64: 168, arm64: 225 },
  swapon: { x64: 167, arm64: 224 },
  syslog: { x64: 103, arm64: 116 },
  umount2: { x64: 166, arm64: 39 },
  unshare: { x64: 272, arm64: 97 },
  userfaultfd: { x64: 323, arm64: 282 },
  vhangup: { x64: 153, arm64: 58 },
};

/** The names of the denied system calls, for documentation and tests. */
export const DENIED_SYSCALLS: readonly string[] = Object.keys(DENIED);

/** `AUDIT_ARCH_*` of the architectures Warden has syscall numbers for. */
const AUDIT_ARCH = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
/** x86-64 system calls with this bit set use the x32 ABI's table, which would bypass the numbers above. */
const X32_SYSCALL_BIT = 0x40000000;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
/** Offsets in `struct seccomp_data`. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;

/** One classic BPF instruction, as `struct sock_filter`. */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/**
 * The seccomp filter every sandboxed command runs under, as classic BPF: a system call of another
 * architecture (32-bit entry points, the x32 ABI) or one of `DENIED_SYSCALLS` fails with EPERM; every
 * other call is allowed. `undefined` on an architecture Warden has no numbers for.
 */
export function seccompInstructions(arch: string = process.arch): BpfInstruction[] | undefined {
  if (arch !== 'x64' && arch !== 'arm64') return undefined;
  const numbers = Object.values(DENIED).map((entry) => entry[arch]);
  const prologue: BpfInstruction[] = [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: ARCH_OFFSET },
    // Jump targets are filled in below, once the position of the deny return is known.
    { code: BPF_JEQ_K, jt: 0, jf: 0, k: AUDIT_ARCH[arch] },
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: NR_OFFSET },
    ...(arch === 'x64' ? [{ code: BPF_JGE_K, jt: 0, jf: 0, k: X32_SYSCALL_BIT }] : []),
  ];
  const checks = numbers.map((k) => ({ code: BPF_JEQ_K, jt: 0, jf: 0, k }));
  const program = [
    ...prologue,
    ...checks,
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | EPERM },
  ];
  const deny = program.length - 1;
  const toDeny = (index: number) => deny - index - 1;
  program[1]!.jf = toDeny(1);
  program.forEach((instruction, index) => {
    if (index >= 3 && (instruction.code === BPF_JEQ_K || instruction.code === BPF_JGE_K)) {
      instruction.jt = toDeny(index);
    }
  });
  return program;
}

/** The filter as bubblewrap's `--seccomp FD` reads it: `struct sock_filter`s in host byte order. */
export function seccompProgram(arch: string = process.arch): Buffer | undefined {
  const instructions = seccompInstructions(arch);
  if (!instructions) return undefined;
  const little = endianness() === 'LE';
  const bytes = Buffer.alloc(instructions.length * 8);
  instructions.forEach(({ code, jt, jf, k }, index) => {
    const at = index * 8;
    if (little) {
      bytes.writeUInt16LE(code, at);
      bytes.writeUInt32LE(k, at + 4);
    } else {
      bytes.writeUInt16BE(code, at);
      bytes.writeUInt32BE(k, at + 4);
    }
    bytes.writeUInt8(jt, at + 2);
    bytes.writeUInt8(jf, at + 3);
  });
  return bytes;
}
