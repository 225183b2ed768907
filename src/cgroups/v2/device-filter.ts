/**
 * The cgroup v2 device filter: a BPF_PROG_TYPE_CGROUP_DEVICE program built from the device rule list.
 *
 * cgroup v2 has no devices controller; the kernel runs the eBPF programs attached to the cgroup (and its
 * ancestors) for every device open and mknod, with a `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major;
 * u32 minor; }` (access_type = access bits << 16 | device type), and refuses the access (EPERM) when one
 * returns 0.
 *
 * The rule list is first reduced to the state the v1 controller would end in (device-rules.ts `DeviceState`:
 * a default and exceptions that all go against it), as runc does with its emulator, so v1 and v2 agree on what
 * a list means. The program then follows the kernel's v1 check for that state:
 *   - whitelist (default deny): allowed when one exception matches the device and holds every requested bit;
 *   - blacklist (default allow): denied when one exception matches the device and holds any requested bit.
 * All exceptions have the same verdict, so their order does not matter; they are emitted in the sorted order
 * of `exceptionTexts()` so the same list always gives the same program.
 *
 * The program is assembled here from `struct bpf_insn` (8 bytes: opcode, dst/src register nibbles, s16 jump
 * offset, s32 immediate), with just the few instructions it needs.
 */
import {
  BPF_ALU,
  BPF_AND,
  BPF_DEVCG_ACC_MKNOD,
  BPF_DEVCG_ACC_READ,
  BPF_DEVCG_ACC_WRITE,
  BPF_DEVCG_DEV_BLOCK,
  BPF_DEVCG_DEV_CHAR,
  BPF_EXIT,
  BPF_JEQ,
  BPF_JMP,
  BPF_JNE,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_RSH,
  BPF_W,
  BPF_X,
} from '../../../ffi/constants.js';
import { type DeviceRule, DeviceState } from '../device-rules.js';
import { CgroupError } from '../errors.js';

/** One eBPF instruction, unencoded. */
export interface BpfInsn {
  code: number;
  dst: number;
  src: number;
  /** Jump offset, counted in instructions from the next one. */
  off: number;
  imm: number;
}

export const BPF_INSN_SIZE = 8;

/** The license the program is loaded under; it calls no GPL-only helper (runc uses the same). */
export const DEVICE_FILTER_LICENSE = 'Apache';

// --- the assembler --------------------------------------------------------------------------------

const insn = (code: number, dst: number, src: number, off: number, imm: number): BpfInsn => ({ code, dst, src, off, imm });

export const asm = {
  /** dst = *(u32 *)(src + off) */
  ldxW: (dst: number, src: number, off: number) => insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0),
  /** dst = imm (32-bit) */
  movImm: (dst: number, imm: number) => insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm),
  /** dst = src (32-bit) */
  movReg: (dst: number, src: number) => insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0),
  /** dst &= imm (32-bit) */
  andImm: (dst: number, imm: number) => insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm),
  /** dst >>= imm (32-bit, logical) */
  rshImm: (dst: number, imm: number) => insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm),
  /** if dst == imm goto +off */
  jeqImm: (dst: number, imm: number, off: number) => insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm),
  /** if dst != imm goto +off */
  jneImm: (dst: number, imm: number, off: number) => insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm),
  /** return r0 */
  exit: () => insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/** struct bpf_insn, little-endian as on every arch ocirt runs on: code, dst_reg:4 | src_reg:4 << 4, off, imm. */
export function encodeProgram(insns: readonly BpfInsn[]): Buffer {
  const buf = Buffer.alloc(insns.length * BPF_INSN_SIZE);
  insns.forEach((i, n) => {
    const at = n * BPF_INSN_SIZE;
    buf.writeUInt8(i.code, at);
    buf.writeUInt8((i.src << 4) | i.dst, at + 1);
    buf.writeInt16LE(i.off, at + 2);
    buf.writeInt32LE(i.imm, at + 4);
  });
  return buf;
}

/** The inverse of encodeProgram. */
export function decodeProgram(buf: Buffer): BpfInsn[] {
  if (buf.length % BPF_INSN_SIZE !== 0) throw new Error(`eBPF program of ${buf.length} bytes is not a whole number of instructions`);
  const out: BpfInsn[] = [];
  for (let at = 0; at < buf.length; at += BPF_INSN_SIZE) {
    const regs = buf.readUInt8(at + 1);
    out.push(insn(buf.readUInt8(at), regs & 0xf, regs >> 4, buf.readInt16LE(at + 2), buf.readInt32LE(at + 4)));
  }
  return out;
}

// --- the program ----------------------------------------------------------------------------------

