// tier: host
import t from 'tap';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { runPlan } from '../../orchestrator/runner/run-plan.js';
import { cellStats } from '../../orchestrator/stats/cell-stats.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { isolatedRuns, tempDir } from '../fixtures/temp-dir.js';

// The race must look the same whether the guest booted or was restored: same verdict, overlapping intervals.
for (const [build, expected] of [['debian-7.2', 'race'], ['debian-bpo-10.0', 'no loss']] as const) {
  t.test(`pam-qmp on ${build}: booted and restored iterations give the same verdict and loss rate`, NEEDS_KVM, async (t) => {
    isolatedRuns(t);
    const statesDir = tempDir(t, 'slotlab-states-');
    const loaded = loadSuite('pam-qmp');
    const cells = [];
    for (const start of ['boot', 'restore'] as const) {
      const output = await runPlan(makePlan(loaded, [build], { repetitions: 4, mutations: 500, start }, 11), { statesDir });
      const starts = output.records.map((record) => record.start);
      t.same(starts, start === 'boot' ? ['booted', 'booted', 'booted', 'booted'] : ['booted', 'restored', 'restored', 'restored'], `--start ${start}`);
      cells.push(cellStats(output.records, { safeBelow: loaded.suite.safeBelow }));
    }
    const [booted, restored] = cells;
    t.equal(restored!.verdict.kind, booted!.verdict.kind, `verdict ${booted!.verdict.kind}`);
    if (expected === 'race') {
      t.equal(booted!.losses, 4);
      t.equal(restored!.losses, 4);
    } else {
      t.equal(booted!.losses + restored!.losses, 0);
    }
    const overlap = (a: { low: number; high: number }, b: { low: number; high: number }) => a.low <= b.high && b.low <= a.high;
    t.ok(overlap(booted!.lossPerIteration, restored!.lossPerIteration), 'per-iteration loss intervals overlap');
    t.ok(overlap(booted!.lossPerMutation, restored!.lossPerMutation), 'per-mutation loss intervals overlap');
  });
}
