// tier: build
import fs from 'node:fs';
import t from 'tap';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { DEFAULT_MATRIX } from '../../orchestrator/cli/report-commands.js';
import { SYSTEM_PACKAGES, TEST_PACKAGES, parseSetupStepLine, setup, setupScope, setupStepLine } from '../../orchestrator/setup/setup.js';
import { missingPackages } from '../../orchestrator/setup/system-packages.js';

t.test('setup leaves every package, build and image in place and says what it found', async (t) => {
  const lines: string[] = [];
  await setup((line) => lines.push(line), { forTests: true });
  t.same(await missingPackages([...SYSTEM_PACKAGES, ...TEST_PACKAGES]), []);
  t.ok(fs.existsSync(imagePath('spin')));
  t.match(lines.join('\n'), /build debian-7\.2: QEMU emulator version 7\.2/);
  t.match(lines.join('\n'), /build debian-bpo-10\.0: QEMU emulator version 10\.0\.2/);
  t.match(lines.join('\n'), /image spin: .*spin\.bin \(cached\)/);
  t.notMatch(lines.join('\n'), /installing|fetching/, 'a second setup installs and fetches nothing');
  t.match(lines.join('\n'), /setup step packages: [\d.]+ s \(cached\)/);
  t.match(lines.join('\n'), /setup step kernel:6\.1-stock: [\d.]+ s \(cached\)/);
});

t.test("the main job's setup builds only what the demo runs; the tests' builds everything", async (t) => {
  const demo = setupScope({ builds: DEFAULT_MATRIX.builds, kvmUsable: true });
  t.same(demo.builds.map((build) => build.name), ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu']);
  t.same(demo.kernels, [], 'no kernel under test where KVM runs the guest');
  t.equal(demo.l1Initramfs, false);
  const nested = setupScope({ builds: DEFAULT_MATRIX.builds, kvmUsable: false });
  t.same(nested.kernels.map((kernel) => kernel.name), ['debian-6.1'], 'without a usable KVM the demo runs inside debian-6.1, so that is set up');
  t.equal(nested.l1Initramfs, true);
  const tests = setupScope({ forTests: true, builds: DEFAULT_MATRIX.builds, kvmUsable: true });
  t.same(tests.builds.map((build) => build.name), ['debian-7.2', 'debian-bpo-10.0', '7.2-stock', '7.2-paused-vcpu', '7.2-atomic-ioctl', '7.2-mmio-aware', '10.0-stock', '10.0-atomic-ioctl']);
  t.same(tests.kernels.map((kernel) => kernel.name), ['6.1-stock', '6.1-atomic-ioctl', '6.1-mmio-exit', '6.12-stock', '6.12-atomic-ioctl', 'debian-6.1', 'debian-bpo-6.12']);
  t.equal(tests.linuxGuest, true);
});

t.test('a setup step line says its time and whether it was cached, and reads back', async (t) => {
  const line = setupStepLine({ step: 'kernel:6.1-stock', seconds: 512.34, cached: false });
  t.equal(line, 'setup step kernel:6.1-stock: 512.3 s (done)');
  t.same(parseSetupStepLine(`slotlab setup: ${line}`), { step: 'kernel:6.1-stock', seconds: 512.3, cached: false });
  t.same(parseSetupStepLine('slotlab setup: setup step packages: 0.2 s (cached)'), { step: 'packages', seconds: 0.2, cached: true });
  t.equal(parseSetupStepLine('slotlab setup: build 7.2-stock: compile'), undefined);
});
