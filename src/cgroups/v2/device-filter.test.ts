// The cgroup v2 device filter program: its encoding (checked byte by byte against hand-decoded listings) and
// its behaviour (run by a small eBPF interpreter over device accesses, against the rule list's meaning).
import t from 'tap';

import { type DeviceRule, DeviceState, deviceRulesFor } from '../device-rules.js';
import { asm, decodeProgram, deviceFilterBytes, deviceFilterPlan, deviceFilterProgram, encodeProgram } from './device-filter.js';

const rule = (allow: boolean, type: DeviceRule['type'], major: number, minor: number, access: string): DeviceRule => ({
  allow,
  type,
  major,
  minor,
  access,
});
const DENY_ALL = rule(false, 'a', -1, -1, 'rwm');
const ALLOW_ALL = rule(true, 'a', -1, -1, 'rwm');

// --- a disassembler over the raw bytes (independent of decodeProgram) ----------------------------------

function disassemble(bytes: Buffer): string[] {
  if (bytes.length % 8 !== 0) throw new Error(`${bytes.length} bytes is not a whole number of instructions`);
  const out: string[] = [];
  for (let at = 0; at < bytes.length; at += 8) {
    const code = bytes[at]!;
    const dst = bytes[at + 1]! & 0xf;
    const src = bytes[at + 1]! >> 4;
    const off = bytes.readInt16LE(at + 2);
    const imm = bytes.readInt32LE(at + 4);
    const jump = (op: string) => `if r${dst} ${op} ${imm} goto +${off}`;
    switch (code) {
      case 0x61: out.push(`r${dst} = *(u32 *)(r${src} + ${off})`); break;
      case 0xb4: out.push(`w${dst} = ${imm}`); break;
      case 0xbc: out.push(`w${dst} = w${src}`); break;
      case 0x54: out.push(`w${dst} &= ${imm}`); break;
      case 0x74: out.push(`w${dst} >>= ${imm}`); break;
      case 0x15: out.push(jump('==')); break;
      case 0x55: out.push(jump('!=')); break;
      case 0x95: out.push('exit'); break;
      default: out.push(`unknown 0x${code.toString(16)}`);
    }
  }
  return out;
}

const PROLOGUE = [
  'r2 = *(u32 *)(r1 + 0)', // access_type
  'w3 = w2',
  'w3 >>= 16', // access
  'w2 &= 65535', // type
  'r4 = *(u32 *)(r1 + 4)', // major
  'r5 = *(u32 *)(r1 + 8)', // minor
];

/** A whitelist exception with every access: type, then the numbers given. */
const allowBlock = (type: number, major?: number, minor?: number): string[] => {
  const checks = [`type:${type}`, ...(major === undefined ? [] : [`r4:${major}`]), ...(minor === undefined ? [] : [`r5:${minor}`])];
  const len = checks.length + 2;
  return [
    ...checks.map((c, i) => {
      const [what, n] = c.split(':');
      return `if ${what === 'type' ? 'r2' : what} != ${n} goto +${len - i - 1}`;
    }),
    'w0 = 1',
    'exit',
  ];
};

// --- an interpreter for the instructions the generator emits -------------------------------------------

type Reg = bigint | 'ctx' | undefined;

/** Runs an encoded program on a bpf_cgroup_dev_ctx; strict like the verifier about what it accepts. */
function run(bytes: Buffer, ctx: { accessType: number; major: number; minor: number }): number {
  const n = bytes.length / 8;
  const regs: Reg[] = new Array<Reg>(11).fill(undefined);
  regs[1] = 'ctx';
  const scalar = (r: number): bigint => {
    const v = regs[r];
    if (typeof v !== 'bigint') throw new Error(`r${r} is not an initialised scalar`);
    return v;
  };
  const u32 = (v: bigint) => BigInt.asUintN(32, v);
  const imm64 = (imm: number) => BigInt.asUintN(64, BigInt(imm)); // immediates are sign-extended
  let pc = 0;
  for (let steps = 0; steps <= n; steps++) {
    if (pc < 0 || pc >= n) throw new Error(`pc ${pc} out of the program`);
    const at = pc * 8;
    const code = bytes[at]!;
    const dst = bytes[at + 1]! & 0xf;
    const src = bytes[at + 1]! >> 4;
    const off = bytes.readInt16LE(at + 2);
    const imm = bytes.readInt32LE(at + 4);
    pc++;
    switch (code) {
      case 0x61: {
        if (regs[src] !== 'ctx') throw new Error(`load through r${src}, not the context`);
        const fields = [ctx.accessType, ctx.major, ctx.minor];
        if (off % 4 !== 0 || off < 0 || off >= 12) throw new Error(`context offset ${off}`);
        regs[dst] = BigInt(fields[off / 4]! >>> 0);
        break;
      }
      case 0xb4: regs[dst] = u32(BigInt(imm)); break;
      case 0xbc: regs[dst] = u32(scalar(src)); break;
      case 0x54: regs[dst] = u32(scalar(dst) & BigInt(imm >>> 0)); break;
      case 0x74: regs[dst] = u32(scalar(dst)) >> BigInt(imm); break;
      case 0x15:
      case 0x55: {
        if (off < 0) throw new Error('backward jump');
        const equal = scalar(dst) === imm64(imm);
        if (equal === (code === 0x15)) pc += off;
        break;
      }
      case 0x95: return Number(scalar(0));
      default: throw new Error(`opcode 0x${code.toString(16)} not supported`);
    }
  }
  throw new Error('program did not exit');
}

