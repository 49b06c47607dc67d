#!/usr/bin/env node
/**
 * `npm run bench`: the harness's own timing goals, measured on real QEMU, kept
 * out of the tests: QMP round trips, where an iteration's time goes (phase by
 * phase, per host build), and what restoring a saved guest state gains. Prints
 * one line per measurement and whether it met its goal; exits 1 when a goal is missed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveBuild } from '../builds/build-registry.js';
import { DEFAULT_MATRIX } from '../cli/report-commands.js';
import { repoRoot } from '../paths.js';
import { type PublishedSetup, coldSetup, machineLine, publishedSetupFile, readPublishedSetup, setupComparison } from './setup-cost.js';
import { lastRunTimes, tierTable } from './test-tiers.js';
import { ensureBuilt } from '../setup/on-demand.js';
import { applyEnvironment } from '../cli/environment.js';
import { imagePath } from '../images/build-images.js';
import { SPIN } from '../images/spin-contract.js';
import type { QemuMachine } from '../machine/machine.js';
import { spinMachine } from '../runner/spin-machine.js';
import { summarizeLatency } from '../results/latency.js';
import { runPamToggle } from '../mutators/pam-toggle.js';
import { type IterationPhases, bootedStartMs, slowestFirmwareSteps, spinIterationPhases } from './iteration-phases.js';
import { LINUX_BUILD, LINUX_SUITE, linuxStartUps, medianStartUpMs, startPhaseTable } from './linux-start-up.js';
import { iterationMedians } from './restore-gains.js';
import { recordingCost } from './recording-cost.js';

interface Measurement {
  name: string;
  value: number;
  unit: string;
  goal: number;
  /** The goal is a floor (a speed-up), not a ceiling. */
  atLeast?: boolean;
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

const HOST_BUILDS = ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu', '7.2-atomic-ioctl'];
const PHASE_MUTATIONS = 1000;

