// tier: nested
/*
 * The end-to-end tests here boot the kernels under test (built by `npm test`'s
 * setup) as L1 under TCG: kvm-probe calls KVM_SET_USER_MEMORY_REGION_LIST
 * directly, and pam-qmp runs on the three 7.2 builds inside them.
 */
import t from 'tap';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { BOOT_ATTEMPTS } from '../../orchestrator/runner/run-plan.js';
import { L1_TIME_SCALE, jobTimeoutMs, planFileOf, runJobScript, runUnderKernel } from '../../orchestrator/nested/kernel-run.js';
import { readPlanFile } from '../../orchestrator/runner/plan-file.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readRun } from '../../orchestrator/results/run-store.js';
import { makePlan } from '../../orchestrator/runner/plan.js';
import { loadSuite } from '../../orchestrator/suites/load-suite.js';
import { acceptFinding } from '../fixtures/findings.js';
import { iterationsThatRan, probeInL1 } from '../fixtures/kernel-under-test.js';
import { isolatedRuns, tempDir } from '../fixtures/temp-dir.js';

const plan = makePlan(loadSuite('pam-qmp'), ['7.2-stock', '7.2-atomic-ioctl'], { repetitions: 3, mutations: 200 }, 42);

t.test('L1 runs the same plan, handed over as a JSON file, with slotlab run --plan and without --kernel', async (t) => {
  const jobDir = tempDir(t, 'slotlab-job-');
  const script = runJobScript(plan, jobDir);
  t.match(script, /^cd '.+' \|\| exit 125$/m);
  t.match(script, new RegExp(`^export SLOTLAB_RUNS_DIR='${jobDir}/runs'$`, 'm'));
  t.match(script, new RegExp(`^export SLOTLAB_TIME_SCALE='${L1_TIME_SCALE}'$`, 'm'));
  t.match(script, new RegExp(`^export SLOTLAB_KERNEL_PROVENANCE='${jobDir}/kernel\\.json'$`, 'm'));
  t.match(script, new RegExp(`^export SLOTLAB_STATES_DIR='${jobDir}/guest-states'$`, 'm'), 'saved states in the job folder: L1 sees the cache read-only');
  t.match(script, new RegExp(`^exec '.+node' '.+/dist/orchestrator/cli/main\\.bundle\\.mjs' 'run' '--plan' '${planFileOf(jobDir)}'$`, 'm'), 'the CLI bundled in one file (npm run build), read over 9p at once');
  t.notMatch(script, /--kernel|--build/, 'no flags rebuilt from the plan');
  const received = readPlanFile(planFileOf(jobDir));
  t.same({ file: received.loaded.file, builds: received.builds, seed: received.seed, overrides: received.overrides, items: received.items }, { file: plan.loaded.file, builds: plan.builds, seed: plan.seed, overrides: plan.overrides, items: plan.items });
  const resumed = runJobScript(plan, tempDir(t, 'slotlab-job-'), 'run-1');
  t.match(resumed, /'run' '--resume' 'run-1'$/m, 'a resume continues the run from its own manifest');
});

t.test('the job timeout grows with the iterations and the scaled boot timeout', async (t) => {
  const one = makePlan(loadSuite('pam-qmp'), ['7.2-stock'], { repetitions: 1 }, 1);
  t.ok(jobTimeoutMs(plan) > jobTimeoutMs(one));
  const budget = (p: typeof one, boots: number) => 120_000 + (boots * p.loaded.suite.guest.bootTimeoutSeconds * L1_TIME_SCALE + p.items[0]!.limits.durationSeconds + 60) * 1000;
  t.equal(jobTimeoutMs(one), budget(one, 1), 'a spin guest boots once');
  const linux = makePlan(loadSuite('linux-hotplug'), ['7.2-stock'], { repetitions: 1 }, 1);
  t.equal(jobTimeoutMs(linux), budget(linux, BOOT_ATTEMPTS), 'a Linux guest may boot BOOT_ATTEMPTS times');
});

