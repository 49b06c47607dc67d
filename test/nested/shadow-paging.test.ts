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
  const records = await runInKernel(t, '6.1-atomic-ioctl', 'pam-qmp', ['7.2-paused-vcpu'], 1, 200, 'shadow');
  for (const record of iterationsThatRan(t, records, '7.2-paused-vcpu', 1)) {
    t.equal(record.host.kvm?.TDP, 0);
    t.equal(cellBuild(record), '7.2-paused-vcpu @ 6.1-atomic-ioctl (shadow paging)');
    t.equal(record.outcome, 'survived', `${record.stopReason} ${record.stderrExcerpt}`);
    t.equal(record.mutationsApplied, 200);
  }
});
