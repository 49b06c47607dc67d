// tier: nested
/*
 * `slotlab cost` inside a kernel under test (L2 under TCG), small: the mechanism, never a timing.
 * Commit counts from QEMU's own trace events on every build, overlapping delete+add commits where
 * SeaBIOS flips PAM during boot, vCPU holds only on the paused-vcpu build, stall histograms filled.
 */
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

// One vCPU count: each run boots L1 once, about two minutes under TCG; the count list itself is tested in test/cli/cost-command.test.ts.
t.test('slotlab cost --vcpus 2 --boots 1 on 7.2-stock and 7.2-paused-vcpu inside 6.1-stock', async (t) => {
  const runs = tempDir(t, 'slotlab-runs-');
  const output = tempDir(t, 'slotlab-cost-');
  const result = await slotlab(
    ['cost', '--vcpus', '2', '--boots', '1', '--build', '7.2-stock', '--build', '7.2-paused-vcpu', '--kernel', '6.1-stock', '--stall-seconds', '4', '--output', output],
    { env: { SLOTLAB_RUNS_DIR: runs } },
  );
  t.equal(result.exitCode, 0, String(result.all).split('\n').slice(-30).join('\n'));
  t.match(String(result.stderr), /slotlab cost: 2\/6 iterations done \(firmware-boot at 2 vCPUs\)/, 'progress: iterations done of all');
  t.match(String(result.stderr), /about \d+ (s|min) left/, 'and the time left');
  for (const file of ['cost-matrix.md', 'cost-matrix.html', 'cost-matrix.svg']) t.ok(fs.existsSync(path.join(output, file)), file);
  const copied = fs.readdirSync(path.join(output, 'cost-matrix-runs')).filter((name) => name.endsWith('.jsonl'));
  t.equal(copied.length, 3, 'the records of the 3 runs (firmware-boot, control-idle, pam-bystander) beside the table');
  const records = copied.flatMap((name) =>
    fs.readFileSync(path.join(output, 'cost-matrix-runs', name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as IterationRecord),
  );

  const boots = records.filter((record) => record.suite.name === 'firmware-boot');
  t.equal(boots.length, 2, '2 builds x 1 boot');
  t.ok(records.every((record) => record.vcpus === 2), 'every guest with the vCPUs asked for');
  for (const record of boots) {
    const what = `${record.build.name} at ${record.vcpus} vCPUs, iteration ${record.iteration}`;
    if (record.outcome === 'error') {
      t.fail(`${what}: ${record.error?.message}`);
      continue;
    }
    t.equal(record.host.kernelUnderTest?.name, '6.1-stock', `${what}: ran inside the kernel under test`);
    t.equal(record.mutationsApplied, record.outcome === 'survived' ? 1 : 0, `${what}: one boot, applied when it ended (${record.outcome})`);
    if (record.outcome === 'survived') t.match(record.serialExcerpt, /No bootable device/, `${what}: SeaBIOS's own words end the boot`);
    const cost = record.commitCost!;
    t.equal(cost.source, 'transactions', `${what}: the tracing patch's events are there`);
    t.ok(cost.commits! > 0 && cost.commits! <= cost.transactions!, `${what}: ${cost.commits} slot-changing commits of ${cost.transactions} transactions`);
    // A boot lost to the race (stock can lose it here, as the RFC's machine did) stops at its first overlapping commit at the latest.
    t.ok(cost.overlapping > 0, `${what}: SeaBIOS's PAM flips delete and re-add overlapping ranges (${cost.overlapping})`);
    t.ok(cost.deletes > 0 && cost.slotIoctls > cost.deletes, `${what}: ${cost.deletes} deletes among ${cost.slotIoctls} slot ioctls`);
    t.ok(cost.commitUs!.totalUs > 0, `${what}: time in commits`);
    t.same(cost.missing, []);
    if (record.build.name === '7.2-paused-vcpu') t.ok(cost.heldUs && cost.heldUs.count >= cost.overlapping, `${what}: vCPUs held at every overlapping commit (${cost.heldUs?.count})`);
    else t.equal(cost.heldUs, null, `${what}: stock never holds vCPUs`);
  }

  const stalls = records.filter((record) => record.suite.name !== 'firmware-boot');
  t.same([...new Set(stalls.map((record) => record.suite.name))].sort(), ['control-idle', 'pam-bystander']);
  for (const record of stalls.filter((each) => each.outcome === 'survived')) {
    const what = `${record.suite.name} on ${record.build.name} at ${record.vcpus} vCPUs`;
    t.equal(record.stalls?.vcpus.length, record.vcpus, `${what}: a stall record per vCPU`);
    t.ok(record.stalls!.tscPerUs > 0, `${what}: TSC calibrated`);
    for (const vcpu of record.stalls!.vcpus) {
      const counted = Object.values(vcpu.buckets).reduce((sum, count) => sum + count, 0);
      t.ok(vcpu.gaps > 0 && counted === vcpu.gaps, `${what}: the histogram holds every gap (${vcpu.gaps})`);
    }
  }
  t.notOk(stalls.some((record) => record.outcome === 'guest-lost'), 'no build loses a bystander guest');

  const markdown = fs.readFileSync(path.join(output, 'cost-matrix.md'), 'utf8');
  t.match(markdown, /\| 7\.2-paused-vcpu @ 6\.1-stock \| paused-vcpu \| 2 \|/);
  t.match(markdown, /L2 under TCG/);
  t.match(markdown, /AMD EPYC 7413/);
});
