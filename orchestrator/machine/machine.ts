import { type PinnedVcpu, pinVcpus } from './vcpu-pinning.js';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { QmpClient } from '../qmp/qmp-client.js';
import { QmpTranscript } from '../qmp/qmp-transcript.js';
import { GuestTimeoutError, KvmUnavailableError, QemuStartError } from './machine-errors.js';
import type { ExitInfo, MachineConfig, MachinePaths, RunStatus } from './machine-types.js';
import { type QemuProcess, launchQemu } from './qemu-process.js';
import { buildQemuArgs, fwCfgPath } from './qemu-args.js';
import { RingBuffer } from './ring-buffer.js';
import { RunStateWatch } from './run-state-watch.js';

export interface MachineOptions {
  /** How long QEMU may take to connect to the QMP socket. */
  launchTimeoutMs?: number;
  stderrLimitBytes?: number;
  commandTimeoutMs?: number;
  /** From `quit` to QEMU's exit before it is killed. */
  shutdownTimeoutMs?: number;
  /** Keep the QMP transcript (the flight recorder); off only to measure what it costs. */
  recordQmp?: boolean;
  /** Pin vCPU i's thread to CPU vcpuCpus[i] once QMP is up (`run --jobs`); empty: the scheduler places them. */
  vcpuCpus?: readonly number[];
}

export interface ShutdownResult extends ExitInfo {
  /** False when QEMU ignored `quit` and had to be SIGKILLed. */
  graceful: boolean;
  /** graceful: QEMU quit when asked; killed: it did not within the timeout (a hung QEMU, possibly the race itself); exited: it was gone already. */
  how: 'graceful' | 'killed' | 'exited';
  /** From the start of shutdown to QEMU's exit. */
  durationMs: number;
}

/**
 * One QEMU process driven through QMP: launch (paused, QMP on a private unix
 * socket), cont, run state, guest memory, serial output, shutdown (quit, wait, kill).
 */
export class QemuMachine {
  readonly paths: MachinePaths;
  readonly output: RingBuffer;
  private child: QemuProcess | undefined;
  private exitInfo: ExitInfo | undefined;
  private exitPromise: Promise<ExitInfo> | undefined;
  private client: QmpClient | undefined;
  private launchedAt = 0;
  /** performance.now() at the steps of launch(): QEMU spawned, connected to QMP, QMP negotiated (the bench reads them). */
  readonly timings: { spawned?: number; connected?: number; qmpReady?: number } = {};
  /** What the QMP session noticed and went on from (a reply nobody waited for, a listener that threw). */
  readonly qmpNotes: string[] = [];
  /** Every QMP exchange since launch (the flight recorder); replaced at each launch. */
  transcript = new QmpTranscript();
  private readonly options: Required<MachineOptions>;
  argv: string[] = [];
  /** Where launch() pinned the vCPU threads (MachineOptions.vcpuCpus). */
  pinned: PinnedVcpu[] = [];

  constructor(
    readonly config: MachineConfig,
    options: MachineOptions = {},
  ) {
    this.options = { launchTimeoutMs: 20_000, stderrLimitBytes: 64 * 1024, commandTimeoutMs: 10_000, shutdownTimeoutMs: 5_000, recordQmp: true, vcpuCpus: [], ...options };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-'));
    fs.chmodSync(dir, 0o700);
    this.paths = { dir, qmpSocket: path.join(dir, 'qmp.sock'), serialLog: path.join(dir, 'serial.log'), traceLog: path.join(dir, 'trace.log') };
    this.output = new RingBuffer(this.options.stderrLimitBytes);
  }