const EXPECTED_CHECKS = [
  'nent 0', 'nent above the capability', 'list flags not 0', 'duplicate slot id', 'overlapping creations',
  'entry with unknown flags', 'entry with unaligned address', 'entries in two address spaces',
  'delete of a slot that does not exist', 'creation over a slot left in place', 'refused lists changed nothing',
  'clean up', 'delete and re-create a range under another id', 'and back',
];

t.test('6.1-atomic-ioctl: the list ioctl refuses bad lists and swaps the slot a running vCPU executes from, 2000 times, without losing it', async (t) => {
  const probe = await probeInL1('6.1-atomic-ioctl', [`exec ${kvmProbePath()} list-test 2000`]);
  t.match(probe.release, /^6\.1\.\d+-slotlab-atomic-ioctl$/);
  t.equal(probe.kvm.USER_MEMORY_REGION_LIST, 128, 'the capability says how long a list may be');
  const checks = probe.lines.filter((line) => typeof line.check === 'string');
  t.same(checks.map((line) => line.check), EXPECTED_CHECKS);
  for (const check of checks) t.equal(check.ok, true, `${String(check.check)}: want ${String(check.want)}, got ${String(check.got)}`);
  const swap = probe.lines.find((line) => line.test === 'list');
  t.ok(swap, 'the vCPU test ran');
  t.equal(swap!.toggles, 2000);
  t.equal(swap!.lost, false, `exit ${String(swap!.exit)}, rip ${String(swap!.rip)}`);
  t.ok(Number(swap!.counterAfter) > Number(swap!.counterBefore), 'the vCPU kept running');
  t.equal(probe.jobExit, 0);
});

t.test('6.1-stock: no list ioctl, and the same swap as two single ioctls loses the vCPU (the control)', async (t) => {
  const probe = await probeInL1('6.1-stock', [
    `${kvmProbePath()} list-test 10; echo "{\\"listExit\\":$?}"`,
    `${kvmProbePath()} single-test 20000; echo "{\\"singleExit\\":$?}"`,
    `${kvmProbePath()} fetch-test`,
    'echo "{\\"panicOnRcuStall\\":$(cat /proc/sys/kernel/panic_on_rcu_stall),\\"rcuStallTimeout\\":$(cat /sys/module/rcupdate/parameters/rcu_cpu_stall_timeout)}"',
  ]);
  t.match(probe.release, /^6\.1\.\d+-slotlab-stock$/);
  t.ok(probe.lines.some((line) => line.panicOnRcuStall === 1 && line.rcuStallTimeout === 120), 'an L1 wedged in an RCU stall for two minutes panics (and the run goes on in a fresh L1)');
  t.equal(probe.kvm.USER_MEMORY_REGION_LIST, 0);
  t.ok(probe.lines.some((line) => line.listExit === 2), 'list-test: cannot test');
  const single = probe.lines.find((line) => line.test === 'single');
  t.equal(single?.lost, true, 'a fetch between delete and create fails');
  t.ok(['internal-error', 'mmio'].includes(String(single?.exit)), `exit ${String(single?.exit)}: a fetch or a data access in the missing range`);
  const fetch = probe.lines.find((line) => line.test === 'fetch') as { first: Record<string, unknown>; again?: unknown } | undefined;
  t.same(fetch?.first, { exit: 'internal-error', suberror: 1, mmioGpa: 0, mmioLen: 0, mmioWrite: 0, port: 0, rip: 0x1000 }, 'a fetch from a deleted slot: an emulation failure (the mmio-exit kernel exits as MMIO instead)');
  t.equal(fetch?.again, undefined);
});

async function runIn(t: Parameters<typeof tempDir>[0], kernel: string, builds: string[], repetitions: number, mutations: number): Promise<IterationRecord[]> {
  isolatedRuns(t);
  const plan = makePlan(loadSuite('pam-qmp'), builds, { repetitions, mutations }, 7);
  const output = await runUnderKernel({ plan, kernel });
  return readRun(output.runId).records;
}

