import { SlotlabError } from '../errors.js';

/** QEMU answered a command with `{"error": ...}`. */
export class QmpCommandError extends SlotlabError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super('QMP_COMMAND_ERROR', `QMP command '${command}' failed: ${errorClass}: ${desc}`);
  }
}

/** Nothing arrived in time; `waitingFor` names the command or event. */
export class QmpTimeoutError extends SlotlabError {
  constructor(
    readonly waitingFor: string,
    readonly timeoutMs: number,
  ) {
    super(
      'QMP_TIMEOUT',
      `timed out after ${timeoutMs} ms waiting for ${waitingFor}; QEMU may be hung or too busy: check its stderr, or raise the timeout`,
    );
  }
}

/** The socket closed while something was still expected from it. */
export class QmpDisconnectedError extends SlotlabError {
  constructor(readonly waitingFor: string, reason: string) {
    super(
      'QMP_DISCONNECTED',
      `QMP connection closed (${reason}) while waiting for ${waitingFor}; QEMU probably exited: see its stderr for why`,
    );
  }
}

/** The peer broke the QMP protocol (bad JSON, unknown id, oversized line, bad greeting). */
export class QmpProtocolError extends SlotlabError {
  constructor(detail: string) {
    super(
      'QMP_PROTOCOL',
      `QMP protocol violation: ${detail}; the peer is not a working QMP server, check the socket path and the QEMU build`,
    );
  }
}
