import type { ResolvedBuild } from '../builds/build-types.js';
import { sha256File } from '../builds/provenance.js';
import { SlotlabError } from '../errors.js';
import { SPIN, type Mailbox, type SpinConfig, decodeMailbox, decodeStalls, loopAddress, loopRange, vcpuOfAddress } from '../images/spin-contract.js';
import { QemuMachine } from '../machine/machine.js';
import { SavedStateError, incomingFrom } from '../machine/saved-state.js';
import type { Timeouts } from '../run-context.js';
import type { SpinGuest, Suite } from '../suites/suite-schema.js';
import { type GuestDriver, type GuestStart, StartClock, type StartReport } from './guest-driver.js';
import { SavedStart } from './saved-start.js';
import { machineWaits, spinMachineConfig } from './spin-machine.js';

const USER_IMAGE_GRACE_SECONDS = 15;

/** The suite puts code above 4 GiB, which the spin guest reaches with paging, and this host's KVM refuses guest paging. */
export class GuestPagingError extends SlotlabError {
  constructor(codeAddress: number) {
    super(
      'GUEST_PAGING_UNAVAILABLE',
      `the guest reports that this host's KVM refuses guest paging (#GP when it sets CR0.PG), so its code at 0x${codeAddress.toString(16)} (above 4 GiB) cannot run here; ` +
        'run this suite on a host whose KVM runs paged guests (the same image runs under TCG), or move guest.codeAddress below 4 GiB',
    );
  }
}

export interface SpinGuestDriver extends GuestDriver {
  config: SpinConfig;
  readMailbox(): Promise<Mailbox>;
}

/**
 * The spin image (or a user's multiboot image, which may ignore the contract:
 * no banner, no mailbox). With `start.mode` restore, the guest starts from the
 * state saved for its inputs when there is one (QEMU -incoming, then cont);
 * otherwise it boots, and once every vCPU spins its state is saved for the
 * next iterations. A restore that fails is dropped and the guest boots.
 */
export function spinGuest(
  build: ResolvedBuild,
  suite: Suite,
  guest: SpinGuest,
  image: string,
  userImage: boolean,
  mutations: number,
  timeouts: Timeouts,
  start: GuestStart = { mode: 'boot' },
  vcpuCpus: readonly number[] = [],
): SpinGuestDriver {
  const config: SpinConfig = {
    cpus: suite.machine.cpus,
    codeAddress: guest.codeAddress,
    codeStride: guest.codeStride,
    setupWrites: guest.setupWrites,
    pamGuest: suite.mutator.kind === 'pam-guest' ? { register: suite.mutator.register, values: suite.mutator.values, toggles: mutations } : undefined,
    weeds: suite.mutator.kind === 'weeds' && !userImage ? { vcpu: suite.mutator.vcpu, address: suite.mutator.address } : undefined,
    pageTables: guest.pageTables,
    stalls: guest.stalls,
  };
  const machineConfig = spinMachineConfig(build, suite.machine, config, image);
  const waits = machineWaits(timeouts, vcpuCpus);
  const saved = userImage ? undefined : SavedStart.of(start, build, machineConfig, () => sha256File(image));
  const restoreFrom = saved?.found()?.file;
  let machine = new QemuMachine(restoreFrom ? { ...machineConfig, incoming: incomingFrom(restoreFrom) } : machineConfig, waits);
  const readMailbox = async () => decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  let progressKnown = true;
  const report: StartReport = { how: 'booted' };

  const restore = async (file: string): Promise<boolean> => {
    const everyVcpuRuns = async () => {
      if (!(await readMailbox()).ready) throw new SavedStateError("the restored guest's mailbox does not say every vCPU runs");
    };
    if (await saved!.restore(machine, file, timeouts.guestStateMs, report, 'every vCPU spinning', everyVcpuRuns)) return true;
    machine = new QemuMachine(machineConfig, waits);
    return false;
  };

  const boot = async (): Promise<boolean> => {
    const clock = new StartClock(report);
    await machine.launch();
    clock.mark('launch');
    await machine.cont();
    if (userImage) {
      const graceMs = Math.min(guest.bootTimeoutSeconds, USER_IMAGE_GRACE_SECONDS) * 1000;
      await machine.waitSerial(SPIN.bannerPattern, graceMs, 'the spin banner from the user image').catch(() => undefined);
      progressKnown = (await readMailbox()).ready;
      return progressKnown;
    }
    const bannerOrNoPaging = new RegExp(`${SPIN.bannerPattern.source}|${SPIN.noPagingPattern.source}`);
    const line = await machine.waitSerial(bannerOrNoPaging, timeouts.scaled(guest.bootTimeoutSeconds * 1000), 'the spin banner on serial (every vCPU running)');
    if (SPIN.noPagingPattern.test(line[0])) throw new GuestPagingError(config.codeAddress);
    clock.mark('firmware and image to every vCPU spinning');
    if (saved) {
      await saved.save(machine, timeouts.guestStateMs, report);
      clock.mark('save state');
    }
    return true;
  };

  return {
    get machine() {
      return machine;
    },
    config,
    userImage,
    readMailbox,
    async readStalls() {
      if (!progressKnown || !config.stalls) return [];
      return decodeStalls(await machine.readGuestMemory(SPIN.stallsAddress, config.cpus * SPIN.stallRecordBytes), config.cpus);
    },
    async boot() {
      if (restoreFrom && (await restore(restoreFrom))) return true;
      return boot();
    },
    started: () => report,
    async readCounters() {
      return progressKnown ? (await readMailbox()).counters : [];
    },
    ownPages() {
      return userImage ? [] : Array.from({ length: config.cpus }, (_, vcpu) => ({ vcpu, address: loopAddress(config) + vcpu * config.codeStride }));
    },
    locate(ip) {
      const range = loopRange(config);
      return { vcpu: vcpuOfAddress(config, ip), inLoopRange: ip >= range.start && ip < range.end };
    },
  };
}
