import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ResolvedBuild } from '../builds/build-types.js';
import { sha256File } from '../builds/provenance.js';
import { SlotlabError } from '../errors.js';
import { LINUX_GUEST, consoleExcerpt, crashReport, hangReport, lastProgress, oopsReport } from '../images/linux-guest-image.js';
import { QemuMachine, sleep } from '../machine/machine.js';
import { GuestBootLostError, QemuStartError } from '../machine/machine-errors.js';
import { SavedStateError, incomingFrom } from '../machine/saved-state.js';
import type { Timeouts } from '../run-context.js';
import type { LinuxGuest, Suite } from '../suites/suite-schema.js';
import { plugDimm } from '../mutators/dimm-churn.js';
import { type GuestDriver, type GuestStart, StartClock, type StartReport } from './guest-driver.js';
import { SavedStart } from './saved-start.js';
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

/** Where a hot-plugged DIMM sat when the guest's state was saved: the restored machine has it on its command line there. */
const placedDimmSchema = z.object({ id: z.string(), sizeMiB: z.number(), node: z.number().optional(), addr: z.number(), slot: z.number() });
const linuxStateDetailsSchema = z.object({ dimms: z.array(placedDimmSchema) });
type PlacedDimm = z.infer<typeof placedDimmSchema>;

/** A DIMM plugged after boot, on the command line of a machine restored from a state that has it plugged. */
export function placedDimmArgs(dimms: readonly PlacedDimm[]): string[] {
  return dimms.flatMap((dimm) => [
    '-object',
    `memory-backend-ram,id=${dimm.id}-mem,size=${dimm.sizeMiB}M`,
    '-device',
    `pc-dimm,id=${dimm.id},memdev=${dimm.id}-mem,addr=0x${dimm.addr.toString(16)},slot=${dimm.slot}${dimm.node === undefined ? '' : `,node=${dimm.node}`}`,
  ]);
}

/**
 * A Linux guest (images/linux/init): boots, hot-plugs the suite's after-boot
 * DIMMs once init is up, and waits for its workers to run from node execNode.
 * Progress is its last `slotlab-guest: progress` line. With `start.mode`
 * restore, a guest whose state was saved for its inputs starts from it (its
 * after-boot DIMMs on the command line where they sat, then `-incoming`);
 * otherwise it boots and, at its first progress line, its state is saved.
 */
export function linuxGuest(build: ResolvedBuild, suite: Suite, guest: LinuxGuest, files: LinuxBoot, timeouts: Timeouts, start: GuestStart = { mode: 'boot' }, vcpuCpus: readonly number[] = []): GuestDriver {
  const config = { ...machineBase(build, suite.machine, suite.machine.cpus), kernel: files.vmlinux, initrd: files.initrd, append: linuxCommandLine(guest) };
  const waits = machineWaits(timeouts, vcpuCpus);
  const saved = SavedStart.of(start, build, config, () => linuxImageSha256(files));
  const report: StartReport = { how: 'booted' };
  const found = saved?.found();
  const placed = found ? linuxStateDetailsSchema.safeParse(found.details) : undefined;
  // A state whose details do not say where its DIMMs sat cannot be restored: the boot saves a new one.
  if (found && !placed?.success) report.note = `the saved state ${found.file} does not say where its hot-plugged DIMMs sat; booted instead`;
  const restoreFrom = found && placed?.success ? { file: found.file, dimms: placed.data.dimms } : undefined;
  let machine = new QemuMachine(
    restoreFrom ? { ...config, extraArgs: [...(config.extraArgs ?? []), ...placedDimmArgs(restoreFrom.dimms)], incoming: incomingFrom(restoreFrom.file) } : config,
    waits,
  );
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
  const firstProgress = new RegExp(LINUX_GUEST.progressPattern.source);

  const restore = async (file: string): Promise<boolean> => {
    const printing = async () => {
      await machine.waitSerial(firstProgress, timeouts.linuxFreshProgressMs, 'the first progress line of the restored Linux guest');
    };
    if (await saved!.restore(machine, file, timeouts.guestStateMs, report, 'first progress', printing)) return true;
    machine = new QemuMachine(config, waits);
    return false;
  };

  const boot = async (): Promise<boolean> => {
    const clock = new StartClock(report);
    await machine.launch();
    clock.mark('launch');
    await machine.cont();
    await expect(LINUX_GUEST.upPattern, 'the Linux guest\'s init ("slotlab-guest: up")');
    clock.mark('kernel boot to init');
    const afterBoot = suite.machine.dimms.filter((each) => each.plug === 'after-boot');
    for (const dimm of afterBoot) await plugDimm(machine.qmp, dimm);
    await expect(LINUX_GUEST.readyPattern, `the Linux guest's workers running from node ${guest.execNode} ("slotlab-guest: ready")`);
    clock.mark('memory online, workers ready');
    await waitBooting(firstProgress, 'the first progress line of the Linux guest');
    clock.mark('first progress');
    if (saved) {
      await saved.save(machine, timeouts.guestStateMs, report, async () => ({ dimms: await placedDimms(machine, afterBoot) }));
      clock.mark('save state');
    }
    return true;
  };

  return {
    get machine() {
      return machine;
    },
    async boot() {
      if (restoreFrom && (await restore(restoreFrom.file))) return true;
      return boot();
    },
    started: () => report,
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
      hang ??= hangReport(serial) ?? oopsReport(serial) ?? silence.observe(printed(serial));
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

/** The guest's image by content: its kernel and its initrd (whose file is written afresh for every run). */
function linuxImageSha256(files: LinuxBoot): string {
  return createHash('sha256').update(sha256File(files.vmlinux)).update(sha256File(files.initrd)).digest('hex');
}

/** Where QEMU placed the DIMMs plugged after boot (address, slot), read before the state is saved. */
async function placedDimms(machine: QemuMachine, dimms: readonly { id: string; sizeMiB: number; node?: number }[]): Promise<PlacedDimm[]> {
  const devices = await machine.qmp.execute<{ data: { id?: string; addr: number; slot: number } }[]>('query-memory-devices');
  return dimms.map((dimm) => {
    const device = devices.find((each) => each.data.id === dimm.id);
    if (!device) throw new SavedStateError(`DIMM ${dimm.id}, plugged after boot, is not among the machine's memory devices`);
    return { id: dimm.id, sizeMiB: dimm.sizeMiB, ...(dimm.node === undefined ? {} : { node: dimm.node }), addr: device.data.addr, slot: device.data.slot };
  });
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
