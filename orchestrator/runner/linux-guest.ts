import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError } from '../errors.js';
import { LINUX_GUEST, consoleExcerpt, crashReport, hangReport, lastProgress } from '../images/linux-guest-image.js';
import { QemuMachine, sleep } from '../machine/machine.js';
import { GuestBootLostError, QemuStartError } from '../machine/machine-errors.js';
import type { Timeouts } from '../run-context.js';
import type { LinuxGuest, Suite } from '../suites/suite-schema.js';
import { plugDimm } from '../mutators/dimm-churn.js';
import type { GuestDriver } from './guest-driver.js';
import { machineBase, machineWaits } from './spin-machine.js';


/** The files a Linux guest boots: the kernel's uncompressed ELF and the initramfs with its modules appended. */
export interface LinuxBoot {
  vmlinux: string;
  initrd: string;
}

export class LinuxGuestError extends SlotlabError {
  constructor(detail: string, serial: string) {
    const tail = serial.trimEnd().split('\n').slice(-15).join('\n');
    super('LINUX_GUEST_FAILED', `the Linux guest reports: ${detail}; check the suite's machine (numaNodes, DIMMs, virtio-mem) against images/README.md. Its serial console ended:\n${tail}`);
  }
}

/** The kernel command line: serial console, hot-plugged memory left offline (init onlines the exec node's), the exec node. */
export function linuxCommandLine(guest: LinuxGuest): string {
  return ['console=ttyS0', 'quiet', 'nokaslr', 'panic=-1', 'nmi_watchdog=0', 'memhp_default_state=offline', `slotlab.node=${guest.execNode}`].join(' ');
}

/**
 * A Linux guest (images/linux/init): boots, hot-plugs the suite's after-boot
 * DIMMs once init is up, and waits for its workers to run from node execNode.
 * Progress is its last `slotlab-guest: progress` line.
 */
export function linuxGuest(build: ResolvedBuild, suite: Suite, guest: LinuxGuest, files: LinuxBoot, timeouts: Timeouts): GuestDriver {
  const config = { ...machineBase(build, suite.machine, suite.machine.cpus), kernel: files.vmlinux, initrd: files.initrd, append: linuxCommandLine(guest) };
  const machine = new QemuMachine(config, machineWaits(timeouts));
  const bootMs = timeouts.scaled(guest.bootTimeoutSeconds * 1000);
  const printed = (serial = machine.serialText()) => serial.match(LINUX_GUEST.progressPattern)?.length ?? 0;
  const silence = new SilenceWatch(timeouts.linuxSilenceMs);
  let hang: string | undefined;
  // QEMU is up once launched: its exit while the kernel boots loses the guest, it does not fail QEMU's start.
  const waitBooting = async (pattern: RegExp, what: string) => {
    try {
      return await machine.waitSerial(pattern, bootMs, what);
    } catch (caught) {
      if (!(caught instanceof QemuStartError)) throw caught;
      const serial = machine.serialText();
      throw new GuestBootLostError(caught, what, crashReport(serial) ?? serial.trimEnd().split('\n').slice(-15).join('\n'));
    }
  };
  const expect = async (pattern: RegExp, what: string) => {
    const match = await waitBooting(new RegExp(`${pattern.source}|${LINUX_GUEST.errorPattern.source}`), what);
    const error = LINUX_GUEST.errorPattern.exec(match[0]);
    if (error) throw new LinuxGuestError(error[1]!, machine.serialText());
  };
  return {
    machine,
    async boot() {
      await machine.launch();
      await machine.cont();
      await expect(LINUX_GUEST.upPattern, 'the Linux guest\'s init ("slotlab-guest: up")');
      for (const dimm of suite.machine.dimms.filter((each) => each.plug === 'after-boot')) await plugDimm(machine.qmp, dimm);
      await expect(LINUX_GUEST.readyPattern, `the Linux guest's workers running from node ${guest.execNode} ("slotlab-guest: ready")`);
      await waitBooting(new RegExp(LINUX_GUEST.progressPattern.source), 'the first progress line of the Linux guest');
      return true;
    },
    async readCounters(fresh = false) {
      // The guest prints its counters every 0.5 s: a fresh reading is the next line it prints.
      const seen = printed();
      const deadline = performance.now() + timeouts.linuxFreshProgressMs;
      while (fresh && printed() === seen && !machine.exited && performance.now() < deadline) await sleep(50);
      return lastProgress(machine.serialText()) ?? [];
    },
    locate() {
      return { inLoopRange: false };
    },
    hung() {
      const serial = machine.serialText();
      hang ??= hangReport(serial) ?? silence.observe(printed(serial));
      return hang;
    },
    lastWords() {
      return crashReport(machine.serialText()) ?? hang;
    },
    serialExcerpt() {
      return consoleExcerpt(machine.serialText());
    },
  };
}

/** Notices a count that stops changing: how long it has stood still when that is longer than `limitMs`. */
export class SilenceWatch {
  private last: number | undefined;
  private since = performance.now();

  constructor(private readonly limitMs: number) {}

  observe(count: number, now = performance.now()): string | undefined {
    if (count !== this.last) {
      this.last = count;
      this.since = now;
      return undefined;
    }
    const silentMs = now - this.since;
    return silentMs > this.limitMs ? `the guest printed no progress line for ${Math.round(silentMs / 1000)} s (its kernel did not say why)` : undefined;
  }
}

/** Kernel modules providing /dev/kvm that cannot boot an unmodified Linux guest (PVM runs guests by shadow paging and emulation). */
const NO_LINUX_KVM_MODULES = ['kvm_pvm'];

/** The loaded KVM module that cannot boot a Linux guest, if this host's /dev/kvm comes from one. */
export function kvmWithoutLinuxGuests(sysModule = '/sys/module'): string | undefined {
  return NO_LINUX_KVM_MODULES.find((module) => fs.existsSync(path.join(sysModule, module)));
}

/** The kernel under test a run goes into (L1 under TCG) when this host's own KVM cannot run the suite's guest. */
export const NESTED_KERNEL = 'debian-6.1';

export class LinuxGuestHostError extends SlotlabError {
  constructor(suite: string, module: string) {
    super(
      'LINUX_GUEST_UNSUPPORTED',
      `suite ${suite} boots a Linux guest, and this host's /dev/kvm comes from ${module}, which cannot boot an unmodified Linux kernel; ` +
        `run it under a kernel under test (\`slotlab run ${suite} --kernel ${NESTED_KERNEL} ...\`, which \`slotlab run\` picks by itself on such a host)`,
    );
  }
}