const TYPE_BITS = { b: 1, c: 2 } as const;
const ACCESS_BITS = { m: 1, r: 2, w: 4 } as const;
const accessBits = (access: string) => [...access].reduce((bits, c) => bits | ACCESS_BITS[c as 'r' | 'w' | 'm'], 0);

interface Access { type: 'b' | 'c'; major: number; minor: number; access: string }

const verdict = (program: Buffer, a: Access) =>
  run(program, { accessType: (accessBits(a.access) << 16) | TYPE_BITS[a.type], major: a.major, minor: a.minor });

/**
 * The meaning of a rule list, as the v1 device controller has it: the end state (default + exceptions), then
 * the kernel's check: a whitelist allows when one exception matching the device holds all requested bits, a
 * blacklist denies when one holds any of them.
 */
function expected(rules: readonly DeviceRule[], a: Access): number {
  const state = DeviceState.fromRules(rules);
  const want = new Set(a.access);
  for (const [key, access] of state.exceptions) {
    const [type, numbers] = key.split(' ') as [string, string];
    const [major, minor] = numbers.split(':') as [string, string];
    if (type !== a.type) continue;
    if (major !== '*' && Number(major) !== a.major) continue;
    if (minor !== '*' && Number(minor) !== a.minor) continue;
    const has = [...want].filter((c) => access.includes(c)).length;
    if (state.defaultAllow ? has > 0 : has === want.size) return state.defaultAllow ? 0 : 1;
  }
  return state.defaultAllow ? 1 : 0;
}

const ACCESSES = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];
function* accessTable(): Generator<Access> {
  for (const type of ['b', 'c'] as const) {
    for (const major of [0, 1, 4, 5, 8, 10, 136, 254]) {
      for (const minor of [0, 1, 2, 3, 5, 7, 8, 9, 200, 229]) {
        for (const access of ACCESSES) yield { type, major, minor, access };
      }
    }
  }
}

// --- tests ------------------------------------------------------------------------------------------

t.test('each instruction encodes as struct bpf_insn (code, dst | src << 4, off le16, imm le32)', async (t) => {
  const hex = (i: ReturnType<typeof asm.exit>) => encodeProgram([i]).toString('hex');
  t.equal(hex(asm.ldxW(2, 1, 0)), '6112000000000000');
  t.equal(hex(asm.ldxW(5, 1, 8)), '6115080000000000');
  t.equal(hex(asm.movReg(3, 2)), 'bc23000000000000');
  t.equal(hex(asm.movImm(0, 1)), 'b400000001000000');
  t.equal(hex(asm.rshImm(3, 16)), '7403000010000000');
  t.equal(hex(asm.andImm(2, 0xffff)), '54020000ffff0000');
  t.equal(hex(asm.jneImm(4, 136, 2)), '5504020088000000');
  t.equal(hex(asm.jeqImm(1, 0, 2)), '1501020000000000');
  t.equal(hex(asm.exit()), '9500000000000000');
  const all = [asm.ldxW(2, 1, 0), asm.movReg(3, 2), asm.andImm(2, 0xffff), asm.jneImm(4, 136, 2), asm.movImm(0, -1), asm.exit()];
  t.same(decodeProgram(encodeProgram(all)), all, 'decodeProgram inverts encodeProgram');
  t.throws(() => decodeProgram(Buffer.alloc(7)), /not a whole number of instructions/);
});

