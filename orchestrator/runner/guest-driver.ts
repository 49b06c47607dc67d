import type { Mailbox } from '../images/spin-contract.js';
import type { QemuMachine } from '../machine/machine.js';

/** What the iteration needs from a guest, whichever it is (spin, a user's image, Linux). */
export interface GuestDriver {
  machine: QemuMachine;
  /** Launches QEMU and waits until every vCPU runs the guest's workload; returns whether progress can be read. */
  boot(): Promise<boolean>;
  /** One counter per vCPU, rising while the vCPU runs its workload; `fresh`: counted after this call, not earlier. */
  readCounters(fresh?: boolean): Promise<bigint[]>;
  /** The vCPU whose loop holds this instruction pointer, and whether it lies in a loop at all (spin only). */
  locate(instructionPointer: number): { vcpu?: number; inLoopRange: boolean };
  /** The guest's own report that it stopped running its workload while QEMU still runs it (a kernel's stall report). */
  hung?(): string | undefined;
  /** What the guest printed about its end (panic, oops, stalls), when it says. */
  lastWords?(): string | undefined;
  /** The guest's console worth keeping in the record. */
  serialExcerpt?(): string;
  /** The spin contract's mailbox (counters, the in-guest mutator's toggles); absent for guests without one. */
  readMailbox?: () => Promise<Mailbox>;
}
