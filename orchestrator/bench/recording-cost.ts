import { resolveBuild } from '../builds/build-registry.js';
import { imagePath } from '../images/build-images.js';
import { SPIN } from '../images/spin-contract.js';
import { runPamToggle } from '../mutators/pam-toggle.js';
import { HOST_CONTEXT } from '../run-context.js';
import { spinMachine } from '../runner/spin-machine.js';

/** PAM toggles per second on a spinning guest, with or without the QMP flight recorder. */
async function toggleRate(recordQmp: boolean, mutations: number): Promise<number> {
  const spin = { cpus: 3, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride };
  const machine = spinMachine(await resolveBuild('debian-bpo-10.0'), { type: 'pc', memoryMiB: 256 }, spin, imagePath('spin'), HOST_CONTEXT.timeouts, { recordQmp });
  try {
    await machine.launch();
    await machine.cont();
    await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
    const tally = await runPamToggle(machine.qmp, { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 100 }, { mutations, durationMs: 120_000 }, { lost: () => false, checkpoint: async () => true });
    return tally.applied / (((tally.endedAtMs ?? performance.now()) - tally.startedAtMs) / 1000);
  } finally {
    await machine.shutdown();
  }
}

/** What recording every QMP exchange costs mutation throughput: alternating runs with and without it, medians compared. */
export async function recordingCost(rounds: number, mutations: number): Promise<{ costPercent: number; on: number; off: number }> {
  const on: number[] = [];
  const off: number[] = [];
  for (let round = 0; round < rounds; round++) {
    off.push(await toggleRate(false, mutations));
    on.push(await toggleRate(true, mutations));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const [withRecorder, without] = [median(on), median(off)];
  return { costPercent: Math.round(((without - withRecorder) / without) * 1000) / 10, on: Math.round(withRecorder), off: Math.round(without) };
}

