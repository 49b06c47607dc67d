import fs from 'node:fs';
import t from 'tap';
import { imagePath } from '../../orchestrator/images/build-images.js';
import { SYSTEM_PACKAGES, TEST_PACKAGES, setup } from '../../orchestrator/setup/setup.js';
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
});
