import t from 'tap';
import { expectationFor, qemuWarnings } from '../../orchestrator/runner/expectation.js';

const expect = { stock: 'race', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe' } as const;

t.test("atomic-ioctl is held to the suite's atomic-ioctl line only where the kernel has the list ioctl", async (t) => {
  t.equal(expectationFor(expect, 'atomic-ioctl', { kvm: { USER_MEMORY_REGION_LIST: 128 } }), 'safe');
  t.equal(expectationFor(expect, 'atomic-ioctl', { kvm: { USER_MEMORY_REGION_LIST: 0 } }), 'race', 'falls back to stock');
  t.equal(expectationFor(expect, 'atomic-ioctl', { kvm: {} }), 'race');
  t.equal(expectationFor(expect, 'atomic-ioctl', {}), 'safe', 'capabilities unknown: the family line');
  t.equal(expectationFor(expect, 'paused-vcpu', { kvm: { USER_MEMORY_REGION_LIST: 0 } }), 'safe');
  t.equal(expectationFor(expect, 'stock', { kvm: { USER_MEMORY_REGION_LIST: 128 } }), 'race');
  t.equal(expectationFor({}, 'stock', {}), null);
});

t.test("QEMU's warning lines are picked out of its output", async (t) => {
  const output = [
    'qemu-system-x86_64: warning: kvm: this kernel has no KVM_SET_USER_MEMORY_REGION_LIST',
    'KVM internal error. Suberror: 1',
    'qemu-system-x86_64: warning: host doesn\'t support requested feature',
  ].join('\n');
  t.same(qemuWarnings(output), [
    'qemu-system-x86_64: warning: kvm: this kernel has no KVM_SET_USER_MEMORY_REGION_LIST',
    "qemu-system-x86_64: warning: host doesn't support requested feature",
  ]);
  t.same(qemuWarnings(output, 1).length, 1);
  t.same(qemuWarnings(''), []);
});
