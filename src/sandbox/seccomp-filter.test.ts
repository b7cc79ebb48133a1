import { describe, expect, it } from 'vitest';
import { type BpfInstruction, DENIED_SYSCALLS, seccompInstructions } from './internal/seccomp-filter.ts';

/** Runs a classic BPF seccomp program the way the kernel does, for the four opcodes it uses. */
function evaluate(program: readonly BpfInstruction[], data: { nr: number; arch: number }): number {
  let accumulator = 0;
  for (let pc = 0; pc < program.length; ) {
    const { code, jt, jf, k } = program[pc]!;
    if (code === 0x20) accumulator = k === 0 ? data.nr >>> 0 : data.arch;
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unknown opcode ${code}`);
    pc += 1;
  }
  throw new Error('the program ran off its end');
}

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const X86_64 = 0xc000003e;
const AARCH64 = 0xc00000b7;

describe('the sandbox seccomp filter', () => {
  it('refuses each denied call on x86-64 and allows the calls programs live on', () => {
    const program = seccompInstructions('x64')!;
    for (const nr of [425, 321, 250, 272, 165, 298, 323, 313]) {
      expect(evaluate(program, { nr, arch: X86_64 }), `syscall ${nr}`).toBe(EPERM);
    }
    // read, write, openat, clone, execve, socket, connect, ptrace: allowed.
    for (const nr of [0, 1, 257, 56, 59, 41, 42, 101]) {
      expect(evaluate(program, { nr, arch: X86_64 }), `syscall ${nr}`).toBe(ALLOW);
    }
    expect(program.filter((instruction) => instruction.code === 0x15)).toHaveLength(
      DENIED_SYSCALLS.length + 1,
    );
  });

  it('closes the other doors into the x86-64 kernel: 32-bit entry points and the x32 ABI', () => {
    const program = seccompInstructions('x64')!;
    expect(evaluate(program, { nr: 1, arch: 0x40000003 /* i386 */ })).toBe(EPERM);
    expect(evaluate(program, { nr: 0x40000000 + 1, arch: X86_64 })).toBe(EPERM);
  });

  it('uses the generic numbers on arm64, and has none for other architectures', () => {
    const program = seccompInstructions('arm64')!;
    expect(evaluate(program, { nr: 425, arch: AARCH64 })).toBe(EPERM);
    expect(evaluate(program, { nr: 97 /* unshare */, arch: AARCH64 })).toBe(EPERM);
    expect(evaluate(program, { nr: 63 /* read */, arch: AARCH64 })).toBe(ALLOW);
    expect(evaluate(program, { nr: 63, arch: X86_64 })).toBe(EPERM);
    expect(seccompInstructions('riscv64')).toBeUndefined();
  });
});
