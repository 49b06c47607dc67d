import type { QmpTranscript } from './qmp-transcript.js';

export interface QmpTimestamp {
  seconds: number;
  microseconds: number;
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: QmpTimestamp;
}

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface QmpClientOptions {
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
  /** Longest line accepted from the peer before the connection is declared broken. */
  maxLineBytes?: number;
  /** Events kept for `waitEvent` callers that start waiting late. */
  backlogLimit?: number;
  /** What the session noticed and went on from: a reply nobody waited for, a listener that threw. */
  log?: (message: string) => void;
  /** Records every exchange (the flight recorder); its last ones go into the session's errors. */
  transcript?: QmpTranscript;
}

export interface ExecuteOptions {
  timeoutMs?: number;
  /** Send as `exec-oob`; needs the `oob` capability negotiated. */
  oob?: boolean;
}
