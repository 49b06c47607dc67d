// tier: host
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../../orchestrator/paths.js';
import { tempDir } from '../fixtures/temp-dir.js';
import t from 'tap';
import { trackedProcesses } from '../../orchestrator/machine/process-reaper.js';
import { resolveBuild } from '../../orchestrator/builds/build-registry.js';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { loopRange, vcpuOfAddress } from '../../orchestrator/images/spin-contract.js';
import { hostInfo } from '../../orchestrator/runner/host-info.js';
import { type IterationInput, attemptIteration, runIteration } from '../../orchestrator/runner/run-iteration.js';
import { cpuVendor } from '../../orchestrator/runner/host-info.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { STALL_WINDOW_MS } from '../../orchestrator/runner/progress-watch.js';

const loaded = loadSuite('pam-qmp');
const spinGuestOf = loaded.suite.guest.image === 'spin' ? loaded.suite.guest : undefined;
const spin = { cpus: loaded.suite.machine.cpus, codeAddress: spinGuestOf!.codeAddress, codeStride: spinGuestOf!.codeStride };

async function iterate(build: string, mutations: number, iteration = 0, overrides: Partial<IterationInput> = {}) {
  return runIteration({
    runId: 'test',
    loaded,
    build: await resolveBuild(build),
    image: imagePath('spin'),
    iteration,
    seed: iteration,
    limits: { mutations, durationSeconds: 60 },
    host: hostInfo(),
    ...overrides,
  });
}

t.test('debian-7.2 loses the guest to the memslot race, in the spin loop', NEEDS_KVM, async (t) => {
  for (let iteration = 0; iteration < 2; iteration++) {
    const record = await iterate('debian-7.2', 3000, iteration);
    t.equal(record.outcome, 'guest-lost', `iteration ${iteration}: ${record.stopReason} ${record.error?.message ?? ''}`);
    t.equal(record.stopReason, 'internal-error');
    t.equal(record.failure?.runState, 'internal-error');
    t.equal(record.failure?.suberror, 1);
    t.equal(record.failure?.emulationFailure, true);
    t.ok(record.failure?.inLoopRange, `EIP 0x${record.failure?.instructionPointer?.toString(16)} inside ${JSON.stringify(loopRange(spin))}`);
    t.equal(record.failure?.vcpu, vcpuOfAddress(spin, record.failure!.instructionPointer!), 'the vCPU found by its registers runs the loop at that EIP');
    t.ok(record.mutationsApplied < 3000, 'lost before the limit');
    t.ok(record.timeToFailureMs !== null && record.timeToFailureMs >= 0);
    t.match(record.stderrExcerpt, /KVM internal error\. Suberror: 1/);
    t.equal(record.build.name, 'debian-7.2');
    t.match(record.build.version, /QEMU emulator version 7\.2/);
    t.equal(record.progressBefore.length, 3);
  }
});

