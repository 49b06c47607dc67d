// tier: unit
import t from 'tap';
import { expectationFor, qemuWarnings } from '../../orchestrator/runner/expectation.js';

const expect = { stock: 'race', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe' } as const;

t.test("a cell is held to the suite's line for the fix it carries; a family the suite does not name has no expectation", async (t) => {
  t.equal(expectationFor(expect, 'stock'), 'race');
  t.equal(expectationFor(expect, 'mmio-exit'), 'safe');
  t.equal(expectationFor(expect, 'mmio-aware'), null);
  t.equal(expectationFor({}, 'stock'), null);
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