// Registers: r1 holds the context on entry; r0 is the verdict. After the prologue:
const R0 = 0;
const R1 = 1; // ctx, then scratch for the access test
const R_TYPE = 2;
const R_ACCESS = 3;
const R_MAJOR = 4;
const R_MINOR = 5;

// Offsets in struct bpf_cgroup_dev_ctx.
const CTX_ACCESS_TYPE = 0;
const CTX_MAJOR = 4;
const CTX_MINOR = 8;

const ACCESS_BITS: Readonly<Record<string, number>> = { r: BPF_DEVCG_ACC_READ, w: BPF_DEVCG_ACC_WRITE, m: BPF_DEVCG_ACC_MKNOD };
const ALL_ACCESS = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

/** One exception of the reduced rule state; a number of -1 is a wildcard. */
export interface DeviceException {
  type: 'b' | 'c';
  major: number;
  minor: number;
  /** BPF_DEVCG_ACC_* bits. */
  access: number;
}

/** What the filter decides: the default verdict and the devices that get the other one. */
export interface DeviceFilterPlan {
  defaultAllow: boolean;
  exceptions: DeviceException[];
}

function parseNumber(text: string, exception: string): number {
  if (text === '*') return -1;
  const n = Number(text);
  // The filter compares against 32-bit immediates, which the kernel sign-extends: keep them non-negative.
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new CgroupError(`device rule "${exception}": device number ${text} out of range`);
  return n;
}

/** Reduce a rule list to its end state (the v1 controller's semantics, see device-rules.ts). */
export function deviceFilterPlan(rules: readonly DeviceRule[]): DeviceFilterPlan {
  const state = DeviceState.fromRules(rules);
  const exceptions = state.exceptionTexts().map((text): DeviceException => {
    const [type, numbers, access] = text.split(' ') as [string, string, string];
    const [major, minor] = numbers.split(':') as [string, string];
    if (type !== 'b' && type !== 'c') throw new CgroupError(`device rule "${text}": unexpected type`);
    let bits = 0;
    for (const c of access) bits |= ACCESS_BITS[c] ?? 0;
    return { type, major: parseNumber(major, text), minor: parseNumber(minor, text), access: bits };
  });
  return { defaultAllow: state.defaultAllow, exceptions };
}

/** The instructions of one exception: jumps to the next block when it does not apply, else returns its verdict. */
function exceptionBlock(e: DeviceException, verdict: number): BpfInsn[] {
  // Each entry is an instruction, or a jump to the end of the block still to be resolved.
  const body: (BpfInsn | ((off: number) => BpfInsn))[] = [];
  body.push((off) => asm.jneImm(R_TYPE, e.type === 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, off));
  if (e.major >= 0) body.push((off) => asm.jneImm(R_MAJOR, e.major, off));
  if (e.minor >= 0) body.push((off) => asm.jneImm(R_MINOR, e.minor, off));
  if (e.access !== ALL_ACCESS) {
    body.push(asm.movReg(R1, R_ACCESS));
    if (verdict === 1) {
      // An allow needs every requested bit: skip when the request has a bit the exception lacks.
      body.push(asm.andImm(R1, ~e.access & ALL_ACCESS));
      body.push((off) => asm.jneImm(R1, 0, off));
    } else {
      // A deny takes any overlap: skip when the request shares no bit with the exception.
      body.push(asm.andImm(R1, e.access));
      body.push((off) => asm.jeqImm(R1, 0, off));
    }
  }
  body.push(asm.movImm(R0, verdict));
  body.push(asm.exit());
  return body.map((item, i) => (typeof item === 'function' ? item(body.length - (i + 1)) : item));
}

/** The filter program for a rule list (the list runc programs: the config's rules, then its defaults). */
export function deviceFilterProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  const plan = deviceFilterPlan(rules);
  const fallback = plan.defaultAllow ? 1 : 0;
  const insns: BpfInsn[] = [];
  if (plan.exceptions.length > 0) {
    insns.push(
      asm.ldxW(R_TYPE, R1, CTX_ACCESS_TYPE),
      asm.movReg(R_ACCESS, R_TYPE),
      asm.rshImm(R_ACCESS, 16),
      asm.andImm(R_TYPE, 0xffff),
      asm.ldxW(R_MAJOR, R1, CTX_MAJOR),
      asm.ldxW(R_MINOR, R1, CTX_MINOR),
    );
    for (const e of plan.exceptions) insns.push(...exceptionBlock(e, 1 - fallback));
  }
  insns.push(asm.movImm(R0, fallback), asm.exit());
  return insns;
}

/** deviceFilterProgram, encoded for BPF_PROG_LOAD. */
export function deviceFilterBytes(rules: readonly DeviceRule[]): Buffer {
  return encodeProgram(deviceFilterProgram(rules));
}
