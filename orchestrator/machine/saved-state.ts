import fs from 'node:fs';
import { SlotlabError } from '../errors.js';
import { shellWord } from '../shell-word.js';
import { sleep } from './machine.js';
import type { QemuMachine } from './machine.js';

const POLL_MS = 5;

export class SavedStateError extends SlotlabError {
  constructor(detail: string) {
    super('SAVED_STATE', detail);
  }
}

/** The `-incoming` URI that reads a state saved by saveGuestState. */
export function incomingFrom(file: string): string {
  return `exec:cat ${shellWord(file)}`;
}

/**
 * Saves the running guest's whole state into `file`: stop, a migration into
 * the file (written beside it, renamed once complete, so a reader never sees
 * half a state), cont. The guest runs again afterwards exactly where it was.
 */
export async function saveGuestState(machine: QemuMachine, file: string, timeoutMs: number): Promise<{ bytes: number; durationMs: number }> {
  const started = performance.now();
  const partial = `${file}.partial-${process.pid}`;
  await machine.qmp.execute('stop');
  try {
    await machine.qmp.execute('migrate', { uri: `exec:cat > ${shellWord(partial)}` });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { status, 'error-desc': error } = await machine.qmp.execute<{ status?: string; 'error-desc'?: string }>('query-migrate');
      if (status === 'completed') break;
      if (status === 'failed' || status === 'cancelled') throw new SavedStateError(`saving the guest's state failed (${status}${error ? `: ${error}` : ''})`);
      if (performance.now() > deadline) throw new SavedStateError(`saving the guest's state did not complete within ${timeoutMs} ms (status ${status})`);
      await sleep(POLL_MS);
    }
    fs.renameSync(partial, file);
    return { bytes: fs.statSync(file).size, durationMs: Math.round(performance.now() - started) };
  } finally {
    fs.rmSync(partial, { force: true });
    await machine.qmp.execute('cont');
  }
}

/** Waits until a machine launched with `-incoming` has loaded the state (it is then paused, ready for `cont`). */
export async function awaitIncoming(machine: QemuMachine, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { status } = await machine.queryStatus();
    if (status === 'paused' || status === 'prelaunch') return;
    if (status !== 'inmigrate') throw new SavedStateError(`loading the saved state left the guest ${status}`);
    if (performance.now() > deadline) throw new SavedStateError(`loading the saved state did not complete within ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}
