// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { slotlab } from '../fixtures/cli.js';
import { sampleRecord } from '../fixtures/records.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('bad input: one clear error each, saying what to do', async (t) => {
  const cases: [string[], RegExp][] = [
    [['cost', '--vcpus', '1,x', '--build', 'debian-7.2'], /--vcpus needs a comma-separated list of vCPU counts from 1 to 64, e\.g\. 1,2,4,8, not '1,x'/],
    [['cost', '--vcpus', '0', '--build', 'debian-7.2'], /--vcpus needs a comma-separated list/],
    [['cost', '--vcpus', '65', '--build', 'debian-7.2'], /from 1 to 64/],
    [['cost', '--vcpus', '1,2'], /cost needs at least one --build/],
    [['cost', 'pam-qmp', '--build', 'debian-7.2'], /cost takes no suite/],
    [['cost', '--from', 'x', '--boots', '3'], /--from renders stored runs as they are/],
    [['cost', '--build', 'no-such-build'], /no-such-build/],
  ];
  for (const [args, message] of cases) {
    const result = await slotlab(args);
    t.equal(result.exitCode, 2, args.join(' '));
    t.match(String(result.stderr).split('\n')[0], message, `${args.join(' ')}: the first line says what is wrong`);
  }
});

t.test('--from: stored firmware-boot and stall records rendered, the records copied beside the table', async (t) => {
  const runs = tempDir(t, 'slotlab-runs-');
  const output = tempDir(t, 'slotlab-cost-');
  const record = sampleRecord({
    runId: '20261206-000000-firmware-boot-abcd',
    suite: { name: 'firmware-boot', file: 'suites/firmware-boot.yaml', sha256: 'e'.repeat(64) },
    vcpus: 4,
    outcome: 'survived',
    stopReason: 'mutations',
    failure: null,
    commitCost: { source: 'slot-ioctls', slotIoctls: 30, deletes: 12, transactions: null, commits: null, overlapping: 6, commitUs: null, heldUs: null, missing: ['transactions', 'commits', 'commit time', 'vCPU hold time'] },
  });
  fs.writeFileSync(path.join(runs, `${record.runId}.jsonl`), JSON.stringify(record) + '\n');
  const notes = path.join(output, 'notes.md');
  fs.writeFileSync(notes, 'What the figures show.\n');
  const result = await slotlab(['cost', '--from', record.runId, '--output', output, '--notes', notes], { env: { SLOTLAB_RUNS_DIR: runs } });
  t.equal(result.exitCode, 0, String(result.stderr));
  const markdown = fs.readFileSync(path.join(output, 'cost-matrix.md'), 'utf8');
  t.match(markdown, /\| debian-7\.2 \| stock \| 4 \(overcommit\) \| 1 \| 0 \|/, 'a boot row; 4 vCPUs on the record\'s 2-CPU host is an overcommit');
  t.match(markdown, /What the figures show\.\n\nLimits:/);
  t.ok(fs.existsSync(path.join(output, 'cost-matrix-runs', `${record.runId}.jsonl`)));
  const none = await slotlab(['cost', '--from', record.runId.replace('firmware-boot', 'x'), '--output', output], { env: { SLOTLAB_RUNS_DIR: runs } });
  t.equal(none.exitCode, 2, 'an unknown run');
});
