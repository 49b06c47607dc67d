import type { ResolvedBuild } from '../builds/build-types.js';
import { QemuMachine } from '../machine/machine.js';
import type { Timeouts } from '../run-context.js';
import type { FirmwareGuest, Suite } from '../suites/suite-schema.js';
import { type GuestDriver, StartClock, type StartReport } from './guest-driver.js';
import { machineBase, machineWaits } from './spin-machine.js';

const CONSOLE_LINES = 12;

/**
 * The build's own firmware and nothing to boot: QEMU starts paused, is continued, and the firmware's
 * boot (SeaBIOS: POST, PCI, shadow RAM, option ROMs, the boot menu) is the workload. Its debug console
 * is the guest's console; the boot has ended once the firmware prints `guest.bootEnd`, and a boot that
 * has not ended after `guest.bootTimeoutSeconds` is a hung guest. No loop counters: progress is unknown.
 */
export function firmwareGuest(build: ResolvedBuild, suite: Suite, guest: FirmwareGuest, timeouts: Timeouts, vcpuCpus: readonly number[] = []): GuestDriver {
  const machine = new QemuMachine({ ...machineBase(build, suite.machine, suite.machine.cpus), console: 'debugcon' }, machineWaits(timeouts, vcpuCpus));
  const report: StartReport = { how: 'booted' };
  const limitMs = timeouts.scaled(guest.bootTimeoutSeconds * 1000);
  let continuedAt: number | undefined;
  let ended = false;

  const workloadEnded = () => (ended ||= machine.serialText().includes(guest.bootEnd));
  return {
    machine,
    async boot() {
      const clock = new StartClock(report);
      await machine.launch();
      clock.mark('launch');
      await machine.cont();
      continuedAt = performance.now();
      return false;
    },
    started: () => report,
    readCounters: async () => [],
    locate: () => ({ inLoopRange: false }),
    workloadEnded,
    hung() {
      if (continuedAt === undefined || workloadEnded()) return undefined;
      const ms = performance.now() - continuedAt;
      return ms > limitMs ? `the firmware did not print '${guest.bootEnd}' within ${Math.round(ms)} ms of its start (guest.bootTimeoutSeconds)` : undefined;
    },
    serialExcerpt: () => machine.serialText().split('\n').filter((line) => line.trim()).slice(-CONSOLE_LINES).join('\n'),
  };
}
