// tier: nested
/*
 * A run inside a kernel under test outlives its L1: when L1 dies (here its
 * QEMU is killed from the host, as a panic on a TCG wedge would end it), the
 * run goes on in a fresh L1 from the records already written, and ends only
 * when L1 dies twice in a row without a new record.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { L1Error } from '../../orchestrator/nested/l1-machine.js';
import { runUnderKernel } from '../../orchestrator/nested/kernel-run.js';
import { readRun } from '../../orchestrator/results/run-store.js';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { isolatedRuns } from '../fixtures/temp-dir.js';

/** SIGKILLs the L1 QEMU whose job folder lies under `runs`. */
function killL1(runs: string): boolean {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-f', `slotlab.job=${runs}/`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
  return pids.length > 0;
}

function recordsInJobs(runs: string): number {
  const jobs = path.join(runs, '.kernel-jobs');
  if (!fs.existsSync(jobs)) return 0;
  let count = 0;
  for (const job of fs.readdirSync(jobs)) {
    const dir = path.join(jobs, job, 'runs');
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl'))) count += fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter((line) => line.endsWith('}')).length;
  }
  return count;
}

t.test('L1 killed after its first record: the run goes on in a fresh L1 and ends with every iteration once', async (t) => {
  const runs = isolatedRuns(t);
  const plan = makePlan(loadSuite('pam-qmp'), ['7.2-paused-vcpu'], { repetitions: 3, mutations: 100 }, 5);
  const lines: string[] = [];
  let killed = false;
  const watcher = setInterval(() => {
    if (!killed && recordsInJobs(runs) >= 1) killed = killL1(runs);
  }, 200);
  try {
    const output = await runUnderKernel({ plan, kernel: '6.1-stock', onLine: (line) => lines.push(line) });
    t.ok(killed, 'L1 was killed once a record was written');
    t.ok(lines.some((line) => /^slotlab: L1 ended early \(.*boot 1 of at most \d+\); resuming run \S+ in a fresh L1$/.test(line)), 'the resume is announced');
    const records = readRun(output.runId).records;
    t.same(records.map((record) => record.iteration).sort(), [0, 1, 2], 'every iteration once');
    for (const record of records) t.equal(record.outcome, 'survived', `iteration ${record.iteration}: ${record.stopReason}`);
    t.equal(readRun(output.runId).manifest?.status, 'complete');
  } finally {
    clearInterval(watcher);
  }
});

t.test('L1 killed twice in a row before any record: the run ends with the L1 failure', async (t) => {
  const runs = isolatedRuns(t);
  const plan = makePlan(loadSuite('pam-qmp'), ['7.2-paused-vcpu'], { repetitions: 1, mutations: 100 }, 5);
  const lines: string[] = [];
  let kills = 0;
  const error = await runUnderKernel({
    plan,
    kernel: '6.1-stock',
    onLine: (line) => {
      lines.push(line);
      if (line.startsWith('slotlab-l1: caps') && killL1(runs)) kills++;
    },
  }).catch((e: unknown) => e);
  t.type(error, L1Error);
  t.equal(kills, 2, 'two L1 boots, both killed');
  t.equal(lines.filter((line) => line.startsWith('slotlab: L1 ended early')).length, 1, 'one resume, then the end');
});
