import fs from 'node:fs';
import path from 'node:path';
import { vcpuDumps } from './internal-error.js';
import type { QemuMachine } from './machine.js';

/** One 4 KiB page of guest memory as a vCPU sees it (its own page tables and segments). */
export interface VcpuPage {
  vcpu: number;
  /** Why it was read: the vCPU's instruction pointer, or the guest's own page (its loop). */
  what: 'instruction-pointer' | 'guest-page';
  /** The instruction pointer as printed, for `instruction-pointer` pages. */
  instructionPointerHex?: string;
  /** The linear address of the page's first byte (CS base + IP for a non-64-bit vCPU). */
  pageHex: string;
  base64?: string;
  /** Why the page could not be read (QEMU's own error), when it could not. */
  error?: string;
}

/** What a guest's vCPUs looked like when the iteration ended badly, while QEMU still ran it. */
export interface VcpuForensics {
  /** `info registers -a` exactly as QEMU printed it: every vCPU (the code bytes are in `pages`). */
  registers: string;
  pages: VcpuPage[];
}

const PAGE = 4096;

/** A vCPU's block of `info registers -a`: its index, instruction pointer and where its code segment starts. */
export interface RegisterBlock {
  vcpu: number;
  instructionPointerHex: string;
  /** CS base + IP, or RIP in long mode (CS base is ignored there). */
  linear: bigint;
}

export function registerBlocks(infoRegistersAll: string): RegisterBlock[] {
  const blocks: RegisterBlock[] = [];
  for (const { vcpu, text } of vcpuDumps(infoRegistersAll)) {
    const ip = /\b([ER])IP=([0-9a-f]+)/.exec(text);
    if (!ip) continue;
    const pointer = BigInt(`0x${ip[2]}`);
    const longMode = ip[1] === 'R' && /^CS =\S+ \S+ \S+ \S+ DPL=\d CS64/m.test(text);
    const base = /^CS =\S+ ([0-9a-f]+) /m.exec(text);
    const linear = longMode || !base ? pointer : (BigInt(`0x${base[1]}`) + pointer) & 0xffff_ffffn;
    blocks.push({ vcpu, instructionPointerHex: `0x${ip[2]!.replace(/^0+(?=.)/, '')}`, linear });
  }
  return blocks;
}

/**
 * Every vCPU's registers and the page at each one's instruction pointer (and the guest's own
 * pages, e.g. the spin loops), read through QMP while QEMU still runs the guest: what tells a
 * vCPU that lost its slot in the window (its own loop, registers intact) from one that derailed
 * earlier. Never throws: what cannot be read is said so in the result.
 */
export async function captureVcpuForensics(machine: QemuMachine, guestPages: readonly { vcpu: number; address: number }[] = []): Promise<VcpuForensics | undefined> {
  if (machine.exited) return undefined;
  const registers = await machine.qmp.hmp('info registers -a').catch((caught: unknown) => `(info registers -a failed: ${String(caught)})`);
  const pages: VcpuPage[] = [];
  for (const block of registerBlocks(registers)) {
    const page = block.linear & ~BigInt(PAGE - 1);
    pages.push({ vcpu: block.vcpu, what: 'instruction-pointer', instructionPointerHex: block.instructionPointerHex, ...(await readPage(machine, block.vcpu, page)) });
  }
  for (const guest of guestPages) {
    const page = BigInt(guest.address) & ~BigInt(PAGE - 1);
    pages.push({ vcpu: guest.vcpu, what: 'guest-page', ...(await readPage(machine, guest.vcpu, page)) });
  }
  return { registers, pages };
}

async function readPage(machine: QemuMachine, vcpu: number, page: bigint): Promise<{ pageHex: string; base64?: string; error?: string }> {
  const pageHex = `0x${page.toString(16)}`;
  const file = path.join(machine.paths.dir, `vcpu${vcpu}-${page.toString(16)}.bin`);
  try {
    // memsave reads through the vCPU's own MMU: the page it fetches from, paging or not.
    await machine.qmp.execute('memsave', { val: Number(page), size: PAGE, filename: file, 'cpu-index': vcpu });
    return { pageHex, base64: fs.readFileSync(file).toString('base64') };
  } catch (caught) {
    return { pageHex, error: caught instanceof Error ? caught.message : String(caught) };
  } finally {
    fs.rmSync(file, { force: true });
  }
}
