export interface FwCfgBlob {
  /** fw_cfg file name, e.g. `opt/slotlab/spin`. */
  name: string;
  data: Buffer;
}

export interface MachineConfig {
  binary: string;
  /** Extra environment for QEMU (e.g. QEMU_MODULE_DIR for an extracted build). */
  env?: Record<string, string>;
  /** `-L` directories, searched in order. */
  dataDirs?: string[];
  machineType: string;
  machineOptions?: Record<string, string>;
  accel: 'kvm' | 'tcg';
  cpus: number;
  memoryMiB: number;
  /** Memory hotplug: `-m <memoryMiB>M,slots=<memorySlots>,maxmem=<maxMemoryMiB>M`. */
  memorySlots?: number;
  maxMemoryMiB?: number;
  kernel?: string;
  /** With `kernel`: -initrd and -append (a Linux guest). */
  initrd?: string;
  append?: string;
  fwCfg?: FwCfgBlob[];
  /** `-incoming <uri>`: the guest's state comes from a saved migration stream (machine/saved-state.ts) instead of a boot. */
  incoming?: string;
  /** Where the guest's console goes: COM1 (default), or the firmware's debug console (isa-debugcon at port 0x402, where SeaBIOS logs). */
  console?: 'serial' | 'debugcon';
  /** QEMU trace events (names or globs) written with microsecond timestamps to the trace log (QEMU's `log` backend: -trace, -msg timestamp=on, -D). */
  traceEvents?: string[];
  /** Appended verbatim after everything slotlab sets; one array element per argv entry. */
  extraArgs?: string[];
}

/** The places a running machine uses, all inside its private 0700 directory. */
export interface MachinePaths {
  dir: string;
  qmpSocket: string;
  serialLog: string;
  /** With traceEvents: QEMU's log (-D), one line per event. */
  traceLog: string;
}

export interface ExitInfo {
  exitCode: number | undefined;
  signal: string | undefined;
}

export type RunStatus =
  | 'running'
  | 'paused'
  | 'prelaunch'
  | 'internal-error'
  | 'guest-panicked'
  | 'shutdown'
  | 'io-error'
  | 'watchdog'
  | 'suspended'
  | (string & {});
