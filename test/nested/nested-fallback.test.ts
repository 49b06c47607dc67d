// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { NESTED_KERNEL } from '../../orchestrator/runner/linux-guest.js';
import { nestedFallback } from '../../orchestrator/nested/nested-fallback.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('a host without a usable /dev/kvm runs every guest inside the kernel under test', async (t) => {
  const sys = tempDir(t, 'slotlab-sys-module-');
  for (const image of ['spin', 'linux'] as const) {
    t.same(nestedFallback(image, '/nonexistent/kvm', sys), { kernel: NESTED_KERNEL, why: 'this host has no usable KVM (/dev/kvm is not usable: /nonexistent/kvm does not exist)' }, image);
  }
});

t.test("a KVM that cannot boot Linux sends only Linux guests inside; any other KVM runs everything itself", async (t) => {
  const sys = tempDir(t, 'slotlab-sys-module-');
  const device = path.join(sys, 'kvm-device');
  fs.writeFileSync(device, '');
  fs.mkdirSync(path.join(sys, 'kvm_amd'));
  t.equal(nestedFallback('linux', device, sys), undefined);
  t.equal(nestedFallback('spin', device, sys), undefined);
  fs.mkdirSync(path.join(sys, 'kvm_pvm'));
  t.same(nestedFallback('linux', device, sys), { kernel: NESTED_KERNEL, why: "this host's /dev/kvm comes from kvm_pvm, which cannot boot a Linux guest" });
  t.equal(nestedFallback('spin', device, sys), undefined, 'the spin image runs on kvm_pvm');
});
