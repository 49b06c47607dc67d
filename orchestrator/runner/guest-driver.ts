import type { Mailbox, StallRecord } from '../images/spin-contract.js';
import type { QemuMachine } from '../machine/machine.js';
import type { GuestStates } from './guest-states.js';

/** How a guest is started: always booted, or restored from a state saved for its inputs (boot once, restore many). */
export type GuestStart = { mode: 'boot' } | { mode: 'restore'; /** Where saved states are kept. */ states: GuestStates };

/** How the guest did start. */
export interface StartReport {
  how: 'booted' | 'restored';
  /** A restore that failed (and the boot that replaced it), or a state that could not be saved. */
  note?: string;
  /** This boot saved the guest's state for the next iterations. */
  saved?: { bytes: number; durationMs: number };
  /** Where the start-up's time went, step by step in order (ms each): see StartClock. */
  phases?: Record<string, number>;
}

/** Times the steps of a guest's start-up one after the other, into its StartReport's phases. */
export class StartClock {
  private last = performance.now();

  constructor(private readonly report: StartReport) {}

  /** The step that just ended; a step named twice adds up. */
  mark(step: string): void {
    const now = performance.now();
    const phases = (this.report.phases ??= {});
    phases[step] = (phases[step] ?? 0) + Math.round(now - this.last);
    this.last = now;
  }
}

/** What the iteration needs from a guest, whichever it is (spin, a user's image, Linux). */
export interface GuestDriver {
  /** The QEMU running the guest; read it after boot(): a failed restore replaces it with a booting one. */
  readonly machine: QemuMachine;
  /** Launches QEMU and waits until every vCPU runs the guest's workload; returns whether progress can be read. */
  boot(): Promise<boolean>;
  /** One counter per vCPU, rising while the vCPU runs its workload; `fresh`: counted after this call, not earlier. */
  readCounters(fresh?: boolean): Promise<bigint[]>;
  /** The guest's own pages worth keeping when an iteration ends badly (the spin loops), each read as that vCPU sees it. */
  ownPages?(): { vcpu: number; address: number }[];
  /** The vCPU whose loop holds this instruction pointer, and whether it lies in a loop at all (spin only). */
  locate(instructionPointer: number): { vcpu?: number; inLoopRange: boolean };
  /** The guest's own report that it stopped running its workload while QEMU still runs it (a kernel's stall report), or that its kernel faulted once the workload ran (an oops: damaged though its workers may still run). */
  hung?(): string | undefined;
  /** What the guest printed about its end (panic, oops, stalls), when it says. */
  lastWords?(): string | undefined;
  /** The guest's console worth keeping in the record. */
  serialExcerpt?(): string;
  /** How the guest started (spin guests may be restored); absent means booted. */
  started?(): StartReport;
  /** The user's image (`--image`): the spin guest's in-guest configuration (weeds mode, the pam-guest mutator) is not in it. */
  readonly userImage?: boolean;
  /** A guest whose workload ends by itself (a firmware boot): whether it has; absent for guests that run until stopped. */
  workloadEnded?(): boolean;
  /** The spin guest's stall records (gaps between its loop iterations); absent for guests without them. */
  readStalls?(): Promise<StallRecord[]>;
  /** The spin contract's mailbox (counters, the in-guest mutator's toggles); absent for guests without one. */
  readMailbox?: () => Promise<Mailbox>;
}
