import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { slotlab } from '../fixtures/cli.js';

t.test('builds lists every build with version and path', async (t) => {
  const result = await slotlab(['builds']);
  t.equal(result.exitCode, 0);
  t.match(result.stdout, /debian-7\.2\n.*\n  version: QEMU emulator version 7\.2.*\n  binary:  \/usr\/bin\/qemu-system-x86_64/);
  t.match(result.stdout, /debian-bpo-10\.0\n.*\n  version: QEMU emulator version 10\.0\.2.*\n  binary:  \/.*debian-bpo-10\.0\/.*\/usr\/bin\/qemu-system-x86_64/);
});

t.test('doctor finds everything in place on this machine', async (t) => {
  const result = await slotlab(['doctor']);
  t.equal(result.exitCode, 0, result.stdout as string);
  t.match(result.stdout, /ok +\/dev\/kvm/);
  t.match(result.stdout, /ok +firmware for debian-bpo-10\.0: .*bios-256k\.bin/);
  t.match(result.stdout, /all good/);
});

t.test('doctor names what is missing and the fix', async (t) => {
  const cache = tempDir(t, 'slotlab-empty-cache-');
  const result = await slotlab(['doctor'], { env: { SLOTLAB_CACHE: cache } });
  t.equal(result.exitCode, 1);
  t.match(result.stdout, /MISSING build debian-bpo-10\.0: .*no extracted QEMU 10\.0.*\n\s+fix: npm run setup/);
});

t.test('help', async (t) => {
  const result = await slotlab(['--help']);
  t.equal(result.exitCode, 0);
  t.match(result.stdout, /slotlab run <suite> --build <name>/);
});