t.test('allow-all and deny-all need no test of the device', async (t) => {
  t.equal(deviceFilterBytes([ALLOW_ALL]).toString('hex'), 'b400000001000000' + '9500000000000000');
  t.equal(deviceFilterBytes([DENY_ALL]).toString('hex'), 'b400000000000000' + '9500000000000000');
  t.same(disassemble(deviceFilterBytes([DENY_ALL, rule(true, 'c', 1, 3, 'r'), ALLOW_ALL])), ['w0 = 1', 'exit'], 'a later `a` rule resets');
  t.equal(verdict(deviceFilterBytes([ALLOW_ALL]), { type: 'b', major: 8, minor: 0, access: 'rwm' }), 1);
  t.equal(verdict(deviceFilterBytes([DENY_ALL]), { type: 'c', major: 1, minor: 3, access: 'r' }), 0);
});

t.test('deny-all plus runc default devices: the program, instruction by instruction', async (t) => {
  const rules = deviceRulesFor([{ allow: false, access: 'rwm' }]);
  const mknodOnly = (type: number) => [
    `if r2 != ${type} goto +5`,
    'w1 = w3',
    'w1 &= 6', // requested bits other than mknod
    'if r1 != 0 goto +2',
    'w0 = 1',
    'exit',
  ];
  const listing = [
    ...PROLOGUE,
    ...mknodOnly(1), // b *:* m
    ...mknodOnly(2), // c *:* m
    ...allowBlock(2, 1, 3), // /dev/null
    ...allowBlock(2, 1, 5), // /dev/zero
    ...allowBlock(2, 1, 7), // /dev/full
    ...allowBlock(2, 1, 8), // /dev/random
    ...allowBlock(2, 1, 9), // /dev/urandom
    ...allowBlock(2, 5, 0), // /dev/tty
    ...allowBlock(2, 5, 2), // /dev/ptmx
    ...allowBlock(2, 10, 200), // /dev/net/tun
    ...allowBlock(2, 136), // ptys, any minor
    'w0 = 0',
    'exit',
  ];
  const bytes = deviceFilterBytes(rules);
  t.same(disassemble(bytes), listing);
  t.equal(bytes.length, 64 * 8);
  t.same(bytes, encodeProgram(deviceFilterProgram(rules)));
  // the first block, as raw bytes: if r2 != 1 goto +5; w1 = w3; w1 &= 6; if r1 != 0 goto +2; w0 = 1; exit
  t.equal(bytes.subarray(6 * 8, 12 * 8).toString('hex'),
    '5502050001000000' + 'bc31000000000000' + '5401000006000000' + '5501020000000000' + 'b400000001000000' + '9500000000000000');

  const table: [Access, number][] = [
    [{ type: 'c', major: 1, minor: 3, access: 'rw' }, 1],
    [{ type: 'c', major: 1, minor: 3, access: 'rwm' }, 1],
    [{ type: 'c', major: 1, minor: 5, access: 'r' }, 1],
    [{ type: 'c', major: 1, minor: 1, access: 'r' }, 0], // /dev/mem
    [{ type: 'c', major: 1, minor: 4, access: 'w' }, 0], // /dev/port
    [{ type: 'b', major: 8, minor: 0, access: 'r' }, 0],
    [{ type: 'b', major: 8, minor: 0, access: 'm' }, 1], // mknod of anything
    [{ type: 'c', major: 4, minor: 0, access: 'm' }, 1],
    [{ type: 'c', major: 4, minor: 0, access: 'rm' }, 0],
    [{ type: 'c', major: 136, minor: 7, access: 'rw' }, 1],
    [{ type: 'c', major: 5, minor: 2, access: 'rw' }, 1],
    [{ type: 'c', major: 5, minor: 1, access: 'rw' }, 0], // /dev/console
    [{ type: 'c', major: 10, minor: 200, access: 'rw' }, 1],
    [{ type: 'c', major: 10, minor: 229, access: 'rw' }, 0], // /dev/fuse
    [{ type: 'b', major: 1, minor: 3, access: 'r' }, 0], // block 1:3 is not /dev/null
  ];
  for (const [a, want] of table) t.equal(verdict(bytes, a), want, `${a.type} ${a.major}:${a.minor} ${a.access}`);
});

t.test('wildcards and partial access', async (t) => {
  const rules = [DENY_ALL, rule(true, 'c', 4, -1, 'rw'), rule(true, 'b', -1, 1, 'r')];
  t.same(disassemble(deviceFilterBytes(rules)), [
    ...PROLOGUE,
    // sorted by major, `*` first: b *:1 r
    'if r2 != 1 goto +6',
    'if r5 != 1 goto +5',
    'w1 = w3',
    'w1 &= 5', // write or mknod requested: not covered
    'if r1 != 0 goto +2',
    'w0 = 1',
    'exit',
    // c 4:* rw
    'if r2 != 2 goto +6',
    'if r4 != 4 goto +5',
    'w1 = w3',
    'w1 &= 1',
    'if r1 != 0 goto +2',
    'w0 = 1',
    'exit',
    'w0 = 0',
    'exit',
  ]);
  const bytes = deviceFilterBytes(rules);
  t.equal(verdict(bytes, { type: 'c', major: 4, minor: 63, access: 'rw' }), 1);
  t.equal(verdict(bytes, { type: 'c', major: 4, minor: 63, access: 'm' }), 0);
  t.equal(verdict(bytes, { type: 'b', major: 259, minor: 1, access: 'r' }), 1);
  t.equal(verdict(bytes, { type: 'b', major: 259, minor: 1, access: 'rw' }), 0);
  t.equal(verdict(bytes, { type: 'b', major: 259, minor: 2, access: 'r' }), 0);
});