function phaseTable(all: IterationPhases[]): string {
  const columns = ['launch', 'QMP ready', 'firmware', 'image start-up', 'mutations', 'shutdown'];
  const rows = all.map((phases) => {
    const values = [phases.launchMs, phases.qmpReadyMs, phases.firmwareMs, phases.imageStartMs, phases.mutationPhaseMs, phases.shutdownMs];
    const total = values.reduce((sum, value) => sum + value, 0);
    const cells = values.map((value) => `${value} ms (${Math.round((value / total) * 100)}%)`);
    const [launch, qmp, firmware, image, mutating, shutdown] = cells as [string, string, string, string, string, string];
    const mutated = `${phases.mutationsApplied}${phases.lost ? ', lost' : ''}`;
    return [phases.build, launch, qmp, firmware, image, `${mutating} [${mutated}]`, shutdown, `${total} ms`, `${phases.restoredStartMs} ms`];
  });
  const header = ['build', ...columns, 'booted total', 'restored start-up'];
  const widths = header.map((title, index) => Math.max(title.length, ...rows.map((row) => row[index]!.length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  applyEnvironment();
  // npm run setup makes the demo's builds; the others are built here the first time.
  await ensureBuilt({ builds: HOST_BUILDS }, (line) => process.stderr.write(`slotlab bench: ${line}\n`));
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
    await machine.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
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

  const cost = await recordingCost(5, 2000);
  process.stdout.write(`QMP flight recorder: ${cost.on} PAM toggles/s recorded, ${cost.off} without (medians of 5 alternating runs of 2,000)\n`);
  results.push({ name: 'mutation throughput lost to the QMP flight recorder', value: Math.max(cost.costPercent, 0), unit: '%', goal: 5 });

  const phases: IterationPhases[] = [];
  for (const build of HOST_BUILDS) phases.push(await spinIterationPhases(build, PHASE_MUTATIONS));
  process.stdout.write(`Where an iteration's time goes: spin guest, 3 vCPUs, 256 MiB, up to ${PHASE_MUTATIONS} PAM toggles (share of the booted iteration)\n`);
  process.stdout.write(phaseTable(phases) + '\n');
  for (const each of phases) {
    // A restored start is at most a tenth of a booted one.
    results.push({ name: `restored start-up / booted start-up (${each.build})`, value: Math.round((each.restoredStartMs / bootedStartMs(each)) * 1000) / 10, unit: '%', goal: 10 });
  }
  const reference = phases.find((each) => each.build === 'debian-bpo-10.0') ?? phases[0]!;
  const slowest = slowestFirmwareSteps(reference.firmwareLog);
  process.stdout.write(
    [
      '',
      'What remains when a guest boots, and why:',
      `- firmware (${reference.firmwareMs} ms on ${reference.build}) is SeaBIOS's own work; its slowest steps here end with: ` +
        slowest.map((step) => `"${step.before}" after ${step.ms} ms`).join('; ') + '.',
      '  The gap before handle_19 is most likely SeaBIOS making its shadow copy read-only through PAM (each write a memory-map change, the very',
      '  operation under test) and option ROM scans; they are part of the machine being measured, so slotlab does',
      "  not cut them: it skips them instead, by restoring the state saved once the guest spins (`start: restore`).",
      `- launch (${reference.launchMs} ms) and QMP (${reference.qmpReadyMs} ms) are QEMU's start; a restore pays them too, plus loading`,
      '  a state of about a megabyte (zero pages are not written) and one mailbox read.',
      `- saving the state costs ${reference.saveMs} ms, once per build, suite machine and image.`,
      '',
    ].join('\n'),
  );

  const stock = await iterationMedians('pam-qmp', 'debian-7.2', 3);
  process.stdout.write(
    `pam-qmp on debian-7.2 (its suite limits): booted iterations ${stock.booted.map((record) => `${record.durationMs} ms`).join(', ')}; ` +
      `restored ${stock.restored.map((record) => `${record.durationMs} ms`).join(', ')}; every one ${[...stock.booted, ...stock.restored].every((record) => record.outcome === 'guest-lost') ? 'lost the guest' : 'did NOT lose the guest'}\n\n`,
  );
  results.push({ name: 'pam-qmp iteration median on debian-7.2, booted / restored', value: Math.round((stock.bootedMedianMs / stock.restoredMedianMs) * 10) / 10, unit: 'x', goal: 5, atLeast: true });

  const linux = await linuxStartUps(2);
  process.stdout.write(`The Linux guest (${LINUX_SUITE} on ${LINUX_BUILD}) ${linux.where}, booted and restored:\n${startPhaseTable(linux)}\n`);
  process.stdout.write(
    [
      'What remains of a Linux start-up, and why:',
      "- a booted launch is several times a restored one, most likely because QEMU's reset copies the ROM blobs -kernel and -initrd made (the",
      "  kernel's 66 MB ELF among them) into guest memory, page by page under TCG; an incoming QEMU skips that copy",
      "  (hw/core/loader.c rom_reset), the saved state brings the memory instead.",
      "- a restore pays QEMU's launch inside L1 (TCG runs L1's own code about ten times slower than the host), loading the",
      "  state (the guest's used memory, about 75 MB, over L1's 9p share) and the guest's next progress line (one every 0.5 s).",
      '',
    ].join('\n'),
  );
  const bootedLinux = medianStartUpMs(linux.booted);
  const restoredLinux = medianStartUpMs(linux.restored);
  results.push({
    name: `Linux guest ${linux.where}, time to its first mutation, booted / restored (medians ${bootedLinux} ms / ${restoredLinux} ms)`,
    value: Math.round((bootedLinux / restoredLinux) * 10) / 10,
    unit: 'x',
    goal: 3,
    atLeast: true,
  });

  let missed = 0;
  for (const result of results) {
    const ok = result.atLeast ? result.value >= result.goal : result.value <= result.goal;
    if (!ok) missed++;
    process.stdout.write(`${ok ? 'ok    ' : 'MISSED'} ${result.name}: ${result.value} ${result.unit} (goal ${result.atLeast ? '>=' : '<='} ${result.goal} ${result.unit})\n`);
  }
  return missed === 0 ? 0 : 1;
}

/**
 * `npm run bench -- setup [--scope demo|tests] [--publish]`: setup's steps on a cold cache of
 * their own beside the published figures (results/setup-cost-<scope>.json), then the last
 * test run's time split by tier; `--publish` writes the figures measured now as the new ones.
 */
async function setupBench(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { scope: { type: 'string', default: 'demo' }, publish: { type: 'boolean', default: false } } });
  if (values.scope !== 'demo' && values.scope !== 'tests') throw new Error(`--scope is demo (what npm run demo sets up) or tests (what npm test sets up), not '${values.scope}'`);
  const scope = values.scope;
  const file = publishedSetupFile(scope);
  const published = readPublishedSetup(file);
  const steps = await coldSetup(scope, (line) => process.stderr.write(`slotlab bench: ${line}\n`), { builds: DEFAULT_MATRIX.builds });
  process.stdout.write(`setup (${scope}) on a cold cache, ${machineLine()}, beside ${path.relative(repoRoot, file)}:\n${setupComparison(steps, published)}\n\n`);
  const times = lastRunTimes(repoRoot);
  process.stdout.write(times.length === 0 ? 'the suite by tier: no test run found (.tap/test-results); run npm test first\n' : `the suite by tier, from the last test run (.tap/test-results):\n${tierTable(times)}\n`);
  if (values.publish) {
    const figures: PublishedSetup = { measuredAt: new Date().toISOString().slice(0, 10), machine: machineLine(), scope, steps };
    fs.writeFileSync(file, JSON.stringify(figures, null, 2) + '\n');
    process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  }
  return 0;
}

(process.argv[2] === 'setup' ? setupBench(process.argv.slice(3)) : main()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`slotlab bench: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
