import fs from 'node:fs';
import os from 'node:os';

export function hostInfo(): { kernel: string; cpu: string } {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // keep os.cpus()
  }
  return { kernel: `${os.type()} ${os.release()}`, cpu };
}
