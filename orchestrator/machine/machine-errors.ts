import { SlotlabError } from '../errors.js';

/** Fields every process failure carries, like a result does. */
export interface ProcessFailure {
  command: string[];
  exitCode: number | undefined;
  signal: string | undefined;
  durationMs: number;
  outputTail: string;
}

export class QemuStartError extends SlotlabError implements ProcessFailure {
  readonly command: string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly durationMs: number;
  readonly outputTail: string;

  constructor(failure: ProcessFailure, what: string) {
    super(
      'QEMU_START_FAILED',
      `QEMU ${what} (exit code ${failure.exitCode ?? '-'}, signal ${failure.signal ?? '-'}, after ${failure.durationMs} ms).\n` +
        `Its output ends with:\n${indent(failure.outputTail)}\n` +
        `Command: ${failure.command.join(' ')}\n` +
        `Check that this QEMU build runs on this host (\`slotlab doctor\`), or fix the machine options in the suite.`,
    );
    this.command = failure.command;
    this.exitCode = failure.exitCode;
    this.signal = failure.signal;
    this.durationMs = failure.durationMs;
    this.outputTail = failure.outputTail;
  }
}

export class KvmUnavailableError extends SlotlabError {
  constructor(detail: string) {
    super(
      'KVM_UNAVAILABLE',
      `/dev/kvm is not usable: ${detail}. Run as root on a host with KVM (load kvm_intel or kvm_amd, enable virtualisation in firmware), then retry.`,
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
