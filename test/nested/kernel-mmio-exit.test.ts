// tier: nested
/*
 * The fourth answer: kernel 6.1-mmio-exit (qemu-patches/linux-6.1/mmio-exit),
 * booted as L1 under TCG. kvm-probe sees the zero-length MMIO exit of a fetch
 * from a deleted slot directly, and the race itself (two single ioctls) with
 * every such exit resumed; pam-qmp runs on 7.2-stock (the naive form of
 * the proposal: every such exit resumed) and on 7.2-mmio-aware. The same
 * fetch under 6.1-stock, an internal error, is checked in kernel-run.test.ts.
 */
import t from 'tap';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { iterationsThatRan, probeInL1, runInKernel } from '../fixtures/kernel-under-test.js';

const CODE_GPA = 0x1000;

t.test('6.1-mmio-exit: a fetch from a deleted slot exits as a zero-length MMIO read, again while the slot is missing, and runs on once it is back', async (t) => {
  const probe = await probeInL1('6.1-mmio-exit', [
    `${kvmProbePath()} fetch-test; echo "{\\"fetchExit\\":$?}"`,
    `${kvmProbePath()} single-test 20000; echo "{\\"singleExit\\":$?}"`,
  ]);
  t.match(probe.release, /^6\.1\.\d+-slotlab-mmio-exit$/);
  t.equal(probe.kvm.X86_MMIO_FETCH_EXIT, 1, 'the capability is offered');
  t.equal(probe.kvm.USER_MEMORY_REGION_LIST, 0, 'and no list ioctl');
  const fetch = probe.lines.find((line) => line.test === 'fetch') as
    | { capability: number; first: Record<string, unknown>; again?: Record<string, unknown>; slotBack?: Record<string, unknown>; counter: number }
    | undefined;
  if (!fetch) return t.fail(`no fetch line: ${JSON.stringify(probe.lines)}`);
  t.equal(fetch.capability, 1);
  t.same(fetch.first, { exit: 'mmio', suberror: 0, mmioGpa: CODE_GPA, mmioLen: 0, mmioWrite: 0, port: 0, rip: CODE_GPA }, 'a zero-length read of the fetched GPA, RIP unchanged');
  t.same(fetch.again, fetch.first, 're-entered without the slot: the same exit again (a guest in the weeds loops)');
  t.equal(fetch.slotBack?.exit, 'io', 'with the slot back the vCPU runs to its out instruction');
  t.equal(fetch.slotBack?.port, 0x10);
  t.equal(fetch.counter, 1, 'and executed the increment before it exactly once');
  t.ok(probe.lines.some((line) => line.fetchExit === 0));
  const single = probe.lines.find((line) => line.test === 'single');
  t.equal(single?.toggles, 20000, 'the race (two single ioctls) 20,000 times');
  t.equal(single?.lost, false, `resuming every zero-length exit, as QEMU does, the vCPU survives: exit ${String(single?.exit)}, suberror ${String(single?.suberror)}, data ${JSON.stringify(single?.internalData)}`);
  t.ok(Number(single?.fetchExits) > 0, `it did meet the missing slot (${String(single?.fetchExits)} fetch exits resumed)`);
  t.ok(Number(single?.counterAfter) > Number(single?.counterBefore), 'and kept running');
});

t.test('pam-qmp under 6.1-mmio-exit: 7.2-stock (every fetch exit resumed) and 7.2-mmio-aware survive 300 mutations x 2', async (t) => {
  const records = await runInKernel(t, '6.1-mmio-exit', 'pam-qmp', ['7.2-stock', '7.2-mmio-aware'], 2, 300);
  for (const [build, family] of [
    ['7.2-stock', 'mmio-exit'],
    ['7.2-mmio-aware', 'mmio-aware'],
  ] as const) {
    for (const record of iterationsThatRan(t, records, build, 2)) {
      t.equal(record.host.kernelUnderTest?.name, '6.1-mmio-exit');
      t.equal(record.host.kvm?.X86_MMIO_FETCH_EXIT, 1);
      t.equal(record.family, family, `${build} on a kernel with fetch exits is ${family}`);
      t.equal(record.expected, 'safe');
      t.equal(record.outcome, 'survived', `${build} iteration ${record.iteration}: ${record.stopReason} ${record.stderrExcerpt}`);
      t.equal(record.mutationsApplied, 300);
    }
  }
});
