import fs from 'node:fs';
import { execa } from 'execa';
import { SlotlabError } from '../errors.js';
import type { QmpClient } from '../qmp/qmp-client.js';

/** The CPUs this process may run on (its affinity list, e.g. `0-3,8`), in order. */
export function allowedCpus(status = fs.readFileSync('/proc/self/status', 'utf8')): number[] {
  const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1]?.trim();
  if (!list) throw new SlotlabError('NO_CPU_LIST', 'cannot read this process\'s CPU list (Cpus_allowed_list in /proc/self/status): --jobs needs Linux');
  return list.split(',').flatMap((range) => {
    const [low, high] = range.split('-').map(Number);
    return Array.from({ length: (high ?? low!) - low! + 1 }, (_, index) => low! + index);
  });
}

export class TooManyVcpusError extends SlotlabError {
  constructor(jobs: number, vcpus: number, cpus: number) {
    super('TOO_MANY_VCPUS', `--jobs ${jobs} runs ${jobs} guests of ${vcpus} vCPU(s) at once, each vCPU on a CPU of its own: that needs ${jobs * vcpus} CPUs, and this process may use ${cpus}; use --jobs ${Math.max(1, Math.floor(cpus / vcpus))}${vcpus > 1 ? ' or fewer vCPUs (--cpus)' : ''}`);
  }
}

/** Disjoint CPU sets, one per concurrent job, `vcpus` CPUs each; refuses more vCPUs than CPUs. */
export function cpuSlots(jobs: number, vcpus: number, cpus: readonly number[] = allowedCpus()): number[][] {
  if (jobs * vcpus > cpus.length) throw new TooManyVcpusError(jobs, vcpus, cpus.length);
  return Array.from({ length: jobs }, (_, job) => cpus.slice(job * vcpus, (job + 1) * vcpus));
}

export interface PinnedVcpu {
  vcpu: number;
  threadId: number;
  cpu: number;
}

/** Each vCPU thread (its id from query-cpus-fast) on a CPU of its own: vCPU i on cpus[i]. */
export async function pinVcpus(qmp: QmpClient, cpus: readonly number[]): Promise<PinnedVcpu[]> {
  const threads = await qmp.execute<{ 'cpu-index': number; 'thread-id': number }[]>('query-cpus-fast');
  if (threads.length > cpus.length) throw new SlotlabError('TOO_MANY_VCPUS', `the guest has ${threads.length} vCPUs and its job ${cpus.length} CPUs; this is a bug in the job's CPU share`);
  const pinned = threads.map((thread) => ({ vcpu: thread['cpu-index'], threadId: thread['thread-id'], cpu: cpus[thread['cpu-index']]! }));
  for (const { threadId, cpu, vcpu } of pinned) {
    const result = await execa('taskset', ['-p', '-c', String(cpu), String(threadId)], { reject: false, all: true, stdin: 'ignore' });
    if (result.exitCode !== 0) throw new SlotlabError('PIN_FAILED', `taskset could not pin vCPU ${vcpu} (thread ${threadId}) to CPU ${cpu}: ${String(result.all).trim()}; is util-linux installed (npm run setup installs it)?`);
  }
  return pinned;
}

/** A thread's CPU list as the kernel keeps it (/proc/<pid>/task/<tid>/status). */
export function threadCpus(pid: number, threadId: number): number[] {
  return allowedCpus(fs.readFileSync(`/proc/${pid}/task/${threadId}/status`, 'utf8'));
}
