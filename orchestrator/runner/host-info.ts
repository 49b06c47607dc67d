import fs from 'node:fs';
import os from 'node:os';

export function hostInfo(): { kernel: string; cpu: string; cpus: number; memoryGiB: number } {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // keep os.cpus()
  }
  return { kernel: `${os.type()} ${os.release()}`, cpu, cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30) };
}
