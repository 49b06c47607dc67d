/**
 * What QEMU printed when it stopped a vCPU KVM could not run on: a
 * KVM_EXIT_INTERNAL_ERROR, or (mmio-aware builds) a zero-length fetch exit it
 * would not resume. Parsed from its stderr.
 */
export interface InternalErrorReport {
  /** KVM's suberror; absent when QEMU stopped a fetch without a slot itself. */
  suberror: number | undefined;
  /** The GPA of a fetch without a memory slot that QEMU refused to resume (mmio-aware), in hex. */
  fetchWithoutSlotGpa?: string;
  emulationFailure: boolean;
  /** EIP or RIP of the register dump that follows the error, when one was printed. */
  instructionPointer: number | undefined;
  /** The same, exactly as printed (a 64-bit RIP does not fit a JavaScript number). */
  instructionPointerHex: string | undefined;
  /** The general-purpose register lines of that dump, used to tell which vCPU it was. */
  registerLines: string[];
  /** KVM's `extra data[n]` words, in hex as printed. */
  extraData: string[];
  /** The dump's `Code=` line: the bytes around the instruction pointer, the one there in <>. */
  code?: string;
}

/** The exit that led KVM into its emulator, from an emulation failure's extra data (Linux 5.17 and later). */
export interface EmulationExit {
  /** The vendor module's exit code. */
  reasonHex: string;
  /** Its name in SVM's numbering (AMD hosts: TCG's emulated SVM in every L1, and kvm_pvm here), where known. */
  name?: string;
  info1Hex: string;
  info2Hex: string;
  /** #PF and NPF exits: whether the fault was an instruction fetch (bit 4 of the error code in info1). */
  fetch?: boolean;
  /** The instruction bytes KVM had fetched, when it says it has them (flag bit 0). */
  instructionBytesHex?: string;
}

const SVM_EXCEPTIONS = ['#DE', '#DB', 'NMI', '#BP', '#OF', '#BR', '#UD', '#NM', '#DF', '', '#TS', '#NP', '#SS', '#GP', '#PF', '', '#MF', '#AC', '#MC', '#XM'];

/**
 * KVM's emulation-failure data: data[0] the flags; with flag bit 0 the instruction length and
 * 15 bytes in data[1..2]; then exit reason, info1, info2, interrupt info and error code
 * (`prepare_emulation_failure_exit` in arch/x86/kvm/x86.c). Older kernels print none of it.
 */
export function decodeEmulationExit(extraData: readonly string[], svm: boolean): EmulationExit | undefined {
  const words = extraData.map((word) => BigInt(word));
  if (words.length < 4) return undefined;
  const flags = words[0]!;
  const start = flags & 1n ? 3 : 1;
  if (words.length < start + 3) return undefined;
  const [reason, info1, info2] = [words[start]!, words[start + 1]!, words[start + 2]!];
  const hex = (value: bigint) => `0x${value.toString(16)}`;
  let instructionBytesHex: string | undefined;
  if (flags & 1n) {
    const raw = Buffer.alloc(16);
    raw.writeBigUInt64LE(words[1]!, 0);
    raw.writeBigUInt64LE(words[2]!, 8);
    instructionBytesHex = raw.subarray(1, 1 + Math.min(raw[0]!, 15)).toString('hex');
  }
  const name = svm ? svmExitName(reason) : undefined;
  const faults = svm && (reason === 0x400n || reason === 0x4en);
  return {
    reasonHex: hex(reason),
    ...(name ? { name } : {}),
    info1Hex: hex(info1),
    info2Hex: hex(info2),
    ...(faults ? { fetch: (info1 & 0x10n) !== 0n } : {}),
    ...(instructionBytesHex === undefined ? {} : { instructionBytesHex }),
  };
}

function svmExitName(reason: bigint): string | undefined {
  if (reason === 0x400n) return 'NPF';
  if (reason >= 0x40n && reason < 0x60n) return SVM_EXCEPTIONS[Number(reason - 0x40n)] || `exception ${reason - 0x40n}`;
  const named: Record<string, string> = { '0x60': 'INTR', '0x61': 'NMI', '0x78': 'HLT', '0x7b': 'IOIO', '0x7c': 'MSR', '0x81': 'VMMCALL', '0x80': 'VMRUN' };
  return named[`0x${reason.toString(16)}`];
}

const GPR_LINE = /^(?:EAX|RAX|ESI|RSI|R8 )=/;

