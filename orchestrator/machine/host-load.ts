import fs from 'node:fs';

/** How busy the machine QEMU runs on was (inside a kernel under test: L1's own view). */
export interface HostLoad {
  /** The 1-minute load average (/proc/loadavg). */
  loadavg1: number;
  /** The share of the last 10 s some task waited for a CPU, in percent (/proc/pressure/cpu); absent without PSI. */
  cpuSomeAvg10?: number;
}

export function parseLoad(loadavg: string, pressure: string | undefined): HostLoad {
  const loadavg1 = Number(loadavg.trim().split(/\s+/)[0]);
  const some = pressure === undefined ? undefined : /^some avg10=([0-9.]+)/m.exec(pressure)?.[1];
  return { loadavg1, ...(some === undefined ? {} : { cpuSomeAvg10: Number(some) }) };
}

/** The load now; undefined where /proc says nothing (not Linux). */
export function readHostLoad(): HostLoad | undefined {
  try {
    const loadavg = fs.readFileSync('/proc/loadavg', 'utf8');
    let pressure: string | undefined;
    try {
      pressure = fs.readFileSync('/proc/pressure/cpu', 'utf8');
    } catch {
      pressure = undefined;
    }
    return parseLoad(loadavg, pressure);
  } catch {
    return undefined;
  }
}
