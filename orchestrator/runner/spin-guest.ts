import type { ResolvedBuild } from '../builds/build-types.js';
import { SlotlabError } from '../errors.js';
import { SPIN, type Mailbox, type SpinConfig, decodeMailbox, loopRange, vcpuOfAddress } from '../images/spin-contract.js';
import type { Timeouts } from '../run-context.js';
import type { SpinGuest, Suite } from '../suites/suite-schema.js';
import type { GuestDriver } from './guest-driver.js';
import { spinMachine } from './spin-machine.js';

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

/** The spin image (or a user's multiboot image, which may ignore the contract: no banner, no mailbox). */
export function spinGuest(build: ResolvedBuild, suite: Suite, guest: SpinGuest, image: string, userImage: boolean, mutations: number, timeouts: Timeouts): SpinGuestDriver {
  const config: SpinConfig = {
    cpus: suite.machine.cpus,
    codeAddress: guest.codeAddress,
    codeStride: guest.codeStride,
    setupWrites: guest.setupWrites,
    pamGuest: suite.mutator.kind === 'pam-guest' ? { register: suite.mutator.register, values: suite.mutator.values, toggles: mutations } : undefined,
  };
  const machine = spinMachine(build, suite.machine, config, image, timeouts);
  const readMailbox = async () => decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));
  let progressKnown = true;
  return {
    machine,
    config,
    readMailbox,
    async boot() {
      await machine.launch();
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
      return true;
    },
    async readCounters() {
      return progressKnown ? (await readMailbox()).counters : [];
    },
    locate(ip) {
      const range = loopRange(config);
      return { vcpu: vcpuOfAddress(config, ip), inLoopRange: ip >= range.start && ip < range.end };
    },
  };
}
