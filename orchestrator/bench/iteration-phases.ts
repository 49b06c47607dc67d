import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBuild } from '../builds/build-registry.js';
import { imagePath } from '../images/build-images.js';
import { SPIN, decodeMailbox } from '../images/spin-contract.js';
import { QemuMachine, sleep } from '../machine/machine.js';
import { awaitIncoming, incomingFrom, saveGuestState } from '../machine/saved-state.js';
import { runPamToggle } from '../mutators/pam-toggle.js';
import { spinMachineConfig } from '../runner/spin-machine.js';

/** SeaBIOS's last debug-console line before it jumps to the option ROM that loads the image. */
const FIRMWARE_DONE = /Booting from ROM/;

export interface IterationPhases {
  build: string;
  /** QEMU spawned until it connected to the QMP socket. */
  launchMs: number;
  /** QMP greeting and capabilities negotiation. */
  qmpReadyMs: number;
  /** cont until SeaBIOS jumps to the image (its debug console says "Booting from ROM"). */
  firmwareMs: number;
  /** The image's own start-up until every vCPU spins (the banner on COM1). */
  imageStartMs: number;
  mutationPhaseMs: number;
  mutationsApplied: number;
  lost: boolean;
  shutdownMs: number;
  /** Saving the spinning guest's state (stop, migrate to a file, cont). */
  saveMs: number;
  /** A QEMU started from that state until its vCPUs spin again (launch, load, cont, mailbox ready). */
  restoredStartMs: number;
  /** SeaBIOS's debug console with each line's time since cont, for the firmware's share. */
  firmwareLog: string[];
}

export const bootedStartMs = (phases: IterationPhases) => phases.launchMs + phases.qmpReadyMs + phases.firmwareMs + phases.imageStartMs;

/**
 * One pam-toggle iteration of the spin guest (3 vCPUs, 256 MiB) taken apart:
 * QEMU's launch, QMP, SeaBIOS (read from its debug console), the image's
 * start-up, the mutation phase, shutdown; then the same guest restored from
 * the state saved when it spun.
 */
export async function spinIterationPhases(buildName: string, mutations: number): Promise<IterationPhases> {
  const build = await resolveBuild(buildName);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-bench-'));
  const debugcon = path.join(scratch, 'debugcon');
  const state = path.join(scratch, 'spin.state');
  const spin = { cpus: 3, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride };
  const config = spinMachineConfig(build, { type: 'pc', memoryMiB: 256 }, spin, imagePath('spin'));
  config.extraArgs = [...(config.extraArgs ?? []), '-chardev', `file,id=slotlab-debugcon,path=${debugcon}`, '-device', 'isa-debugcon,iobase=0x402,chardev=slotlab-debugcon'];
  const machine = new QemuMachine(config);
  try {
    const started = performance.now();
    await machine.launch();
    const { connected = started, qmpReady = connected } = machine.timings;
    const contAt = performance.now();
    await machine.cont();
    const firmwareLog: string[] = [];
    let firmwareDoneAt: number | undefined;
    let seen = 0;
    for (const deadline = performance.now() + 60_000; performance.now() < deadline; await sleep(2)) {
      const lines = fs.existsSync(debugcon) ? fs.readFileSync(debugcon, 'latin1').split('\n') : [];
      for (; seen < lines.length - 1; seen++) firmwareLog.push(`${Math.round(performance.now() - contAt)} ms ${lines[seen]}`);
      if (firmwareDoneAt === undefined && lines.some((line) => FIRMWARE_DONE.test(line))) firmwareDoneAt = performance.now();
      if (SPIN.bannerPattern.test(machine.serialText())) break;
      if (machine.exited) throw new Error(`${buildName}: QEMU exited while booting:\n${machine.output.text()}`);
    }
    const spinningAt = performance.now();
    firmwareDoneAt ??= spinningAt;
    const saved = await saveGuestState(machine, state, 30_000);
    const watch = machine.watchRunState();
    const mutationStart = performance.now();
    const tally = await runPamToggle(
      machine.qmp,
      { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 50 },
      { mutations, durationMs: 60_000 },
      { lost: () => watch.loss !== undefined, checkpoint: async () => (await watch.check()) === undefined },
    ).catch(() => undefined);
    const mutationPhaseMs = performance.now() - mutationStart;
    const lost = (await watch.settled()) !== undefined;
    watch.stop();
    const shutdown = await machine.shutdown();

    const restoreStart = performance.now();
    const restored = new QemuMachine({ ...config, incoming: incomingFrom(state) });
    let restoredStartMs: number;
    try {
      await restored.launch();
      await awaitIncoming(restored, 30_000);
      await restored.cont();
      while (!decodeMailbox(await restored.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize)).ready) await sleep(2);
      restoredStartMs = performance.now() - restoreStart;
    } finally {
      await restored.shutdown();
    }
    return {
      build: buildName,
      launchMs: Math.round(connected - started),
      qmpReadyMs: Math.round(qmpReady - connected),
      firmwareMs: Math.round(firmwareDoneAt - contAt + (contAt - qmpReady)),
      imageStartMs: Math.round(spinningAt - firmwareDoneAt),
      mutationPhaseMs: Math.round(mutationPhaseMs),
      mutationsApplied: tally?.applied ?? 0,
      lost,
      shutdownMs: shutdown.durationMs,
      saveMs: saved.durationMs,
      restoredStartMs: Math.round(restoredStartMs),
      firmwareLog,
    };
  } finally {
    await machine.shutdown();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** SeaBIOS's slowest steps: the gaps between consecutive debug-console lines, longest first. */
export function slowestFirmwareSteps(log: readonly string[], count = 3): { ms: number; before: string }[] {
  const parsed = log.map((line) => ({ at: Number(line.split(' ')[0]), text: line.replace(/^\d+ ms /, '') }));
  return parsed
    .slice(1)
    .map((entry, index) => ({ ms: entry.at - parsed[index]!.at, before: entry.text }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
}
