import type { ResolvedBuild } from '../builds/build-types.js';
import { errorMessage } from '../errors.js';
import type { QemuMachine } from '../machine/machine.js';
import type { MachineConfig } from '../machine/machine-types.js';
import { awaitIncoming, saveGuestState } from '../machine/saved-state.js';
import { type GuestStart, StartClock, type StartReport } from './guest-driver.js';
import { type GuestStates, guestStateKey } from './guest-states.js';

/**
 * One guest's saved state, for its inputs (boot once, restore many): the state
 * to restore, if one was saved, and how a booted guest saves one. Both end in
 * the guest's StartReport; neither failure fails the iteration.
 */
export class SavedStart {
  private constructor(
    private readonly states: GuestStates,
    private readonly build: ResolvedBuild,
    private readonly key: string,
  ) {}

  /** The saved state of a machine booting an image (its sha256, hashed only when the start restores) on `build`, when the start restores. */
  static of(start: GuestStart, build: ResolvedBuild, config: MachineConfig, imageSha256: () => string): SavedStart | undefined {
    return start.mode === 'restore' ? new SavedStart(start.states, build, guestStateKey(config, build.provenance.sha256, imageSha256())) : undefined;
  }

  /** The state saved for these inputs, and what was kept beside it. */
  found(): { file: string; details: Record<string, unknown> } | undefined {
    const file = this.states.find(this.build.name, this.key);
    return file ? { file, details: this.states.details(file) ?? {} } : undefined;
  }

  /**
   * Starts a machine launched with `-incoming` from `file`: launch, load, cont,
   * then `ready` (the guest's own sign that it runs, named `readyStep`). On any
   * failure QEMU is shut down, the state dropped (the next boot saves afresh),
   * the report says so, and false is returned: the caller boots a new machine.
   */
  async restore(machine: QemuMachine, file: string, timeoutMs: number, report: StartReport, readyStep: string, ready: () => Promise<void>): Promise<boolean> {
    const clock = new StartClock(report);
    try {
      await machine.launch();
      clock.mark('launch');
      await awaitIncoming(machine, timeoutMs);
      clock.mark('load state');
      await machine.cont();
      await ready();
      clock.mark(readyStep);
      report.how = 'restored';
      return true;
    } catch (error) {
      await machine.shutdown();
      clock.mark('failed restore');
      this.states.drop(file);
      report.how = 'booted';
      report.note = `restoring the saved state ${file} failed (${errorMessage(error).split('\n')[0]}); booted instead`;
      return false;
    }
  }

  /** Saves the running guest for the next iterations, with what `details` reads for its restore; a failure is noted, unless the guest itself is gone. */
  async save(machine: QemuMachine, timeoutMs: number, report: StartReport, details?: () => Promise<Record<string, unknown>>): Promise<void> {
    let file: string | undefined;
    try {
      file = this.states.prepare(this.build.name, this.key, this.build.provenance.sha256, await details?.());
      report.saved = await saveGuestState(machine, file, timeoutMs);
    } catch (error) {
      if (file) this.states.drop(file);
      if (machine.exited) throw error;
      report.note = `saving the guest's state failed (${errorMessage(error).split('\n')[0]}); the next iteration boots again`;
    }
  }
}
