#!/usr/bin/env node
/**
 * `npm run bench`: the harness's own timing goals, measured on real QEMU, kept
 * out of the tests. Prints one line per measurement and whether it met its goal;
 * exits 1 when a goal is missed.
 */
import { resolveBuild } from '../builds/build-registry.js';
import { applyEnvironment } from '../cli/environment.js';
import { imagePath } from '../images/build-images.js';
import { SPIN } from '../images/spin-contract.js';
import type { QemuMachine } from '../machine/machine.js';
import { spinMachine } from '../runner/spin-machine.js';
import { summarizeLatency } from '../results/latency.js';
import { runPamToggle } from '../mutators/pam-toggle.js';

interface Measurement {
  name: string;
  value: number;
  unit: string;
  goal: number;
}

async function timed(count: number, action: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await action();
    samples.push(Math.round((performance.now() - started) * 1000));
  }
  return samples;
}

async function machineFor(buildName: string, cpus: number): Promise<QemuMachine> {
  const spin = { cpus, codeAddress: SPIN.defaultCodeAddress, codeStride: SPIN.defaultCodeStride };
  return spinMachine(await resolveBuild(buildName), { type: 'pc', memoryMiB: 256 }, spin, imagePath('spin'));
}

async function main(): Promise<number> {
  applyEnvironment();
  const results: Measurement[] = [];
  const started = performance.now();
  const machine = await machineFor('debian-bpo-10.0', 3);
  try {
    await machine.launch();
    results.push({ name: 'launch to QMP ready (debian-bpo-10.0)', value: Math.round(performance.now() - started), unit: 'ms', goal: 2000 });
    const qmp = summarizeLatency(await timed(2000, () => machine.qmp.execute('query-status')))!;
    results.push({ name: 'query-status round trip p50', value: qmp.p50Us, unit: 'us', goal: 1000 });
    results.push({ name: 'query-status round trip p99', value: qmp.p99Us, unit: 'us', goal: 10_000 });
    const mailbox = summarizeLatency(await timed(500, () => machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize)))!;
    results.push({ name: 'mailbox read (pmemsave) p50', value: mailbox.p50Us, unit: 'us', goal: 2000 });
    await machine.cont();
    const booted = performance.now();
    await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
    results.push({ name: 'cont to every vCPU spinning', value: Math.round(performance.now() - booted), unit: 'ms', goal: 10_000 });
    const tally = await runPamToggle(
      machine.qmp,
      { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 100 },
      { mutations: 2000, durationMs: 60_000 },
      { lost: () => false, checkpoint: async () => true },
    );
    const toggle = summarizeLatency(tally.latenciesUs)!;
    results.push({ name: 'PAM toggle with 3 vCPUs spinning p50 (paused-vCPU fix)', value: toggle.p50Us, unit: 'us', goal: 5000 });
    results.push({ name: 'PAM toggle with 3 vCPUs spinning p99 (paused-vCPU fix)', value: toggle.p99Us, unit: 'us', goal: 50_000 });
  } finally {
    await machine.shutdown();
  }
  let missed = 0;
  for (const result of results) {
    const ok = result.value <= result.goal;
    if (!ok) missed++;
    process.stdout.write(`${ok ? 'ok    ' : 'MISSED'} ${result.name}: ${result.value} ${result.unit} (goal <= ${result.goal} ${result.unit})\n`);
  }
  return missed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slotlab bench: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
