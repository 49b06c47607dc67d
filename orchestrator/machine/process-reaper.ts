/**
 * Last line of defence against orphaned QEMUs: every QEMU slotlab starts is
 * registered here and SIGKILLed when the orchestrator exits, crashes or is
 * interrupted. (A SIGKILLed orchestrator is covered by the parent-death signal
 * each QEMU is started with.)
 */
const live = new Set<number>();
let installed = false;
let onInterrupt: ((signal: NodeJS.Signals) => void) | undefined;

export function trackProcess(pid: number): void {
  install();
  live.add(pid);
}

export function untrackProcess(pid: number): void {
  live.delete(pid);
}

export function trackedProcesses(): number[] {
  return [...live];
}

export function killTracked(): void {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

/** Called (after the QEMUs are killed) when SIGINT/SIGTERM arrives, e.g. to say where results are. */
export function setInterruptHandler(handler: ((signal: NodeJS.Signals) => void) | undefined): void {
  onInterrupt = handler;
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killTracked);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killTracked();
      onInterrupt?.(signal);
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
    });
  }
}
