// A classic-BPF interpreter for the instructions seccomp filters use, written independently of
// src/sandbox/bpf.ts so the tests check the generated program's behaviour, not its encoding.
import { decodeBpf } from "../../src/sandbox/bpf.js";

/** Synthetic struct seccomp_data: nr, arch, instruction pointer, six 64-bit args. */
export function seccompData(nr: number, arch: number, args: (number | bigint)[] = []): Buffer {
  const buf = Buffer.alloc(64);
  buf.writeInt32LE(nr | 0, 0);
  buf.writeUInt32LE(arch >>> 0, 4);
  buf.writeBigUInt64LE(0x401000n, 8);
  for (let i = 0; i < 6; i++) buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(args[i] ?? 0)), 16 + 8 * i);
  return buf;
}

/** Runs the raw program over `data`; returns the 32-bit action. Throws on anything unexpected. */
export function runBpf(program: Buffer, data: Buffer): number {
  const insns = decodeBpf(program);
  let a = 0;
  for (let pc = 0, steps = 0; pc < insns.length; pc++) {
    if (++steps > 10_000) throw new Error("BPF loop");
    const { code, jt, jf, k } = insns[pc];
    const cls = code & 0x07;
    if (cls === 0x00) {
      // BPF_LD
      if (code !== 0x20) throw new Error(`unsupported ld 0x${code.toString(16)}`);
      if (k % 4 !== 0 || k + 4 > data.length) throw new Error(`bad load offset ${k}`);
      a = data.readUInt32LE(k);
    } else if (cls === 0x04) {
      // BPF_ALU with K
      const op = code & 0xf0;
      if ((code & 0x08) !== 0) throw new Error("ALU X unsupported");
      if (op === 0x50) a = (a & k) >>> 0;
      else if (op === 0x40) a = (a | k) >>> 0;
      else throw new Error(`unsupported alu 0x${code.toString(16)}`);
    } else if (cls === 0x05) {
      // BPF_JMP with K
      const op = code & 0xf0;
      if (op === 0x00) {
        pc += k;
        continue;
      }
      let cond: boolean;
      if (op === 0x10) cond = a === k;
      else if (op === 0x20) cond = a > k;
      else if (op === 0x30) cond = a >= k;
      else if (op === 0x40) cond = (a & k) !== 0;
      else throw new Error(`unsupported jmp 0x${code.toString(16)}`);
      pc += cond ? jt : jf;
    } else if (cls === 0x06) {
      // BPF_RET
      if (code !== 0x06) throw new Error("ret A unsupported");
      return k >>> 0;
    } else {
      throw new Error(`unsupported class ${cls}`);
    }
  }
  throw new Error("fell off the end of the program");
}
