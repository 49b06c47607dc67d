/** Base of every error slotlab raises on purpose: a stable `code` and a message that says what to do. */
export class SlotlabError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What every failed process says of itself, like a result does (execa's fields, mapped once). */
export interface ProcessFailure {
  command: string[];
  exitCode: number | undefined;
  signal: string | undefined;
  durationMs: number;
  outputTail: string;
  /** Where its whole output is, when it was logged to a file. */
  logFile?: string;
}

/** Base of every error about a process slotlab ran (QEMU, a build step): the failure's fields on the error. */
export class ProcessError extends SlotlabError implements ProcessFailure {
  readonly command: string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly durationMs: number;
  readonly outputTail: string;
  readonly logFile: string | undefined;

  constructor(code: string, message: string, failure: ProcessFailure) {
    super(code, message);
    this.command = failure.command;
    this.exitCode = failure.exitCode;
    this.signal = failure.signal;
    this.durationMs = failure.durationMs;
    this.outputTail = failure.outputTail;
    this.logFile = failure.logFile;
  }
}