t.test("a lost guest keeps every vCPU's registers, the page at each one's instruction pointer and each loop page, and the exit KVM emulated", NEEDS_KVM, async (t) => {
  const { record, flight } = await attemptIteration({ runId: 'test', loaded, build: await resolveBuild('debian-7.2'), image: imagePath('spin'), iteration: 0, seed: 0, limits: { mutations: 3000, durationSeconds: 60 }, host: hostInfo() });
  t.equal(record.outcome, 'guest-lost', `${record.stopReason} ${record.error?.message ?? ''}`);
  const vcpus = flight.vcpus!;
  t.ok(vcpus, 'forensics kept for a lost guest');
  t.equal((vcpus.registers.match(/^CPU#\d+\s*$/gm) ?? []).length, spin.cpus, 'info registers -a: every vCPU');
  t.equal(vcpus.pages.length, 2 * spin.cpus, 'a page at each instruction pointer and each loop page');
  for (const page of vcpus.pages) t.notOk(page.error, `vCPU ${page.vcpu} ${page.what} ${page.pageHex}: read`);
  // The bytes QEMU printed at the failure (Code=, the failing one in <>) are the ones at that RIP in the page read afterwards.
  const failing = vcpus.pages.find((page) => page.what === 'instruction-pointer' && page.vcpu === record.failure?.vcpu)!;
  const printed = /<([0-9a-f]{2})>((?: [0-9a-f]{2})*)/.exec(record.failure?.code ?? '');
  t.ok(printed, `QEMU's code bytes kept in the record: ${record.failure?.code}`);
  const ip = record.failure!.instructionPointer!;
  const expected = Buffer.from([printed![1]!, ...printed![2]!.trim().split(' ').slice(0, 7)].join(''), 'hex');
  t.same(Buffer.from(failing.base64!, 'base64').subarray(ip & 0xfff, (ip & 0xfff) + expected.length), expected, `vCPU ${failing.vcpu}'s page holds at ${failing.instructionPointerHex} what QEMU printed there`);
  if (cpuVendor() === 'AuthenticAMD') t.match(record.failure?.exit, { fetch: true, info2Hex: `0x${ip.toString(16)}` }, 'the exit KVM emulated: an instruction fetch at that address');
});

t.test('debian-bpo-10.0 survives with every vCPU advancing', NEEDS_KVM, async (t) => {
  const record = await iterate('debian-bpo-10.0', 1500);
  t.equal(record.outcome, 'survived', `${record.stopReason} ${record.error?.message ?? ''}`);
  t.equal(record.stopReason, 'mutations');
  t.equal(record.mutationsApplied, 1500);
  t.equal(record.failure, null);
  t.equal(record.timeToFailureMs, null);
  t.ok(record.progressRising);
  t.equal(record.progress, 'advancing');
  t.same(record.shutdown?.how, 'graceful', 'QEMU quit when asked');
  t.ok(record.progressSpanMs! > 0 && record.progressSpanMs! <= record.durationMs, `judged over ${record.progressSpanMs} ms`);
  t.ok(record.progressAfter.every((value, index) => BigInt(value) > BigInt(record.progressBefore[index]!)));
  t.equal(record.latency?.count, 1500);
  t.ok(record.latency!.p50Us > 0 && record.latency!.p99Us >= record.latency!.p50Us);
  t.match(record.build.version, /QEMU emulator version 10\.0/);
});

t.test('the duration limit stops the mutator', NEEDS_KVM, async (t) => {
  const record = await iterate('debian-bpo-10.0', 10_000_000, 1, { limits: { mutations: 10_000_000, durationSeconds: 1 } });
  t.equal(record.outcome, 'survived');
  t.equal(record.stopReason, 'duration');
  t.ok(record.mutationsApplied > 0 && record.mutationsApplied < 10_000_000);
});

t.test('a mutation phase too short to judge progress is never a stall', NEEDS_KVM, async (t) => {
  // One mutation: the phase lasts about a millisecond, far less than the stall window.
  for (let i = 0; i < 3; i++) {
    const record = await iterate('debian-bpo-10.0', 1);
    t.equal(record.outcome, 'survived', `${record.stopReason} ${record.error?.message ?? ''}`);
    const still = record.progressAfter.some((value, index) => BigInt(value) <= BigInt(record.progressBefore[index]!));
    const short = record.progressSpanMs! < STALL_WINDOW_MS;
    t.equal(record.progress, still ? (short ? 'unknown' : 'stalled') : 'advancing', `judged over ${record.progressSpanMs} ms; a vCPU seen still over less than the window is unknown`);
    t.equal(record.progressKnown, !(still && short));
  }
});

t.test('a guest that never boots is an error record, not a loss', NEEDS_KVM, async (t) => {
  // A multiboot image that halts at once: no banner comes, however long the wait.
  const dir = tempDir(t, 'slotlab-silent-');
  const image = path.join(dir, 'silent.bin');
  await execa('nasm', ['-f', 'bin', '-o', image, path.join(repoRoot, 'test', 'fixtures', 'silent-guest.asm')]);
  const record = await iterate('debian-7.2', 10, 0, {
    image,
    loaded: { ...loaded, suite: { ...loaded.suite, guest: { ...loaded.suite.guest, bootTimeoutSeconds: 5 } } },
  });
  t.equal(record.outcome, 'error');
  t.equal(record.error?.code, 'GUEST_TIMEOUT');
  t.match(record.error?.message, /waiting for the spin banner/);
  t.equal(record.mutationsAttempted, 0);
});

t.test('after an error no QEMU of this run is left', async (t) => {
  t.same(trackedProcesses(), []);
});

/** Waits for this run's QEMU to have its guest spinning, then does `act` to it. */
async function onceSpinning(act: (pid: number) => void): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const pid = trackedProcesses()[0];
    if (pid !== undefined) {
      const serial = /path=([^\0]*serial\.log)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      if (serial && fs.existsSync(serial) && fs.readFileSync(serial, 'utf8').includes('vCPUs running')) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        act(pid);
        return pid;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out waiting for a QEMU whose guest runs');
}

t.test('a QEMU that dies mid-run is a lost guest with the signal, and the run goes on', NEEDS_KVM, async (t) => {
  const killer = onceSpinning((pid) => process.kill(pid, 'SIGKILL'));
  const record = await iterate('debian-bpo-10.0', 10_000_000);
  await killer;
  t.equal(record.outcome, 'guest-lost', JSON.stringify({ error: record.error, stop: record.stopReason, failure: record.failure }));
  t.equal(record.stopReason, 'qemu-exited');
  t.equal(record.failure?.runState, 'qemu-exited (SIGKILL)');
  t.ok(record.mutationsApplied > 0);
  t.equal(record.shutdown?.how, 'exited', 'QEMU was gone before shutdown');
  t.same(trackedProcesses(), []);
});

t.test('a QEMU that stops answering and ignores quit is killed, and the record says so', NEEDS_KVM, async (t) => {
  const stopper = onceSpinning((pid) => process.kill(pid, 'SIGSTOP'));
  const record = await iterate('debian-bpo-10.0', 10_000_000);
  await stopper;
  t.equal(record.shutdown?.how, 'killed', JSON.stringify({ shutdown: record.shutdown, error: record.error }));
  t.ok(record.shutdown!.durationMs >= 5000, `waited out the quit timeout before the kill (${record.shutdown!.durationMs} ms)`);
  t.equal(record.outcome, 'error', 'a QEMU that stopped answering is the harness\'s problem, not a verdict');
  t.match(record.error?.code, /^QMP_TIMEOUT$/);
  t.same(trackedProcesses(), []);
});
