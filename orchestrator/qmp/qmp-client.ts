import net from 'node:net';
import { z } from 'zod';
import { matchesPattern } from './event-match.js';
import { LineReader } from './line-reader.js';
import { QmpCommandError, QmpDisconnectedError, QmpProtocolError, QmpTimeoutError } from './qmp-errors.js';
import type { ExecuteOptions, QmpClientOptions, QmpEvent, QmpGreeting } from './qmp-types.js';

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  name: string;
  match: unknown;
  resolve: (event: QmpEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type Message = Record<string, unknown>;

const DEFAULTS = { commandTimeoutMs: 10_000, maxLineBytes: 16 * 1024 * 1024, backlogLimit: 10_000 };

type Settings = Required<Omit<QmpClientOptions, 'transcript'>> & Pick<QmpClientOptions, 'transcript'>;

/** Every wait's default, the greeting's included (a machine passes its run context's qmpCommandMs). */
export function qmpDefaults(): Settings {
  return { ...DEFAULTS, log: () => undefined };
}

/** The greeting as the QMP spec gives it: `{"QMP": {"version": {"qemu": {...}, "package": ...}, "capabilities": [...]}}`. */
const greetingSchema = z.object({
  QMP: z.object({
    version: z.object({
      qemu: z.object({ major: z.number().int(), minor: z.number().int(), micro: z.number().int() }),
      package: z.string(),
    }),
    capabilities: z.array(z.string()),
  }),
});

/**
 * A QMP client over one stream socket: greeting, capability negotiation, commands
 * matched to replies by id, events with a backlog, typed failures.
 */
export class QmpClient {
  readonly greeting: QmpGreeting;
  private readonly options: Settings;
  private readonly pending = new Map<string, Pending>();
  /** Ids whose caller gave up waiting, with their command: a late reply is dropped (and recorded). */
  private readonly abandonedIds = new Map<string, string>();
  private readonly backlog: QmpEvent[] = [];
  private readonly waiters = new Set<EventWaiter>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private nextId = 1;
  private closedReason: string | undefined;
  private oobEnabled = false;

  private constructor(
    private readonly socket: net.Socket,
    greeting: QmpGreeting,
    private readonly reader: LineReader,
    early: string[],
    options: Settings,
  ) {
    this.greeting = greeting;
    this.options = options;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.fail(new QmpDisconnectedError('a reply', 'socket closed'), 'socket closed'));
    socket.on('error', (error) => this.fail(new QmpDisconnectedError('a reply', error.message), error.message));
    if (early.length > 0) queueMicrotask(() => this.onLines(early));
  }

  /** Connects to a QMP server socket (e.g. `-qmp unix:PATH,server=on`). */
  static connect(path: string, options: QmpClientOptions & { timeoutMs?: number } = {}): Promise<QmpClient> {
    const socket = net.createConnection(path);
    return QmpClient.fromSocket(socket, options);
  }

  /** Reads the greeting from an already connected socket (e.g. accepted from QEMU). */
  static fromSocket(socket: net.Socket, options: QmpClientOptions & { timeoutMs?: number } = {}): Promise<QmpClient> {
    const { timeoutMs, ...rest } = options;
    const settings = { ...qmpDefaults(), ...rest };
    const greetingTimeoutMs = timeoutMs ?? settings.commandTimeoutMs;
    const reader = new LineReader(settings.maxLineBytes);
    return new Promise((resolve, reject) => {
      const done = (error?: Error, client?: QmpClient) => {
        clearTimeout(timer);
        socket.off('data', onData).off('close', onClose).off('error', onError);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(client!);
      };
      const onData = (chunk: Buffer) => {
        const { lines, overflow } = reader.push(chunk);
        const first = lines.findIndex((line) => line.trim().length > 0);
        if (first < 0) {
          if (overflow) done(new QmpProtocolError(`greeting: ${overflow}`));
          return;
        }
        try {
          const greeting = parseGreeting(lines[first]!);
          const client = new QmpClient(socket, greeting, reader, lines.slice(first + 1), settings);
          done(undefined, client);
          if (overflow) client.protocolError(overflow);
        } catch (error) {
          done(error as Error);
        }
      };
      const onClose = () =>
        done(
          reader.partial.length > 0
            ? new QmpProtocolError(`connection closed in the middle of the greeting: ${JSON.stringify(reader.partial.slice(0, 200))}`)
            : new QmpDisconnectedError('the QMP greeting', 'closed before any data'),
        );
      const onError = (error: Error) => done(new QmpDisconnectedError('the QMP greeting', error.message));
      const timer = setTimeout(() => done(new QmpTimeoutError('the QMP greeting', greetingTimeoutMs)), greetingTimeoutMs);
      socket.on('data', onData).on('close', onClose).on('error', onError);
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** `qmp_capabilities`, enabling `oob` when asked and offered by the server. */
  async negotiate(options: { oob?: boolean } = {}): Promise<void> {
    const wantOob = options.oob === true && this.greeting.capabilities.includes('oob');
    await this.execute('qmp_capabilities', wantOob ? { enable: ['oob'] } : undefined);
    this.oobEnabled = wantOob;
  }

  get oob(): boolean {
    return this.oobEnabled;
  }

  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<T> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new QmpDisconnectedError(`the reply to '${command}'`, this.closedReason, this.callLog()));
    }
    if (options.oob && !this.oobEnabled) {
      return Promise.reject(new QmpProtocolError(`'${command}' sent out-of-band but the oob capability is not enabled`));
    }
    const id = `slotlab-${this.nextId++}`;
    const message: Message = { [options.oob ? 'exec-oob' : 'execute']: command, id };
    if (args !== undefined) message.arguments = args;
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.abandonedIds.set(id, command);
        reject(new QmpTimeoutError(`the reply to QMP command '${command}'`, timeoutMs, this.callLog()));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify(message) + '\n');
      this.options.transcript?.record({ kind: 'command', id, command, ...(args === undefined ? {} : { arguments: args }), ...(options.oob ? { oob: true as const } : {}) });
    });
  }

  executeOob<T = unknown>(command: string, args?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<T> {
    return this.execute<T>(command, args, { ...options, oob: true });
  }

  /** Runs an HMP command line through `human-monitor-command` (on vCPU `cpuIndex` when given) and returns its text output. */
  hmp(commandLine: string, options: ExecuteOptions & { cpuIndex?: number } = {}): Promise<string> {
    const { cpuIndex, ...execute } = options;
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine, ...(cpuIndex === undefined ? {} : { 'cpu-index': cpuIndex }) }, execute);
  }

  /**
   * Resolves with the first event called `name` whose data matches `match`,
   * taking it from the backlog if it already arrived. Each event satisfies one wait.
   */
  waitEvent(name: string, match: Record<string, unknown> = {}, options: { timeoutMs?: number } = {}): Promise<QmpEvent> {
    const index = this.backlog.findIndex((event) => event.event === name && matchesPattern(event.data, match));
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0]!);
    const what = `QMP event ${name}${Object.keys(match).length ? ` matching ${JSON.stringify(match)}` : ''}`;
    if (this.closedReason !== undefined) return Promise.reject(new QmpDisconnectedError(what, this.closedReason, this.callLog()));
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        name,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new QmpTimeoutError(what, timeoutMs, this.callLog()));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Events received and not yet taken by `waitEvent`, oldest first. */
  events(): readonly QmpEvent[] {
    return this.backlog;
  }

  clearEvents(): void {
    this.backlog.length = 0;
  }

  /** Hears every event as it arrives; a listener that throws is logged and kept, it cannot break the session. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Hears once why the session ended (the peer closed, a protocol violation, close()); at once if it already has. */
  onClose(listener: (reason: string) => void): () => void {
    if (this.closedReason !== undefined) {
      this.notify(listener, this.closedReason, 'close listener');
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(): void {
    this.socket.destroy();
    this.fail(new QmpDisconnectedError('a reply', 'closed by slotlab'), 'closed by slotlab');
  }

  /** Resolves once the peer has closed the socket (e.g. after `quit`). */
  waitClosed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  private onData(chunk: Buffer): void {
    if (this.closedReason !== undefined) return;
    const { lines, overflow } = this.reader.push(chunk);
    this.onLines(lines);
    if (overflow) this.protocolError(overflow);
  }

  private onLines(lines: string[]): void {
    for (const line of lines) {
      if (this.closedReason !== undefined) return;
      const trimmed = line.trim();
      if (trimmed.length > 0) this.onLine(trimmed);
    }
  }

  private onLine(line: string): void {
    let message: Message;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Message;
    } catch {
      this.protocolError(`not a JSON object: ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    if (typeof message.event === 'string') {
      this.onEventMessage(message);
      return;
    }
    const id = message.id;
    if (typeof id !== 'string') {
      this.protocolError(`reply without a known id: ${JSON.stringify(line.slice(0, 200))}`);
      return;
    }
    const abandoned = this.abandonedIds.get(id);
    if (abandoned !== undefined) {
      this.abandonedIds.delete(id);
      this.options.transcript?.record({ kind: 'reply', id, command: abandoned, ...replyOutcome(message), late: true });
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) {
      // Nobody waits for it (another client's id, or a duplicate): dropped, as python qemu.qmp does.
      this.options.log(`QMP reply with unknown id ${JSON.stringify(id)} dropped: ${line.slice(0, 200)}`);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    const outcome = replyOutcome(message);
    this.options.transcript?.record({ kind: 'reply', id, command: pending.command, ...outcome });
    if ('return' in message) {
      pending.resolve(message.return);
    } else if (outcome.error) {
      pending.reject(new QmpCommandError(pending.command, outcome.error.class, outcome.error.desc, this.callLog()));
    } else {
      pending.reject(new QmpProtocolError(`reply to '${pending.command}' has neither return nor error`, this.callLog()));
    }
  }

  private onEventMessage(message: Message): void {
    const event: QmpEvent = {
      event: message.event as string,
      data: (message.data as Record<string, unknown> | undefined) ?? {},
      timestamp: (message.timestamp as QmpEvent['timestamp'] | undefined) ?? { seconds: 0, microseconds: 0 },
    };
    this.options.transcript?.record({ kind: 'event', event: event.event, data: event.data });
    for (const listener of this.listeners) this.notify(listener, event, `listener for ${event.event}`);
    for (const waiter of this.waiters) {
      if (waiter.name === event.event && matchesPattern(event.data, waiter.match)) {
        this.waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(event);
        return;
      }
    }
    this.backlog.push(event);
    if (this.backlog.length > this.options.backlogLimit) this.backlog.shift();
  }

  private notify<T>(listener: (value: T) => void, value: T, what: string): void {
    try {
      listener(value);
    } catch (error) {
      this.options.log(`QMP ${what} threw, ignored: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  /** The transcript's last exchanges, for an error message (none without a transcript). */
  private callLog(): string | undefined {
    return this.options.transcript?.callLog();
  }

  private protocolError(detail: string): void {
    const error = new QmpProtocolError(detail, this.callLog());
    this.socket.destroy();
    this.fail(error, error.message);
  }

  private fail(error: Error, reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.options.transcript?.record({ kind: 'closed', reason });
    const callLog = this.callLog();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(
        error instanceof QmpDisconnectedError
          ? new QmpDisconnectedError(`the reply to QMP command '${pending.command}'`, reason, callLog)
          : error,
      );
    }
    this.pending.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(
        error instanceof QmpDisconnectedError ? new QmpDisconnectedError(`QMP event ${waiter.name}`, reason, callLog) : error,
      );
    }
    this.waiters.clear();
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) this.notify(listener, reason, 'close listener');
  }
}

/** What a reply says, as the transcript keeps it. */
function replyOutcome(message: Message): { return?: unknown; error?: { class: string; desc: string } } {
  if ('return' in message) return { return: message.return };
  if (message.error && typeof message.error === 'object') {
    const error = message.error as { class?: unknown; desc?: unknown };
    return { error: { class: String(error.class ?? 'GenericError'), desc: String(error.desc ?? '') } };
  }
  return {};
}

function parseGreeting(line: string): QmpGreeting {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new QmpProtocolError(`greeting is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const result = greetingSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `field ${issue.path.join('.')}: ${issue.message}` : issue.message;
    throw new QmpProtocolError(`first message is not a QMP greeting (${where}): ${JSON.stringify(line.slice(0, 200))}`);
  }
  return result.data.QMP;
}
