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

/** What execa reports of a finished process (reject: false), the fields a failure needs. */
export interface FinishedProcess {
  command: string;
  exitCode?: number;
  signal?: string;
  durationMs: number;
  all?: unknown;
  stderr?: unknown;
}

/** The one mapping from a process execa ran to the failure shape every process error carries. */
export function processFailure(result: FinishedProcess, options: { argv?: string[]; tailLines?: number; logFile?: string } = {}): ProcessFailure {
  const output = String(result.all ?? result.stderr ?? '');
  return {
    command: options.argv ?? result.command.split(' '),
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: Math.round(result.durationMs),
    outputTail: output.split('\n').slice(-(options.tailLines ?? 12)).join('\n'),
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
  };
}

/** A failure of something that did not run as a process (a check before it), in the same shape. */
export function noProcess(outputTail: string): ProcessFailure {
  return { command: [], exitCode: undefined, signal: undefined, durationMs: 0, outputTail };
}
