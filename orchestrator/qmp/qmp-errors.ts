import { SlotlabError } from '../errors.js';

/** The session's last exchanges (QmpTranscript.callLog), after the message on lines of their own. */
const withCallLog = (message: string, callLog: string | undefined) => (callLog ? `${message}\n${callLog}` : message);

/** QEMU answered a command with `{"error": ...}`. */
export class QmpCommandError extends SlotlabError {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
    readonly callLog?: string,
  ) {
    super('QMP_COMMAND_ERROR', withCallLog(`QMP command '${command}' failed: ${errorClass}: ${desc}`, callLog));
  }
}

/** Nothing arrived in time; `waitingFor` names the command or event. */
export class QmpTimeoutError extends SlotlabError {
  constructor(
    readonly waitingFor: string,
    readonly timeoutMs: number,
    readonly callLog?: string,
  ) {
    super(
      'QMP_TIMEOUT',
      withCallLog(`timed out after ${timeoutMs} ms waiting for ${waitingFor}; QEMU may be hung or too busy: check its stderr, or raise the timeout`, callLog),
    );
  }
}

/** The socket closed while something was still expected from it. */
export class QmpDisconnectedError extends SlotlabError {
  constructor(
    readonly waitingFor: string,
    reason: string,
    readonly callLog?: string,
  ) {
    super(
      'QMP_DISCONNECTED',
      withCallLog(`QMP connection closed (${reason}) while waiting for ${waitingFor}; QEMU probably exited: see its stderr for why`, callLog),
    );
  }
}

/** The peer broke the QMP protocol (bad JSON, unknown id, oversized line, bad greeting). */
export class QmpProtocolError extends SlotlabError {
  constructor(
    detail: string,
    readonly callLog?: string,
  ) {
    super(
      'QMP_PROTOCOL',
      withCallLog(`QMP protocol violation: ${detail}; the peer is not a working QMP server, check the socket path and the QEMU build`, callLog),
    );
  }
}
