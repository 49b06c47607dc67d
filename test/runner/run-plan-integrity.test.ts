// tier: host
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { readRun, runFiles } from '../../orchestrator/results/run-store.js';
import { literal, slotlab } from '../fixtures/cli.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

/** A complete 3-iteration pam-qmp run on a fixed build, as the reproduction starts. */
async function completedRun(t: Parameters<typeof tempDir>[0]) {
  const runsDir = tempDir(t, 'slotlab-runs-');
  const env = { SLOTLAB_RUNS_DIR: runsDir };
  const first = await slotlab(['run', 'pam-qmp', '--build', 'debian-bpo-10.0', '--repetitions', '3', '--mutations', '50', '--json'], { env });
  if (first.exitCode !== 0) throw new Error(`the run failed: ${first.all}`);
  const runId = JSON.parse((first.stdout as string).split('\n')[0]!).runId as string;
  return { runsDir, env, runId, files: runFiles(runId, runsDir) };
}

function setStatus(manifestFile: string, status: string): void {
  fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(manifestFile, 'utf8')), status }, null, 2));
}

t.test('a torn second record: report and resume read every complete record, and the resume never appends to the fragment', NEEDS_KVM, async (t) => {
  const { env, runId, files } = await completedRun(t);
  const lines = fs.readFileSync(files.records, 'utf8').split('\n');
  const fragment = lines[1]!.slice(0, Math.floor(lines[1]!.length / 2));
  fs.writeFileSync(files.records, `${lines[0]}\n${fragment}`);
  setStatus(files.manifest, 'interrupted');

  const before = readRun(files.records);
  t.same(before.records.map((record) => record.iteration), [0], 'the complete first record is read back');
  t.equal(before.truncatedTail, true);
  const report = await slotlab(['report', runId, '--format', 'json'], { env });
  t.equal(report.exitCode, 0, report.stderr as string);
  t.match(report.stderr, new RegExp(`${runId}\\.jsonl:2: torn last line \\(${Buffer.byteLength(fragment)} bytes of an interrupted write\\), left out`));
  t.notMatch(report.stderr, /not JSON|not a slotlab/);

  const resumed = await slotlab(['run', '--resume', runId, '--json'], { env });
  t.equal(resumed.exitCode, 0, resumed.all as string);
  const notes = (resumed.stderr as string).split('\n').filter((line) => /torn/.test(line));
  t.equal(notes.length, 1, 'said once on stderr');
  t.match(notes[0], /cut off a torn last line/);
  const after = readRun(files.records);
  t.same(after.torn, [], 'no torn line is left in the record file');
  t.same(after.records.map((record) => record.iteration).sort(), [0, 1, 2]);
  t.equal(fs.readFileSync(files.records, 'utf8').split('\n')[0], lines[0], 'the first record is untouched');
  t.equal(after.manifest?.status, 'complete');
  t.equal(after.manifest?.tornTails?.length, 1, 'the manifest says so too');
  const torn = after.manifest!.tornTails![0]!;
  t.equal(torn.bytes, Buffer.byteLength(fragment));
  t.equal(fs.readFileSync(torn.savedTo, 'utf8'), fragment, 'the torn bytes are kept in a side file');
  t.match(notes[0], torn.savedTo);
  const again = await slotlab(['report', runId], { env });
  t.equal(again.exitCode, 0, again.stderr as string);
  t.notMatch(again.stderr, /torn/);
});

t.test('two resumes at once: one runs, the other is refused naming it, nothing is duplicated', NEEDS_KVM, async (t) => {
  const { env, runId, files } = await completedRun(t);
  const first = fs.readFileSync(files.records, 'utf8').split('\n')[0]!;
  fs.writeFileSync(files.records, `${first}\n`);
  setStatus(files.manifest, 'interrupted');
  const start = () => execa(process.execPath, [path.resolve('dist/orchestrator/cli/main.js'), 'run', '--resume', runId, '--json'], { reject: false, all: true, stdin: 'ignore', env });
  const [a, b] = [start(), start()];
  const results = await Promise.all([a, b]);
  const refused = results.filter((result) => result.exitCode === 2);
  const ran = results.filter((result) => result.exitCode === 0);
  t.equal(ran.length, 1, results.map((result) => result.all).join('\n---\n'));
  t.equal(refused.length, 1);
  const winner = ran[0] === results[0] ? a.pid : b.pid;
  t.match(refused[0]!.stderr, new RegExp(`run ${runId} is held by process ${winner} on ${literal(os.hostname())}`));
  const after = readRun(files.records);
  t.same(after.records.map((record) => record.iteration).sort(), [0, 1, 2], 'each iteration exactly once');
  t.equal(after.manifest?.status, 'complete');
  t.notOk(fs.existsSync(files.records.replace(/\.jsonl$/, '.lock')), 'the lock went with its holder');
});

t.test('a lock left by a dead process is taken over, and the resume says so', NEEDS_KVM, async (t) => {
  const { env, runId, files } = await completedRun(t);
  const first = fs.readFileSync(files.records, 'utf8').split('\n')[0]!;
  fs.writeFileSync(files.records, `${first}\n`);
  setStatus(files.manifest, 'interrupted');
  const dead = execa('true');
  await dead;
  fs.writeFileSync(files.records.replace(/\.jsonl$/, '.lock'), JSON.stringify({ pid: dead.pid, started: '1', hostname: os.hostname(), since: '2026-01-01T00:00:00Z', command: `run --resume ${runId}` }));
  const resumed = await slotlab(['run', '--resume', runId, '--json'], { env });
  t.equal(resumed.exitCode, 0, resumed.all as string);
  t.match(resumed.stderr, new RegExp(`run ${runId}: took over the lock of process ${dead.pid}, which no longer runs`));
  t.same(readRun(files.records).records.map((record) => record.iteration).sort(), [0, 1, 2]);
});

t.test('runs started in the same second into one folder are all complete and distinct', NEEDS_KVM, async (t) => {
  const runsDir = tempDir(t, 'slotlab-runs-');
  const runs = await Promise.all([0, 1, 2].map(() => slotlab(['run', 'control-idle', '--build', 'debian-bpo-10.0', '--repetitions', '1', '--duration', '1', '--json'], { env: { SLOTLAB_RUNS_DIR: runsDir } })));
  for (const run of runs) t.equal(run.exitCode, 0, run.all as string);
  const ids = runs.map((run) => JSON.parse((run.stdout as string).trim()).runId as string);
  t.equal(new Set(ids).size, 3, `distinct ids: ${ids.join(', ')}`);
  t.equal(fs.readdirSync(runsDir).filter((name) => name.endsWith('.jsonl')).length, 3);
  for (const id of ids) {
    const stored = readRun(path.join(runsDir, `${id}.jsonl`));
    t.equal(stored.records.length, 1);
    t.equal(stored.records[0]!.runId, id, 'each file holds its own run');
    t.equal(stored.manifest?.status, 'complete');
    t.same(stored.torn, []);
  }
  t.same(fs.readdirSync(runsDir).filter((name) => name.endsWith('.lock')), [], 'no lock left behind');
});
