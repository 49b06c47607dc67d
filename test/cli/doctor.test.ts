import t from 'tap';
import { renderChecks, runChecks } from '../../orchestrator/cli/doctor.js';

t.test('every check passes on this machine', async (t) => {
  const checks = await runChecks();
  t.same(checks.filter((check) => !check.ok), []);
  t.same(
    checks.map((check) => check.name),
    ['/dev/kvm', 'nasm', 'setpriv', 'dpkg-deb', 'build debian-7.2', 'firmware for debian-7.2', 'build debian-bpo-10.0', 'firmware for debian-bpo-10.0', 'image spin'],
  );
});

t.test('a failed check shows its fix', async (t) => {
  const text = renderChecks([
    { name: 'nasm', ok: false, detail: 'not found', fix: 'apt-get install nasm' },
    { name: '/dev/kvm', ok: true, detail: 'readable and writable' },
  ]);
  t.equal(text, 'MISSING nasm: not found\n        fix: apt-get install nasm\nok      /dev/kvm: readable and writable');
});
