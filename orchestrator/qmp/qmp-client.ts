import net from 'node:net';
import { matchesPattern } from './event-match.js';
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

/**
 * A QMP client over one stream socket: greeting, capability negotiation, commands
 * matched to replies by id, events with a backlog, typed failures.
 */
export class QmpClient {
  readonly greeting: QmpGreeting;
  private readonly options: Required<QmpClientOptions>;
  private readonly pending = new Map<string, Pending>();
  private readonly abandonedIds = new Set<string>();
  private readonly backlog: QmpEvent[] = [];
  private readonly waiters = new Set<EventWaiter>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private nextId = 1;
  private closedReason: string | undefined;
  private oobEnabled = false;

  private constructor(
    private readonly socket: net.Socket,
    greeting: QmpGreeting,
    private buffer: string,
    options: QmpClientOptions,
  ) {
    this.greeting = greeting;
    this.options = { ...DEFAULTS, ...options };
    socket.on('data', (chunk: Buffer) => this.onData(chunk.toString('utf8')));
    socket.on('close', () => this.fail(new QmpDisconnectedError('a reply', 'socket closed'), 'socket closed'));
    socket.on('error', (error) => this.fail(new QmpDisconnectedError('a reply', error.message), error.message));
    if (this.buffer.length > 0) queueMicrotask(() => this.onData(''));
  }

  /** Connects to a QMP server socket (e.g. `-qmp unix:PATH,server=on`). */
  static connect(path: string, options: QmpClientOptions & { timeoutMs?: number } = {}): Promise<QmpClient> {
    const socket = net.createConnection(path);
    return QmpClient.fromSocket(socket, options);
  }

  /** Reads the greeting from an already connected socket (e.g. accepted from QEMU). */
  static fromSocket(socket: net.Socket, options: QmpClientOptions & { timeoutMs?: number } = {}): Promise<QmpClient> {
    const maxLineBytes = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
    const timeoutMs = options.timeoutMs ?? DEFAULTS.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      let received = '';
      const done = (error?: Error, client?: QmpClient) => {
        clearTimeout(timer);
        socket.off('data', onData).off('close', onClose).off('error', onError);
        if (error) {
          socket.destroy();
          reject(error);
        } else resolve(client!);
      };
      const onData = (chunk: Buffer) => {
        received += chunk.toString('utf8');
        const newline = received.indexOf('\n');
        if (newline < 0) {
          if (received.length > maxLineBytes) done(new QmpProtocolError(`greeting longer than ${maxLineBytes} bytes`));
          return;
        }
        const line = received.slice(0, newline);
        try {
          const greeting = parseGreeting(line);
          done(undefined, new QmpClient(socket, greeting, received.slice(newline + 1), options));
        } catch (error) {
          done(error as Error);
        }
      };
      const onClose = () =>
        done(
          received.length > 0
            ? new QmpProtocolError(`connection closed in the middle of the greeting: ${JSON.stringify(received.slice(0, 200))}`)
            : new QmpDisconnectedError('the QMP greeting', 'closed before any data'),
        );
      const onError = (error: Error) => done(new QmpDisconnectedError('the QMP greeting', error.message));
      const timer = setTimeout(() => done(new QmpTimeoutError('the QMP greeting', timeoutMs)), timeoutMs);
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
      return Promise.reject(new QmpDisconnectedError(`the reply to '${command}'`, this.closedReason));
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
        this.abandonedIds.add(id);
        reject(new QmpTimeoutError(`the reply to QMP command '${command}'`, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (value: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify(message) + '\n');
    });
  }

  executeOob<T = unknown>(command: string, args?: Record<string, unknown>, options: ExecuteOptions = {}): Promise<T> {
    return this.execute<T>(command, args, { ...options, oob: true });
  }

  /** Runs an HMP command line through `human-monitor-command` and returns its text output. */
  hmp(commandLine: string, options: ExecuteOptions = {}): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine }, options);
  }

  /**
   * Resolves with the first event called `name` whose data matches `match`,
   * taking it from the backlog if it already arrived. Each event satisfies one wait.
   */
  waitEvent(name: string, match: Record<string, unknown> = {}, options: { timeoutMs?: number } = {}): Promise<QmpEvent> {
    const index = this.backlog.findIndex((event) => event.event === name && matchesPattern(event.data, match));
    if (index >= 0) return Promise.resolve(this.backlog.splice(index, 1)[0]!);
    const what = `QMP event ${name}${Object.keys(match).length ? ` matching ${JSON.stringify(match)}` : ''}`;
    if (this.closedReason !== undefined) return Promise.reject(new QmpDisconnectedError(what, this.closedReason));
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        name,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new QmpTimeoutError(what, timeoutMs));
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

  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
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

  private onData(text: string): void {
    this.buffer += text;
    let newline: number;
    while (this.closedReason === undefined && (newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line.length > this.options.maxLineBytes) {
        this.protocolError(`a line of ${line.length} bytes exceeds the limit of ${this.options.maxLineBytes}`);
        return;
      }
      if (line.length > 0) this.onLine(line);
    }
    if (this.buffer.length > this.options.maxLineBytes) {
      this.protocolError(`more than ${this.options.maxLineBytes} bytes without a newline`);
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
    if (this.abandonedIds.delete(id)) return;
    const pending = this.pending.get(id);
    if (!pending) {
      this.protocolError(`reply with unknown id ${JSON.stringify(id)}`);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if ('return' in message) {
      pending.resolve(message.return);
    } else if (message.error && typeof message.error === 'object') {
      const error = message.error as { class?: unknown; desc?: unknown };
      pending.reject(new QmpCommandError(pending.command, String(error.class ?? 'GenericError'), String(error.desc ?? '')));
    } else {
      pending.reject(new QmpProtocolError(`reply to '${pending.command}' has neither return nor error`));
    }
  }

  private onEventMessage(message: Message): void {
    const event: QmpEvent = {
      event: message.event as string,
      data: (message.data as Record<string, unknown> | undefined) ?? {},
      timestamp: (message.timestamp as QmpEvent['timestamp'] | undefined) ?? { seconds: 0, microseconds: 0 },
    };
    for (const listener of this.listeners) listener(event);
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

  private protocolError(detail: string): void {
    const error = new QmpProtocolError(detail);
    this.socket.destroy();
    this.fail(error, error.message);
  }

  private fail(error: Error, reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(
        error instanceof QmpDisconnectedError
          ? new QmpDisconnectedError(`the reply to QMP command '${pending.command}'`, reason)
          : error,
      );
    }
    this.pending.clear();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(
        error instanceof QmpDisconnectedError ? new QmpDisconnectedError(`QMP event ${waiter.name}`, reason) : error,
      );
    }
    this.waiters.clear();
  }
}

function parseGreeting(line: string): QmpGreeting {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new QmpProtocolError(`greeting is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const qmp = (parsed as { QMP?: { version?: unknown; capabilities?: unknown } } | null)?.QMP;
  if (!qmp || typeof qmp.version !== 'object' || !Array.isArray(qmp.capabilities)) {
    throw new QmpProtocolError(`first message is not a QMP greeting: ${JSON.stringify(line.slice(0, 200))}`);
  }
  return { version: qmp.version as QmpGreeting['version'], capabilities: qmp.capabilities.map(String) };
}
