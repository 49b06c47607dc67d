// tier: host
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { nestedFallback } from '../../orchestrator/nested/nested-fallback.js';
import { readRun } from '../../orchestrator/results/run-store.js';
import { CLI } from '../fixtures/cli.js';

/** Where `slotlab run` goes inside a kernel under test, the orchestrator's QEMU is L1's. */
const NESTED = nestedFallback('spin');

/** QEMU machines booting a kernel (spin guests or L1, not `--version` probes) whose parent is `pid`. */
function qemuChildren(pid: number): number[] {
  const result: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && stat.includes('(qemu-system-x86') && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes('-kernel')) {
        result.push(Number(entry));
      }
    } catch {
      // exited meanwhile
    }
  }
  return result;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a run of the real CLI (pam-qmp on debian-bpo-10.0, iterations of `seconds` each) into a fresh runs folder. */
function startRun(t: { teardown(fn: () => void): void }, repetitions: number, seconds: number) {
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slotlab-runs-'));
  const child = execa(process.execPath, [CLI, 'run', 'pam-qmp', '--build', 'debian-bpo-10.0', '--repetitions', String(repetitions), '--mutations', '1000000', '--duration', String(seconds)], {
    reject: false,
    all: true,
    stdin: 'ignore',
    env: { SLOTLAB_RUNS_DIR: runsDir },
  });
  t.teardown(() => {
    child.kill('SIGKILL');
    fs.rmSync(runsDir, { recursive: true, force: true });
  });
  return { child, runsDir };
}

/** Starts a long run of the real CLI and returns it once its QEMU is mutating. */
async function startLongRun(t: { teardown(fn: () => void): void }) {
  const { child, runsDir } = startRun(t, 3, 300);
  const qemu = await until('a QEMU child of the orchestrator', () => qemuChildren(child.pid!)[0], 30_000);
  return { child, qemu, runsDir };
}

t.test('SIGKILL of the orchestrator mid-run leaves no QEMU behind', async (t) => {
  const { child, qemu } = await startLongRun(t);
  t.ok(alive(qemu), 'QEMU runs');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  child.kill('SIGKILL');
  const result = await child;
  t.equal(result.signal, 'SIGKILL');
  await until(`QEMU ${qemu} to die with its parent`, () => (alive(qemu) ? undefined : true), 10_000);
  t.notOk(alive(qemu), 'the parent-death signal killed QEMU');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal} kills QEMU, says where the records are, and keeps them`, async (t) => {
    // Iterations of 2 s each: the first completes, and the signal comes while a later one runs.
    const { child, runsDir } = startRun(t, 5, 2);
    const records = () => {
      const file = fs.readdirSync(runsDir).find((name) => name.endsWith('.jsonl'));
      return file ? fs.readFileSync(path.join(runsDir, file), 'utf8').split('\n').filter(Boolean).length : 0;
    };
    if (!NESTED) await until('a completed iteration on disk', () => (records() >= 1 ? true : undefined), 120_000);
    const qemu = await until('a QEMU child of the orchestrator', () => qemuChildren(child.pid!)[0], 60_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill(signal);
    const result = await child;
    t.equal(result.exitCode, signal === 'SIGINT' ? 130 : 143);
    t.notOk(alive(qemu), 'QEMU was killed before the orchestrator exited');
    if (NESTED) {
      t.match(result.all, new RegExp(`${signal}: stopped the kernel under test; completed results were kept`), `nested: ${NESTED.why}`);
      return;
    }
    t.match(result.all, new RegExp(`${signal}: stopped; every completed iteration is in ${runsDir}/.+\\.jsonl; continue with: slotlab run --resume `));
    const runFile = fs.readdirSync(runsDir).find((name) => name.endsWith('.jsonl'))!;
    const stored = readRun(path.join(runsDir, runFile));
    t.ok(stored.records.length >= 1 && stored.records.length < 5, `${stored.records.length} completed iteration(s) kept`);
    t.ok(stored.records.every((record) => record.outcome === 'survived'), 'each of them whole');
    t.same(stored.torn, []);
    t.equal(stored.manifest?.status, 'interrupted');
    t.same(fs.readdirSync(runsDir).filter((name) => name.endsWith('.lock')), [], 'the run is not left locked');
  });
}
