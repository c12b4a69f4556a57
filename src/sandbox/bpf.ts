// A tiny assembler for classic BPF (struct sock_filter), enough to write seccomp filters in JS:
// absolute 32-bit loads, AND, conditional jumps to named labels, and returns. The output is the
// raw little-endian program the kernel (and `bwrap --seccomp FD`) takes.

/** Opcodes used by seccomp filters (linux/bpf_common.h). */
export const BPF = {
  LD_W_ABS: 0x20, // A = *(u32 *)(data + k)
  ALU_AND_K: 0x54, // A &= k
  JMP_JA: 0x05, // pc += k
  JMP_JEQ_K: 0x15, // pc += (A == k) ? jt : jf
  JMP_JGE_K: 0x35, // pc += (A >= k) ? jt : jf
  JMP_JGT_K: 0x25, // pc += (A > k) ? jt : jf
  JMP_JSET_K: 0x45, // pc += (A & k) ? jt : jf
  RET_K: 0x06, // return k
} as const;

/** One decoded instruction. */
export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

type Target = string | 0; // a label, or 0 for "the next instruction"
interface Pending {
  code: number;
  jt: Target;
  jf: Target;
  k: number;
}

/** Builds a program; jumps name labels, which are resolved (forward only) by `assemble`. */
export class BpfBuilder {
  private readonly insns: Pending[] = [];
  private readonly labels = new Map<string, number>();

  /** Marks the position of the next instruction. */
  label(name: string): this {
    if (this.labels.has(name)) throw new Error(`duplicate BPF label ${name}`);
    this.labels.set(name, this.insns.length);
    return this;
  }
  /** A = 32-bit word at byte offset `offset` of the input. */
  load(offset: number): this {
    return this.push(BPF.LD_W_ABS, 0, 0, offset);
  }
  and(k: number): this {
    return this.push(BPF.ALU_AND_K, 0, 0, k);
  }
  /** If A == k go to `jt`, else `jf` (0 = fall through). */
  jeq(k: number, jt: Target, jf: Target = 0): this {
    return this.push(BPF.JMP_JEQ_K, jt, jf, k);
  }
  jge(k: number, jt: Target, jf: Target = 0): this {
    return this.push(BPF.JMP_JGE_K, jt, jf, k);
  }
  /** If A & k go to `jt`, else `jf`. */
  jset(k: number, jt: Target, jf: Target = 0): this {
    return this.push(BPF.JMP_JSET_K, jt, jf, k);
  }
  ret(k: number): this {
    return this.push(BPF.RET_K, 0, 0, k);
  }

  /** Resolves labels; throws if a jump goes backwards or farther than 255 instructions. */
  assemble(): BpfInsn[] {
    const resolve = (t: Target, at: number): number => {
      if (t === 0) return 0;
      const pos = this.labels.get(t);
      if (pos === undefined) throw new Error(`undefined BPF label ${t}`);
      const off = pos - at - 1;
      if (off < 0 || off > 255) throw new Error(`BPF jump to ${t} out of range (${off})`);
      return off;
    };
    return this.insns.map((p, i) => ({
      code: p.code,
      jt: resolve(p.jt, i),
      jf: resolve(p.jf, i),
      k: p.k >>> 0,
    }));
  }

  private push(code: number, jt: Target, jf: Target, k: number): this {
    this.insns.push({ code, jt, jf, k });
    return this;
  }
}

/** The program as the kernel's array of struct sock_filter { u16 code; u8 jt, jf; u32 k; }. */
export function encodeBpf(insns: BpfInsn[]): Buffer {
  if (insns.length === 0 || insns.length > 4096) throw new Error(`BPF program length ${insns.length}`);
  const buf = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(insn.jt, i * 8 + 2);
    buf.writeUInt8(insn.jf, i * 8 + 3);
    buf.writeUInt32LE(insn.k, i * 8 + 4);
  });
  return buf;
}

/** Reverse of encodeBpf, for tests and debugging. */
export function decodeBpf(buf: Buffer): BpfInsn[] {
  const out: BpfInsn[] = [];
  for (let off = 0; off + 8 <= buf.length; off += 8) {
    out.push({
      code: buf.readUInt16LE(off),
      jt: buf.readUInt8(off + 2),
      jf: buf.readUInt8(off + 3),
      k: buf.readUInt32LE(off + 4),
    });
  }
  return out;
}
