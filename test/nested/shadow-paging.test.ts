// tier: nested
/*
 * A kernel under test with its KVM on shadow paging (kvm_amd.npt=0 on L1's
 * command line): kvm-probe caps reports TDP 0 (TDP 1 by default), runs record it
 * in host.kvm, and their cells are told apart from the same kernel on TDP.
 */
import t from 'tap';
import { cellBuild } from '../../orchestrator/stats/cell-stats.js';
import { iterationsThatRan, probeInL1, runInKernel } from '../fixtures/kernel-under-test.js';

t.test('kvm-probe caps says how L1\'s KVM pages: TDP 1 by default, 0 with --paging shadow', async (t) => {
  const tdp = await probeInL1('6.1-atomic-ioctl', []);
  t.equal(tdp.kvm.TDP, 1, 'npt on: the default');
  const shadow = await probeInL1('6.1-atomic-ioctl', [], 'shadow');
  t.equal(shadow.kvm.TDP, 0, 'kvm_amd.npt=0');
  t.equal(shadow.kvm.USER_MEMORY_REGION_LIST, 128, 'the list ioctl is there either way');
});

t.test('pam-qmp on 7.2-paused-vcpu under 6.1-atomic-ioctl on shadow paging: host.kvm.TDP 0, a cell of its own', async (t) => {
  const records = await runInKernel(t, '6.1-atomic-ioctl', 'pam-qmp', ['7.2-paused-vcpu'], 2, 200, 'shadow');
  for (const record of iterationsThatRan(t, records, '7.2-paused-vcpu', 2)) {
    t.equal(record.host.kvm?.TDP, 0);
    t.equal(cellBuild(record), '7.2-paused-vcpu @ 6.1-atomic-ioctl (shadow paging)');
    t.equal(record.outcome, 'survived', `${record.stopReason} ${record.stderrExcerpt}`);
    t.equal(record.mutationsApplied, 200);
  }
});

t.test('pam-paged (page tables, code, GDT and IDT in the re-created slot) on shadow paging: the list survives, stock QEMU does not', async (t) => {
  const atomic = await runInKernel(t, '6.1-atomic-ioctl', 'pam-paged', ['7.2-atomic-ioctl'], 2, 300, 'shadow');
  for (const record of iterationsThatRan(t, atomic, '7.2-atomic-ioctl', 2)) {
    t.equal(record.outcome, 'survived', `the list waits on every path a shadow-paging vCPU takes: ${record.stopReason} ${JSON.stringify(record.failure ?? null)}`);
    t.equal(record.mutationsApplied, 300);
  }
  const stock = await runInKernel(t, '6.1-stock', 'pam-paged', ['7.2-stock'], 2, 300, 'shadow');
  for (const record of iterationsThatRan(t, stock, '7.2-stock', 2)) {
    t.equal(record.outcome, 'guest-lost', 'two ioctls: the vCPU meets the hole');
    t.equal(cellBuild(record), '7.2-stock @ 6.1-stock (shadow paging)');
  }
});
