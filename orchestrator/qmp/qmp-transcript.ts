/**
 * A QMP session's flight recorder: every command sent, every reply and event
 * received, with the time since QEMU was launched (monotonic, ms). Bounded for
 * long sessions: the first `keepFirst` and the last `keepLast` exchanges are
 * kept, and how many fell in between.
 */
export type TranscriptEntry =
  | { t: number; kind: 'command'; id: string; command: string; arguments?: Record<string, unknown>; oob?: true }
  | { t: number; kind: 'reply'; id: string; command: string; return?: unknown; error?: { class: string; desc: string }; late?: true }
  | { t: number; kind: 'event'; event: string; data: Record<string, unknown> }
  | { t: number; kind: 'closed'; reason: string }
  /** The harness's own note on the timeline, e.g. where the mutations start and end. */
  | { t: number; kind: 'mark'; label: string };

type Untimed<T> = T extends unknown ? Omit<T, 't'> : never;

export interface TranscriptOptions {
  keepFirst?: number;
  keepLast?: number;
  /** performance.now() at QEMU's launch: entry times count from there. */
  origin?: number;
  /** Replies and event data longer than this (as JSON) are cut; commands are always kept whole. */
  maxPayloadChars?: number;
}

/** The first line of a transcript file: what it holds and what it left out. */
export interface TranscriptHeader {
  kind: 'transcript';
  version: 1;
  entries: number;
  dropped: number;
  keepFirst: number;
  keepLast: number;
}

export class QmpTranscript {
  private readonly first: TranscriptEntry[] = [];
  private readonly last: TranscriptEntry[] = [];
  private total = 0;
  readonly keepFirst: number;
  readonly keepLast: number;
  private readonly origin: number;
  private readonly maxPayloadChars: number;

  constructor(options: TranscriptOptions = {}) {
    this.keepFirst = options.keepFirst ?? 500;
    this.keepLast = options.keepLast ?? 500;
    this.origin = options.origin ?? performance.now();
    this.maxPayloadChars = options.maxPayloadChars ?? 2048;
  }

  record(entry: Untimed<TranscriptEntry>): void {
    const timed = { t: Math.round((performance.now() - this.origin) * 1000) / 1000, ...this.bounded(entry) } as TranscriptEntry;
    this.total++;
    if (this.first.length < this.keepFirst) {
      this.first.push(timed);
      return;
    }
    this.last.push(timed);
    if (this.last.length > this.keepLast) this.last.shift();
  }

  /** Exchanges recorded, kept or not. */
  get count(): number {
    return this.total;
  }

  get dropped(): number {
    return this.total - this.first.length - this.last.length;
  }

  /** The kept entries, oldest first (the gap, if any, lies between the first and the last ones). */
  entries(): TranscriptEntry[] {
    return [...this.first, ...this.last];
  }

  /** The commands sent, in order, among the kept entries. */
  commands(): Extract<TranscriptEntry, { kind: 'command' }>[] {
    return this.entries().filter((entry): entry is Extract<TranscriptEntry, { kind: 'command' }> => entry.kind === 'command');
  }

  /** The last `n` entries as lines for an error message, like a browser driver's call log. */
  callLog(n = 8): string {
    const all = this.entries();
    const tail = all.slice(-n);
    const lines = tail.map((entry) => `  ${formatTime(entry.t)} ${describe(entry)}`);
    return `QMP call log (last ${tail.length} of ${this.total} exchanges, ms since QEMU's launch):\n${lines.join('\n')}`;
  }

  /** JSON lines: the header, then one entry per line. */
  toJsonl(): string {
    const header: TranscriptHeader = { kind: 'transcript', version: 1, entries: this.first.length + this.last.length, dropped: this.dropped, keepFirst: this.keepFirst, keepLast: this.keepLast };
    return [header, ...this.entries()].map((line) => JSON.stringify(line)).join('\n') + '\n';
  }

  private bounded(entry: Untimed<TranscriptEntry>): Untimed<TranscriptEntry> {
    if (entry.kind === 'reply' && entry.return !== undefined) return { ...entry, return: this.cut(entry.return) };
    if (entry.kind === 'event') return { ...entry, data: this.cut(entry.data) as Record<string, unknown> };
    return entry;
  }

  private cut(value: unknown): unknown {
    const text = JSON.stringify(value) ?? 'null';
    if (text.length <= this.maxPayloadChars) return value;
    return { truncated: true, chars: text.length, head: text.slice(0, this.maxPayloadChars) };
  }
}

/** Parses a transcript file written by toJsonl. */
export function parseTranscript(text: string): { header: TranscriptHeader; entries: TranscriptEntry[] } {
  const [first, ...rest] = text.split('\n').filter((line) => line.trim());
  const header = JSON.parse(first ?? '{}') as TranscriptHeader;
  if (header.kind !== 'transcript') throw new Error('not a QMP transcript: its first line is not a transcript header');
  return { header, entries: rest.map((line) => JSON.parse(line) as TranscriptEntry) };
}

function formatTime(t: number): string {
  return `+${t.toFixed(1).padStart(9)}`;
}

function describe(entry: TranscriptEntry): string {
  const short = (value: unknown) => {
    const text = JSON.stringify(value) ?? '';
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
  };
  switch (entry.kind) {
    case 'command':
      return `-> ${entry.command}${entry.arguments ? ` ${short(entry.arguments)}` : ''} (${entry.id})`;
    case 'reply':
      return `<- ${entry.command}: ${entry.error ? `error ${entry.error.class}: ${entry.error.desc}` : short(entry.return)}${entry.late ? ' (late, its caller had given up)' : ''}`;
    case 'event':
      return `<- event ${entry.event} ${short(entry.data)}`;
    case 'closed':
      return `-- connection closed: ${entry.reason}`;
    case 'mark':
      return `-- ${entry.label}`;
  }
}
