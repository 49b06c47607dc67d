import fs from 'node:fs';
import path from 'node:path';
import { ProcessError, type ProcessFailure, SlotlabError } from '../errors.js';
import { kvmProblem } from '../machine/machine.js';
import { launchQemu } from '../machine/qemu-process.js';
import { RingBuffer } from '../machine/ring-buffer.js';
import type { ResolvedKernel } from '../kernels/kernel-types.js';

/** The QEMU that runs the kernel under test: Debian's, with TCG (it emulates SVM, so L1 gets a /dev/kvm). */
export const L1_QEMU = '/usr/bin/qemu-system-x86_64';
/** L1's CPUs unless a caller asks for others: its guests' vCPUs (and `run --jobs` inside it) share them. */
export const L1_CPUS = 2;

export interface L1Options {
  kernel: ResolvedKernel;
  initramfs: string;
  /** Host folder shared read-write with L1 at the same path; holds job.sh and receives its output. */
  jobDir: string;
  cpus?: number;
  memoryMiB?: number;
  /** From launch to the init's first line. */
  bootTimeoutMs: number;
  /** From launch to the job's end. */
  jobTimeoutMs: number;
  /** Every line L1 prints on its serial console (kernel, init, the job). */
  onLine?: (line: string) => void;
  /** How L1's KVM maps its guests' memory: two-dimensional paging (npt/ept, the default) or shadow paging of their page tables. */
  paging?: Paging;
  /** Host folders shared read-write with L1 at the same paths (the rest of the host root is read-only there). */
  writable?: string[];
}

export type Paging = 'tdp' | 'shadow';

/** Kernel parameters that turn two-dimensional paging off in a kernel whose KVM is built in (modules read them from the command line too). */
export const SHADOW_PAGING_PARAMS = ['kvm_amd.npt=0', 'kvm_intel.ept=0'];

export interface L1Result {
  /** The job's exit status, as init reported it. */
  jobExit: number;
  /** `uname -r` of the kernel under test. */
  release: string;
  /** KVM_CHECK_EXTENSION values in L1 (kvm-probe caps). */
  kvm: Record<string, number>;
  durationMs: number;
}

/** L1 ended without reporting the job's end: kernel panic, boot hang, timeout, QEMU failure. */
export class L1Error extends ProcessError {
  constructor(
    readonly kernel: string,
    readonly reason: string,
    readonly consoleTail: string,
    process: Omit<ProcessFailure, 'outputTail'> = { command: [], exitCode: undefined, signal: undefined, durationMs: 0 },
  ) {
    super(
      'L1_FAILED',
      `kernel under test ${kernel}: ${reason}. Its console ends with:\n${consoleTail}\nCheck the kernel's configuration (orchestrator/kernels/kernel-config.ts) or rerun; results written so far are kept`,
      { ...process, outputTail: consoleTail },
    );
  }
}

/**
 * KVM when this host's CPU flags show SVM or VMX to its own kernel (nested
 * virtualisation offered; L1 then runs at native speed with `-cpu host`), TCG
 * with `-cpu max` (emulated SVM) otherwise. TCG emulates SVM only, not VMX.
 */
export function l1Accel(cpuinfo: string, kvmUsable: boolean): { accel: string; cpu: string } {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
  if (kvmUsable && (flags.includes('svm') || flags.includes('vmx'))) return { accel: 'kvm', cpu: 'host' };
  return { accel: 'tcg,thread=multi', cpu: 'max' };
}

function hostAccel(): { accel: string; cpu: string } {
  return l1Accel(fs.readFileSync('/proc/cpuinfo', 'utf8'), kvmProblem() === undefined);
}

