// tier: host
import fs from 'node:fs';
import t from 'tap';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { trackedProcesses } from '../../orchestrator/machine/process-reaper.js';
import { GuestStates } from '../../orchestrator/runner/guest-states.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { type IterationInput, runIteration } from '../../orchestrator/runner/run-iteration.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

const loaded = loadSuite('pam-qmp');

async function iterate(build: string, mutations: number, iteration: number, start: IterationInput['start']) {
  return runIteration({ runId: 'test', loaded, build: await resolveBuild(build), image: imagePath('spin'), iteration, seed: iteration, limits: { mutations, durationSeconds: 60 }, host: hostInfo(), start });
}

t.test('boot once, restore many: the first iteration boots and saves, the next start from the state; a broken state is dropped and the guest boots', NEEDS_KVM, async (t) => {
  const states = new GuestStates(tempDir(t));
  const start = { mode: 'restore' as const, states };
  const first = await iterate('debian-bpo-10.0', 100, 0, start);
  t.match(first, { outcome: 'survived', start: 'booted', mutationsApplied: 100 });
  t.notOk(first.startNote, 'the state was saved without a note');
  const [file] = fs.readdirSync(states.root, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.state'));
  t.ok(file, 'one state saved');

  const second = await iterate('debian-bpo-10.0', 100, 1, start);
  t.match(second, { outcome: 'survived', start: 'restored', mutationsApplied: 100, progress: 'advancing' });
  t.ok(second.durationMs < first.durationMs, `restored ${second.durationMs} ms against booted ${first.durationMs} ms`);
  t.same(Object.keys(first.startPhases ?? {}), ['launch', 'firmware and image to every vCPU spinning', 'save state'], 'a booted start-up, step by step');
  t.same(Object.keys(second.startPhases ?? {}), ['launch', 'load state', 'every vCPU spinning'], 'a restored start-up, step by step');
  for (const record of [first, second]) {
    const steps = Object.values(record.startPhases ?? {}).reduce((sum, ms) => sum + ms, 0);
    t.ok(record.startUpMs !== undefined && steps <= record.startUpMs + 3 && record.startUpMs < record.durationMs, `${record.start}: steps ${steps} ms within the start-up of ${record.startUpMs} ms, within the iteration's ${record.durationMs} ms`);
  }

  const saved = `${states.root}/${file}`;
  fs.writeFileSync(saved, 'not a migration stream');
  const third = await iterate('debian-bpo-10.0', 100, 2, start);
  t.match(third, { outcome: 'survived', start: 'booted', mutationsApplied: 100 });
  t.match(third.startNote, /^restoring the saved state .*\.state failed \(.+\); booted instead$/);
  t.ok('failed restore' in (third.startPhases ?? {}), 'the failed restore is one of the start-up steps');
  t.not(fs.readFileSync(saved, 'utf8'), 'not a migration stream', 'the boot saved a good state in its place');
  t.same(trackedProcesses(), [], 'the QEMU of the failed restore is gone');

  const booted = await iterate('debian-bpo-10.0', 50, 3, { mode: 'boot' });
  t.equal(booted.start, 'booted', 'mode boot: always booted');
});

t.test('the stock race on a restored guest: lost in the spin loop, like a booted one', NEEDS_KVM, async (t) => {
  const states = new GuestStates(tempDir(t));
  const start = { mode: 'restore' as const, states };
  const booted = await iterate('debian-7.2', 3000, 0, start);
  const restored = await iterate('debian-7.2', 3000, 1, start);
  for (const record of [booted, restored]) {
    t.equal(record.outcome, 'guest-lost', `${record.start}: ${record.stopReason}`);
    t.equal(record.failure?.runState, 'internal-error');
    t.equal(record.failure?.emulationFailure, true);
  }
  t.equal(restored.start, 'restored');
});
