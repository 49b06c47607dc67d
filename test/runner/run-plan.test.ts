// tier: host
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { readRun } from '../../orchestrator/results/run-store.js';
import { CLI, slotlab } from '../fixtures/cli.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

function linesIn(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const signal of ['SIGKILL', 'SIGINT'] as const) {
  t.test(`a run killed with ${signal} after its first iteration resumes without losing or repeating anything`, NEEDS_KVM, async (t) => {
    const runsDir = tempDir(t, 'slotlab-runs-');
    const env = { SLOTLAB_RUNS_DIR: runsDir };
    const child = execa(process.execPath, [CLI, 'run', 'pam-qmp', '--build', 'debian-7.2', '--repetitions', '3', '--mutations', '400', '--seed', '7'], {
      reject: false,
      all: true,
      stdin: 'ignore',
      env,
    });
    t.teardown(() => child.kill('SIGKILL'));
    const recordsFile = () => fs.readdirSync(runsDir).find((name) => name.endsWith('.jsonl'));
    await until('the first record', () => recordsFile() !== undefined && linesIn(path.join(runsDir, recordsFile()!)) >= 1, 120_000);
    child.kill(signal);
    await child;
    const file = path.join(runsDir, recordsFile()!);
    const before = readRun(file);
    t.equal(before.manifest?.status, signal === 'SIGKILL' ? 'running' : 'interrupted');
    t.ok(before.records.length >= 1 && before.records.length < 3, `${before.records.length} record(s) before the resume`);
    const firstLine = fs.readFileSync(file, 'utf8').split('\n')[0];

    const resumed = await slotlab(['run', '--resume', before.files.runId, '--json'], { env });
    t.equal(resumed.exitCode, 0, resumed.stderr as string);
    const after = readRun(file);
    t.equal(after.manifest?.status, 'complete');
    t.same(after.records.map((record) => record.iteration).sort(), [0, 1, 2], 'each iteration exactly once');
    t.equal(fs.readFileSync(file, 'utf8').split('\n')[0], firstLine, 'completed records are untouched');
    t.ok(after.records.every((record) => record.runId === before.files.runId && record.limits.mutations === 400));
    t.equal((resumed.stdout as string).trim().split('\n').length, 3, '--json prints the whole run');
  });
}

t.test('resume refuses a changed suite file', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const suite = path.join(dir, 'mine.yaml');
  fs.copyFileSync('suites/pam-qmp.yaml', suite);
  const first = await slotlab(['run', suite, '--build', 'debian-7.2', '--repetitions', '1', '--mutations', '50', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(first.exitCode, 0);
  const runId = JSON.parse((first.stdout as string).split('\n')[0]!).runId as string;
  fs.appendFileSync(suite, '# edited\n');
  const resumed = await slotlab(['run', '--resume', runId], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(resumed.exitCode, 2);
  t.match(resumed.stderr, /cannot resume: .*mine\.yaml changed since run .* started; start a new run instead/);
});

t.test('resume of an unknown run says where runs are', async (t) => {
  const result = await slotlab(['run', '--resume', 'no-such-run']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /no run 'no-such-run' in /);
  const mixed = await slotlab(['run', 'pam-qmp', '--resume', 'x']);
  t.match(mixed.stderr, /--resume takes only the run id/);
});