export function l1QemuArgs(options: L1Options, accel = hostAccel()): string[] {
  const writable = options.writable ?? [];
  for (const folder of writable) {
    if (!path.isAbsolute(folder) || /[\s,]/.test(folder)) throw new SlotlabError('L1_SHARE_INVALID', `a folder shared read-write with L1 must be an absolute path without spaces or commas, not ${JSON.stringify(folder)}: move it or point the cache elsewhere`);
  }
  return [
    '-accel', accel.accel,
    '-cpu', accel.cpu,
    '-machine', 'q35',
    '-smp', String(options.cpus ?? L1_CPUS),
    '-m', String(options.memoryMiB ?? 4096),
    '-nodefaults', '-display', 'none', '-no-reboot',
    '-serial', 'stdio',
    '-kernel', options.kernel.bzImage,
    '-initrd', options.initramfs,
    // An L1 wedged under TCG (a soft lockup or an RCU stall of two minutes) ends itself instead of holding the job until its timeout.
    '-append',
    [
      `console=ttyS0 loglevel=4 panic=-1 oops=panic softlockup_panic=1 watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120 sysctl.kernel.panic_on_rcu_stall=1 slotlab.job=${options.jobDir}`,
      ...(options.paging === 'shadow' ? SHADOW_PAGING_PARAMS : []),
      ...(writable.length > 0 ? [`slotlab.rw=${writable.join(',')}`] : []),
    ].join(' '),
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${options.jobDir},mount_tag=job,security_model=none,multidevs=remap`,
    ...writable.flatMap((folder, index) => ['-virtfs', `local,path=${folder},mount_tag=rw${index},security_model=none,multidevs=remap`]),
  ];
}

const PROTOCOL = /^slotlab-l1: (up|caps|job exit|error:?) ?(.*)$/;

/**
 * Boots the kernel under test as L1 under TCG, lets its init run the job, and
 * returns what init reported. QEMU is tracked by the process reaper and dies
 * with the orchestrator; on any failure it is killed before the error is thrown.
 */
export async function runInL1(options: L1Options): Promise<L1Result> {
  const started = Date.now();
  const console = new RingBuffer(64 * 1024);
  const command = [L1_QEMU, ...l1QemuArgs(options)];
  const child = launchQemu(command);
  let release: string | undefined;
  let kvm: Record<string, number> = {};
  let jobStarted = false;
  let jobExit: number | undefined;
  let error: string | undefined;
  let timedOut: string | undefined;
  const bootTimer = setTimeout(() => {
    if (release === undefined) {
      timedOut = `no init output within ${options.bootTimeoutMs} ms of launch (boot hang)`;
      child.kill('SIGKILL');
    }
  }, options.bootTimeoutMs);
  // Between `up` and `caps` init mounts 9p and opens KVM: seconds, or a wedged L1 (seen under TCG).
  let startTimer: NodeJS.Timeout | undefined;
  const watchJobStart = () => {
    startTimer = setTimeout(() => {
      if (!jobStarted && jobExit === undefined && error === undefined) {
        timedOut = `L1 came up but reported no KVM capabilities within ${options.bootTimeoutMs} ms (a hang before its job started)`;
        child.kill('SIGKILL');
      }
    }, options.bootTimeoutMs);
  };
  const jobTimer = setTimeout(() => {
    timedOut = `the job did not end within ${options.jobTimeoutMs} ms`;
    child.kill('SIGKILL');
  }, options.jobTimeoutMs);
  try {
    for await (const raw of child.iterable({ from: 'all' })) {
      const line = String(raw).replace(/\r$/, '');
      console.push(Buffer.from(line + '\n'));
      options.onLine?.(line);
      const match = PROTOCOL.exec(line);
      if (!match) continue;
      if (match[1] === 'up') {
        release = match[2];
        watchJobStart();
      } else if (match[1] === 'caps') {
        jobStarted = true;
        kvm = parseCaps(match[2]!);
      } else if (match[1] === 'job exit') jobExit = Number(match[2]);
      else error ??= match[2];
    }
    const result = await child;
    const tail = console.text().split('\n').slice(-30).join('\n');
    const exit = { command, exitCode: result.exitCode, signal: result.signal, durationMs: Date.now() - started };
    if (jobExit === undefined || release === undefined) {
      const why = timedOut ?? error ?? (result.signal ? `QEMU was killed by ${result.signal}` : `L1 ended (QEMU exit code ${result.exitCode}) before the job reported its end`);
      throw new L1Error(options.kernel.name, why, tail, exit);
    }
    if (error) throw new L1Error(options.kernel.name, error, tail, exit);
    return { jobExit, release, kvm, durationMs: Date.now() - started };
  } finally {
    clearTimeout(bootTimer);
    clearTimeout(startTimer);
    clearTimeout(jobTimer);
    child.kill('SIGKILL');
    await child.catch(() => undefined);
  }
}

function parseCaps(text: string): Record<string, number> {
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, number] => typeof entry[1] === 'number'));
  } catch {
    return {};
  }
}
