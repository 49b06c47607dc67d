import { ProcessError, type ProcessFailure, SlotlabError } from '../errors.js';

export type { ProcessFailure } from '../errors.js';

export class QemuStartError extends ProcessError {
  constructor(failure: ProcessFailure, what: string) {
    super(
      'QEMU_START_FAILED',
      `QEMU ${what} (exit code ${failure.exitCode ?? '-'}, signal ${failure.signal ?? '-'}, after ${failure.durationMs} ms).\n` +
        `Its output ends with:\n${indent(failure.outputTail)}\n` +
        `Command: ${failure.command.join(' ')}\n` +
        `Check that this QEMU build runs on this host (\`slotlab doctor\`), or fix the machine options in the suite.`,
      failure,
    );
  }
}

/** QEMU started and ran the guest, which then went away (QEMU exited) before it was ready for mutations. */
export class GuestBootLostError extends ProcessError {
  /** `guestSays`: the guest's last words (e.g. a Linux kernel's panic lines), else its console's last lines. */
  constructor(failure: ProcessFailure, readonly waitingFor: string, guestSays: string) {
    super(
      'GUEST_BOOT_LOST',
      `QEMU ran the guest, and exited (exit code ${failure.exitCode ?? '-'}, signal ${failure.signal ?? '-'}, after ${failure.durationMs} ms) while slotlab was waiting for ${waitingFor}; no mutation had run.\n` +
        `The guest said last:\n${indent(guestSays)}\n` +
        `QEMU's output ends with:\n${indent(failure.outputTail)}\n` +
        `slotlab boots such an iteration again; if every boot is lost, check that this build boots the suite's guest (\`slotlab doctor\`).`,
      failure,
    );
  }
}

export class KvmUnavailableError extends SlotlabError {
  constructor(detail: string) {
    super(
      'KVM_UNAVAILABLE',
      `/dev/kvm is not usable: ${detail}. Run as root on a host with KVM (load kvm_intel or kvm_amd, enable virtualisation in firmware), then retry; ` +
        '`slotlab run` itself goes inside a kernel under test (L1 under TCG) on such a host.',
    );
  }
}

export class GuestTimeoutError extends SlotlabError {
  constructor(readonly waitingFor: string, readonly timeoutMs: number, outputTail: string) {
    super(
      'GUEST_TIMEOUT',
      `timed out after ${timeoutMs} ms waiting for ${waitingFor}. QEMU output ends with:\n${indent(outputTail)}\n` +
        `Rebuild the guest images (\`slotlab setup\`) or raise the boot timeout if the host is slow.`,
    );
  }
}

function indent(text: string): string {
  const trimmed = text.trim();
  return trimmed.length === 0 ? '  (nothing)' : trimmed.split('\n').map((line) => `  ${line}`).join('\n');
}