  get qmp(): QmpClient {
    if (!this.client) throw new Error('QemuMachine.qmp used before launch()');
    return this.client;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get exited(): ExitInfo | undefined {
    return this.exitInfo;
  }

  async launch(): Promise<void> {
    if (this.config.accel === 'kvm') assertKvmUsable();
    for (const blob of this.config.fwCfg ?? []) fs.writeFileSync(fwCfgPath(this.paths, blob.name), blob.data);
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.paths.qmpSocket, () => resolve());
    });
    const qemuArgs = buildQemuArgs(this.config, this.paths);
    this.argv = [this.config.binary, ...qemuArgs];
    this.launchedAt = Date.now();
    this.timings.spawned = performance.now();
    this.transcript = new QmpTranscript({ origin: this.timings.spawned });
    const child = launchQemu(this.argv, this.config.env);
    this.child = child;
    child.all.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.exitPromise = child.then((result) => {
      this.exitInfo = { exitCode: result.exitCode, signal: result.signal };
      return this.exitInfo;
    });
    try {
      const socket = await this.acceptQmp(server);
      this.timings.connected = performance.now();
      this.client = await QmpClient.fromSocket(socket, {
        commandTimeoutMs: this.options.commandTimeoutMs,
        log: (note) => this.qmpNotes.length < 100 && this.qmpNotes.push(note),
        ...(this.options.recordQmp ? { transcript: this.transcript } : {}),
      });
      await this.client.negotiate({ oob: true });
      this.timings.qmpReady = performance.now();
      if (this.options.vcpuCpus.length > 0) this.pinned = await pinVcpus(this.client, this.options.vcpuCpus);
    } catch (error) {
      if (error instanceof QemuStartError) {
        await this.kill();
        throw error;
      }
      // QEMU connects to QMP before it validates the rest of its options: give it a moment to exit.
      const exited = await settlesWithin(this.exitPromise, 1000);
      await this.kill();
      throw new QemuStartError(
        this.failure(),
        exited ? 'exited during start-up' : `did not complete the QMP handshake: ${(error as Error).message}`,
      );
    } finally {
      server.close();
      fs.rmSync(this.paths.qmpSocket, { force: true });
    }
  }

  /** Starts watching for the guest being lost (see RunStateWatch); call once the guest runs. */
  watchRunState(): RunStateWatch {
    return new RunStateWatch(this);
  }

  async cont(): Promise<void> {
    await this.qmp.execute('cont');
  }

  async queryStatus(): Promise<{ status: RunStatus; running: boolean }> {
    return this.qmp.execute('query-status');
  }

  /** Guest-physical memory, read with `pmemsave` into the private directory. */
  async readGuestMemory(address: number, size: number): Promise<Buffer> {
    const file = path.join(this.paths.dir, `pmem-${address.toString(16)}-${size}`);
    await this.qmp.execute('pmemsave', { val: address, size, filename: file });
    const data = fs.readFileSync(file);
    fs.rmSync(file, { force: true });
    return data;
  }

  serialText(): string {
    return textOrEmpty(this.paths.serialLog);
  }

  /** QEMU's trace log (config.traceEvents); empty when there is none. Read it before shutdown(), which removes it. */
  traceText(): string {
    return textOrEmpty(this.paths.traceLog);
  }

  /** Polls the serial log until `pattern` appears; fails early if QEMU exits. */
  async waitSerial(pattern: RegExp, timeoutMs: number, what = `serial output matching ${pattern}`): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.serialText());
      if (match) return match;
      if (this.exitInfo) throw new QemuStartError(this.failure(), `exited while slotlab was waiting for ${what}`);
      if (Date.now() > deadline) throw new GuestTimeoutError(what, timeoutMs, this.serialText() + this.output.text());
      await sleep(25);
    }
  }

  /** `quit`, wait up to `timeoutMs`, then SIGKILL; always removes the private directory. */
  async shutdown(timeoutMs = this.options.shutdownTimeoutMs): Promise<ShutdownResult> {
    const started = performance.now();
    let graceful = false;
    const alreadyExited = this.exitInfo !== undefined;
    if (this.child && !this.exitInfo) {
      if (this.client && !this.client.closed) {
        await this.client.execute('quit', undefined, { timeoutMs }).catch(() => undefined);
      }
      graceful = await settlesWithin(this.exitPromise!, timeoutMs);
      if (!graceful) await this.kill();
    } else if (this.exitInfo) {
      graceful = true;
    }
    this.client?.close();
    fs.rmSync(this.paths.dir, { recursive: true, force: true });
    const exit = this.exitInfo ?? { exitCode: undefined, signal: undefined };
    const how = alreadyExited || !this.child ? 'exited' : graceful ? 'graceful' : 'killed';
    return { ...exit, graceful, how, durationMs: Math.round(performance.now() - started) };
  }

  async kill(): Promise<void> {
    if (!this.child || this.exitInfo) return;
    this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** Resolves when QEMU exits, however that happens. */
  waitExit(): Promise<ExitInfo> {
    return this.exitPromise ?? Promise.resolve({ exitCode: undefined, signal: undefined });
  }

  failure() {
    return {
      command: this.argv,
      exitCode: this.exitInfo?.exitCode,
      signal: this.exitInfo?.signal,
      durationMs: Date.now() - this.launchedAt,
      outputTail: this.output.text().split('\n').slice(-15).join('\n'),
    };
  }

  private acceptQmp(server: net.Server): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new QemuStartError(this.failure(), `did not connect to its QMP socket within ${this.options.launchTimeoutMs} ms`)),
        this.options.launchTimeoutMs,
      );
      server.once('connection', (socket) => {
        clearTimeout(timer);
        resolve(socket);
      });
      void this.exitPromise!.then(() => {
        clearTimeout(timer);
        // Let the last of stderr arrive before quoting it.
        setTimeout(() => reject(new QemuStartError(this.failure(), 'exited before connecting to QMP')), 50);
      });
    });
  }
}

/** Why `device` cannot serve as KVM (missing, or not readable and writable), or undefined where it can. */
export function kvmProblem(device = '/dev/kvm'): string | undefined {
  try {
    fs.accessSync(device, fs.constants.R_OK | fs.constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${device} does not exist` : `${device}: ${code ?? String(error)}`;
  }
}

export function assertKvmUsable(device = '/dev/kvm'): void {
  const problem = kvmProblem(device);
  if (problem !== undefined) throw new KvmUnavailableError(problem);
}

/** A file QEMU writes, as far as it has written it; empty before it exists. */
function textOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Whether `promise` settles within `ms`. Unlike a race with sleep(), the timer
 * is cleared when it does, so a finished run does not wait out the timeout at exit.
 */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true, () => true), timeout]).finally(() => clearTimeout(timer));
}
