// tier: build
import t from 'tap';
import { ensurePackages, installedVersion, missingPackages } from '../../orchestrator/setup/system-packages.js';

t.test('installed packages are seen with their version', async (t) => {
  t.match(await installedVersion('qemu-system-x86'), /^1:7\.2/);
  t.equal(await installedVersion('no-such-package-slotlab'), undefined);
  t.same(await missingPackages(['nasm', 'no-such-package-slotlab']), ['no-such-package-slotlab']);
});

t.test('nothing to install means no apt at all', async (t) => {
  const lines: string[] = [];
  t.same(await ensurePackages(['nasm', 'qemu-system-x86'], (line) => lines.push(line)), []);
  t.same(lines, []);
});

t.test('a package apt cannot install is one clear error', async (t) => {
  await t.rejects(ensurePackages(['no-such-package-slotlab'], () => undefined), {
    code: 'PACKAGE_INSTALL_FAILED',
    message: /apt-get could not install no-such-package-slotlab/,
  });
});