/** The line QEMU starts its report of a stopped vCPU with. */
export const STOP_REPORT = /KVM internal error\. Suberror: (\d+)|KVM: instruction fetch from GPA 0x([0-9a-f]+) without a memory slot/;

export function parseInternalError(stderr: string): InternalErrorReport | undefined {
  const match = STOP_REPORT.exec(stderr);
  if (!match) return undefined;
  const after = stderr.slice(match.index).split('\n');
  const ipLine = after.find((line) => /\b[ER]IP=[0-9a-f]+/.test(line));
  const ip = ipLine ? /\b[ER]IP=([0-9a-f]+)/.exec(ipLine)?.[1] : undefined;
  return {
    suberror: match[1] === undefined ? undefined : Number(match[1]),
    ...(match[2] === undefined ? {} : { fetchWithoutSlotGpa: `0x${match[2]}` }),
    emulationFailure: after.some((line) => line.trim() === 'emulation failure'),
    instructionPointer: ip === undefined ? undefined : Number.parseInt(ip, 16),
    instructionPointerHex: ip === undefined ? undefined : `0x${ip.replace(/^0+(?=.)/, '')}`,
    registerLines: registerLines(after),
    extraData: extraDataOf(after),
    ...codeOf(after),
  };
}

/** The `extra data[n]` lines right after the report's first line (not a later report's). */
function extraDataOf(lines: readonly string[]): string[] {
  const words: string[] = [];
  for (const line of lines.slice(1)) {
    const word = /^extra data\[\d+\]: (?:0x)?([0-9a-f]+)$/.exec(line.trim())?.[1];
    if (word === undefined) break;
    words.push(`0x${word}`);
  }
  return words;
}

function codeOf(lines: readonly string[]): { code?: string } {
  const line = lines.find((each) => each.startsWith('Code='));
  return line === undefined ? {} : { code: line.slice('Code='.length).trim() };
}

/**
 * Finds which vCPU's `info registers -a` block carries the same general-purpose
 * registers as the dump QEMU printed for the failing vCPU.
 */
export function findFailingVcpu(report: InternalErrorReport, infoRegistersAll: string): number | undefined {
  if (report.registerLines.length === 0) return undefined;
  for (const { vcpu, text } of vcpuDumps(infoRegistersAll)) {
    const lines = registerLines(text.split('\n'));
    if (lines.length > 0 && report.registerLines.every((line, index) => lines[index] === line)) return vcpu;
  }
  return undefined;
}

/** `info registers -a` split into each vCPU's block (after its `CPU#n` line). */
export function vcpuDumps(infoRegistersAll: string): { vcpu: number; text: string }[] {
  const parts = infoRegistersAll.split(/^CPU#(\d+)\s*$/m);
  const dumps: { vcpu: number; text: string }[] = [];
  for (let i = 1; i + 1 < parts.length; i += 2) dumps.push({ vcpu: Number(parts[i]), text: parts[i + 1]! });
  return dumps;
}

function registerLines(lines: string[]): string[] {
  const start = lines.findIndex((line) => GPR_LINE.test(line.trim()));
  if (start < 0) return [];
  const result: string[] = [];
  for (const line of lines.slice(start)) {
    const trimmed = line.trim();
    if (!/^(?:[ER]?[A-Z0-9]{2,3}\s?=[0-9a-f]{8,16}\s*)+$/.test(trimmed) || /^[ER]IP=/.test(trimmed)) break;
    result.push(trimmed.replace(/\s+/g, ' '));
  }
  return result;
}

/** Raw exit data and the parts of a register dump that do not tell where the vCPU was. */
const NOISE = /^(?:extra data\[\d+\]:|[ECSDFG]S =|LDT=|TR =|[GI]DT=|CR0=|DR\d|EFER=|FCW=|FPR\d|[XY]MM\d|Code=)/;

/**
 * From the internal-error message on, without the raw `extra data[n]` words and register-dump noise, at most
 * `lines` lines; the stderr tail when there is no such message.
 */
export function stderrExcerpt(stderr: string, lines = 12): string {
  const start = STOP_REPORT.exec(stderr)?.index ?? -1;
  const text = start >= 0 ? stderr.slice(start) : stderr;
  const all = text.split('\n').filter((line) => line.trim().length > 0 && !NOISE.test(line));
  return (start >= 0 ? all.slice(0, lines) : all.slice(-lines)).join('\n');
}
