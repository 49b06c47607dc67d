import { execa } from 'execa';
import { trackProcess, untrackProcess } from './process-reaper.js';

/**
 * Every QEMU slotlab starts, the guest's and L1's alike: under `setpriv
 * --pdeathsig SIGKILL` (it dies with the orchestrator even when that is
 * SIGKILLed), tracked by the process reaper until it exits, its stdout and
 * stderr interleaved in `all`, never rejecting (the caller reads the exit).
 */
export function launchQemu(argv: readonly string[], env: Record<string, string> = {}) {
  const child = execa('setpriv', ['--pdeathsig', 'SIGKILL', '--', ...argv], {
    env,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    all: true,
    buffer: false,
    reject: false,
    cleanup: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    trackProcess(pid);
    void child.then(() => untrackProcess(pid));
  }
  return child;
}

export type QemuProcess = ReturnType<typeof launchQemu>;