t.test('a blacklist denies on any overlap of access bits', async (t) => {
  const rules = [ALLOW_ALL, rule(false, 'c', 1, 5, 'w')];
  t.same(disassemble(deviceFilterBytes(rules)), [
    ...PROLOGUE,
    'if r2 != 2 goto +7',
    'if r4 != 1 goto +6',
    'if r5 != 5 goto +5',
    'w1 = w3',
    'w1 &= 4',
    'if r1 == 0 goto +2',
    'w0 = 0',
    'exit',
    'w0 = 1',
    'exit',
  ]);
  const bytes = deviceFilterBytes(rules);
  t.equal(verdict(bytes, { type: 'c', major: 1, minor: 5, access: 'r' }), 1);
  t.equal(verdict(bytes, { type: 'c', major: 1, minor: 5, access: 'rw' }), 0);
  t.equal(verdict(bytes, { type: 'c', major: 1, minor: 3, access: 'rw' }), 1);
});

t.test('the program decides as the rule list means, over a table of accesses', async (t) => {
  const lists: [string, DeviceRule[]][] = [
    ['runc defaults after deny-all', deviceRulesFor([{ allow: false, access: 'rwm' }])],
    ['runc defaults alone (a whitelist)', deviceRulesFor([])],
    ['config allows, defaults follow', deviceRulesFor([{ allow: false, access: 'rwm' }, { allow: true, type: 'b', major: 8, minor: 0, access: 'r' }, { allow: true, type: 'c', major: 254, access: 'rw' }])],
    ['allow-all then defaults', deviceRulesFor([{ allow: true, access: 'rwm' }])],
    ['access merged across rules', [DENY_ALL, rule(true, 'c', 1, 3, 'r'), rule(true, 'c', 1, 3, 'w'), rule(true, 'c', 1, 3, 'm')]],
    ['access taken back', [DENY_ALL, rule(true, 'c', 1, -1, 'rwm'), rule(false, 'c', 1, -1, 'w')]],
    ['blacklist with wildcards', [ALLOW_ALL, rule(false, 'c', 1, -1, 'w'), rule(false, 'b', -1, -1, 'm'), rule(false, 'c', -1, 5, 'r')]],
    ['blacklist, allow of a narrower device does not punch a hole', [ALLOW_ALL, rule(false, 'c', 1, -1, 'rw'), rule(true, 'c', 1, 3, 'rw')]],
    ['whitelist, deny of a narrower device does not take away', [DENY_ALL, rule(true, 'c', 1, -1, 'rw'), rule(false, 'c', 1, 3, 'rw')]],
    ['reset in the middle', [ALLOW_ALL, rule(false, 'c', 1, 3, 'rwm'), DENY_ALL, rule(true, 'c', 5, -1, 'r')]],
  ];
  for (const [name, rules] of lists) {
    const bytes = deviceFilterBytes(rules);
    let checked = 0;
    const wrong: string[] = [];
    for (const a of accessTable()) {
      checked++;
      const got = verdict(bytes, a);
      if (got !== expected(rules, a)) wrong.push(`${a.type} ${a.major}:${a.minor} ${a.access} → ${got}`);
    }
    t.same(wrong, [], `${name}: ${checked} accesses agree`);
  }
});

t.test('rule lists are reduced to the v1 end state', async (t) => {
  t.same(deviceFilterPlan([DENY_ALL, rule(true, 'c', 1, 3, 'r'), rule(true, 'c', 1, 3, 'w')]), {
    defaultAllow: false,
    exceptions: [{ type: 'c', major: 1, minor: 3, access: 2 | 4 }],
  });
  t.same(deviceFilterPlan([ALLOW_ALL, rule(false, 'b', -1, 7, 'm')]), {
    defaultAllow: true,
    exceptions: [{ type: 'b', major: -1, minor: 7, access: 1 }],
  });
  t.throws(() => deviceFilterProgram([DENY_ALL, rule(true, 'c', 2 ** 31, 0, 'r')]), { message: /device number 2147483648 out of range/ });
});
