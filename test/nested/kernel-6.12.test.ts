// tier: nested
/*
 * The Linux 6.12 kernels under test (built by `npm test`'s setup from
 * bookworm-backports' linux-source-6.12), booted as L1 under TCG: kvm-probe
 * calls both list ioctls of the ported patch directly, and pam-qmp runs on
 * 10.0-atomic-ioctl with the list (6.12-atomic-ioctl) and with upstream's
 * accelerator blocker as its fallback (6.12-stock); 7.2-stock is the control.
 * The other race suites are in kernel-6.12-race.test.ts.
 */
import t from 'tap';
import { kvmProbePath } from '../../orchestrator/images/l1-image.js';
import { assertFallbackSurvives, assertListSurvives, iterationsThatRan, probeInL1, runInKernel } from '../fixtures/kernel-under-test.js';

/** The checks kvm-probe makes of a list ioctl, in its order; the region2 list adds the guest_memfd refusal. */
const V1_CHECKS = [
  'nent 0', 'nent above the capability', 'list flags not 0', 'duplicate slot id', 'overlapping creations',
  'entry with unknown flags', 'entry with unaligned address', 'entries in two address spaces',
  'delete of a slot that does not exist', 'creation over a slot left in place', 'refused lists changed nothing',
  'clean up', 'delete and re-create a range under another id', 'and back',
];
const V2_CHECKS = [...V1_CHECKS.slice(0, 6), 'entry asking for a guest_memfd', ...V1_CHECKS.slice(6)];

t.test('6.12-atomic-ioctl: both lists (v1 and region2 entries) refuse bad lists and swap the slot a running vCPU executes from, 2000 times each', async (t) => {
  const probe = await probeInL1('6.12-atomic-ioctl', [
    `${kvmProbePath()} list-test 2000; echo "{\\"listExit\\":$?}"`,
    `${kvmProbePath()} list2-test 2000; echo "{\\"list2Exit\\":$?}"`,
  ]);
  t.match(probe.release, /^6\.12\.\d+-slotlab-atomic-ioctl$/);
  t.equal(probe.kvm.USER_MEMORY_REGION_LIST, 128, 'the 6.1 ABI is kept');
  t.equal(probe.kvm.USER_MEMORY_REGION2_LIST, 128, 'and the region2 list is offered');
  t.equal(probe.kvm.USER_MEMORY2, 1, '6.12 has KVM_SET_USER_MEMORY_REGION2');
  const checks = probe.lines.filter((line) => typeof line.check === 'string');
  t.same(checks.map((line) => line.check), [...V1_CHECKS, ...V2_CHECKS]);
  for (const check of checks) t.equal(check.ok, true, `${String(check.check)}: want ${String(check.want)}, got ${String(check.got)}`);
  t.same(checks.find((line) => line.check === 'entry asking for a guest_memfd'), { check: 'entry asking for a guest_memfd', want: 'EINVAL', got: 'EINVAL', ok: true });
  for (const test of ['list', 'list2']) {
    const swap = probe.lines.find((line) => line.test === test);
    t.ok(swap, `the ${test} vCPU test ran`);
    t.equal(swap?.toggles, 2000);
    t.equal(swap?.lost, false, `${test}: exit ${String(swap?.exit)}, rip ${String(swap?.rip)}`);
    t.ok(Number(swap?.counterAfter) > Number(swap?.counterBefore), `${test}: the vCPU kept running`);
  }
  t.ok(probe.lines.some((line) => line.listExit === 0));
  t.ok(probe.lines.some((line) => line.list2Exit === 0));
});

t.test('6.12-stock: neither list, and the same swap as two single ioctls loses the vCPU (the control)', async (t) => {
  const probe = await probeInL1('6.12-stock', [
    `${kvmProbePath()} list-test 10; echo "{\\"listExit\\":$?}"`,
    `${kvmProbePath()} list2-test 10; echo "{\\"list2Exit\\":$?}"`,
    `${kvmProbePath()} single-test 20000; echo "{\\"singleExit\\":$?}"`,
  ]);
  t.match(probe.release, /^6\.12\.\d+-slotlab-stock$/);
  t.equal(probe.kvm.USER_MEMORY_REGION_LIST, 0);
  t.equal(probe.kvm.USER_MEMORY_REGION2_LIST, 0);
  t.ok(probe.lines.some((line) => line.listExit === 2) && probe.lines.some((line) => line.list2Exit === 2), 'list tests: cannot test');
  const single = probe.lines.find((line) => line.test === 'single');
  t.equal(single?.lost, true, 'a fetch between delete and create fails');
  t.ok(['internal-error', 'mmio'].includes(String(single?.exit)), `exit ${String(single?.exit)}`);
});

t.test('pam-qmp under 6.12-atomic-ioctl: 10.0-atomic-ioctl sends lists and survives (or loses at most one of two to finding list-6.12-no-retries-off-tdp); 7.2-stock loses the guest', async (t) => {
  const records = await runInKernel(t, '6.12-atomic-ioctl', 'pam-qmp', ['7.2-stock', '10.0-atomic-ioctl'], 2, 300);
  for (const record of records) t.match(record.host.kernel, /6\.12\.\d+-slotlab-atomic-ioctl/);
  const stock = iterationsThatRan(t, records, '7.2-stock', 2);
  t.ok(stock.length > 0 && stock.every((record) => record.outcome === 'guest-lost' && record.failure?.suberror === 1), '7.2-stock: lost every time it ran');
  assertListSurvives(t, records, '6.12-atomic-ioctl', 2, 'list-6.12-no-retries-off-tdp');
});

t.test("pam-qmp under 6.12-stock: 10.0-atomic-ioctl warns once, falls back to upstream's blocker and survives", async (t) => {
  assertFallbackSurvives(t, await runInKernel(t, '6.12-stock', 'pam-qmp', ['10.0-atomic-ioctl'], 2, 300), '6.12-stock', 2);
});