t.test('under 6.1-atomic-ioctl: 7.2-stock loses the guest, 7.2-atomic-ioctl, 10.0-atomic-ioctl and 7.2-paused-vcpu survive 300 mutations x 3', async (t) => {
  const records = await runIn(t, '6.1-atomic-ioctl', ['7.2-stock', '7.2-atomic-ioctl', '10.0-atomic-ioctl', '7.2-paused-vcpu'], 3, 300);
  const of = (build: string) => records.filter((record) => record.build.name === build);
  for (const record of records) {
    t.equal(record.host.kernelUnderTest?.name, '6.1-atomic-ioctl', 'every record names the kernel under test');
    t.equal(record.host.kvm?.USER_MEMORY_REGION_LIST, 128);
    t.match(record.host.kernel, /slotlab-atomic-ioctl/);
  }
  // An L2 boot that hangs before the first mutation is accepted only as finding l2-boot-hang, within its bound.
  const conclusive = (build: string) => iterationsThatRan(t, records, build, 3);
  t.ok(conclusive('7.2-stock').every((record) => record.outcome === 'guest-lost' && record.failure?.suberror === 1), 'stock: lost every time it ran');
  for (const build of ['7.2-atomic-ioctl', '10.0-atomic-ioctl', '7.2-paused-vcpu']) {
    const ran = conclusive(build);
    // A stalled record whose every vCPU advanced again is accepted only as finding l1-transient-stall; a vCPU stuck for good fails.
    const transient = acceptFinding(t, 'l1-transient-stall', ran.filter((record) => record.outcome === 'stalled' && record.progressAfter.every((after, vcpu) => BigInt(after) > BigInt(record.progressBefore[vcpu] ?? after))), ran.length, build);
    for (const record of ran) {
      if (!transient.includes(record)) t.equal(record.outcome, 'survived', `${build} iteration ${record.iteration}: ${record.outcome}, ${record.stopReason} ${record.error?.message ?? ''} ${record.livelock ? JSON.stringify(record.livelock) : ''}`);
      t.equal(record.mutationsApplied, 300);
      t.equal(record.expected, 'safe');
      t.ok(record.latency && record.latency.count === 300, 'per-mutation latency');
    }
  }
  for (const build of ['7.2-atomic-ioctl', '10.0-atomic-ioctl']) t.notOk(of(build).some((record) => record.qemuWarnings?.some((line) => /REGION_LIST/.test(line))), `${build}: no fallback with the capability present`);
  t.ok(of('10.0-atomic-ioctl').every((record) => record.expected === 'safe' && record.build.family === 'atomic-ioctl'), "10.0-atomic-ioctl is held to the list ioctl's expectation there");
  t.same(records.filter((record) => record.startNote).map((record) => record.startNote), [], 'every state saved inside L1 (in the job folder) and restored without a note');
  for (const build of ['7.2-stock', '7.2-atomic-ioctl', '10.0-atomic-ioctl', '7.2-paused-vcpu']) t.ok(of(build).some((record) => record.start === 'restored'), `${build}: later iterations restore the guest inside L1`);
});

t.test('under 6.1-stock: 7.2-atomic-ioctl reports the fallback and loses the guest like stock', async (t) => {
  const records = await runIn(t, '6.1-stock', ['7.2-atomic-ioctl'], 2, 300);
  t.equal(records.length, 2);
  for (const record of records) {
    t.equal(record.host.kvm?.USER_MEMORY_REGION_LIST, 0);
    if (record.outcome === 'error' && record.mutationsAttempted === 0) continue; // an L2 boot hang under TCG
    t.match(record.qemuWarnings?.join('\n'), /no KVM_SET_USER_MEMORY_REGION_LIST .*falling back/);
    t.equal(record.outcome, 'guest-lost');
    t.equal(record.expected, 'race');
  }  t.ok(records.some((record) => record.outcome === 'guest-lost'), 'lost at least once');
});
