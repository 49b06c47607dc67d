// tier: build
import t from 'tap';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('kernel needs build and a kernel name; unknown kernels are named with the known ones', async (t) => {
  for (const [args, message] of [
    [['kernel'], /kernel needs a subcommand: kernel build <name>\.\.\. \| --all \(known kernels: 6\.1-stock, 6\.1-atomic-ioctl, 6\.1-mmio-exit, 6\.12-stock, 6\.12-atomic-ioctl, debian-6\.1, debian-bpo-6\.12\)/],
    [['kernel', 'build'], /kernel build needs a kernel name or --all/],
    [['kernel', 'build', '--all', '6.1-stock'], /--all builds every kernel; do not name kernels with it/],
    [['kernel', 'build', '5.4-stock'], /unknown kernel '5\.4-stock'/],
  ] as const) {
    const result = await slotlab([...args]);
    t.equal(result.exitCode, 2, args.join(' '));
    t.match(result.stderr, message);
  }
});

t.test('kernels lists both kernels under test with their provenance; a cache hit builds nothing', async (t) => {
  const listed = await slotlab(['kernels']);
  t.equal(listed.exitCode, 0);
  t.match(listed.stdout, /^6\.1-stock \(source-build\)\n  source:  Debian linux-source-6\.1 \S+\n  base:    Linux 6\.1, variant stock\n  patches: \(none\)/m);
  t.match(listed.stdout, /^6\.1-atomic-ioctl \(source-build\)[\s\S]*0001-kvm-set-user-memory-region-list\.patch sha256 [0-9a-f]{64}\n  config:  sha256 [0-9a-f]{64}\n  bzImage: .*kernel-builds\/6\.1-atomic-ioctl\/[0-9a-f]{20}\/bzImage/m);
  t.match(listed.stdout, /^6\.12-atomic-ioctl \(source-build\)\n  source:  Debian linux-source-6\.12 \S+~bpo12\S*\n  base:    Linux 6\.12, variant atomic-ioctl\n  patches: \n    0001-kvm-set-user-memory-region-list\.patch sha256 [0-9a-f]{64}/m, "6.12 from bookworm-backports' source, with its own port of the patch");
  t.match(listed.stdout, /^6\.1-mmio-exit \(source-build\)\n  source:  Debian linux-source-6\.1 \S+\n  base:    Linux 6\.1, variant mmio-exit\n  patches: \n    0001-kvm-x86-mmio-exit-on-fetch-without-slot\.patch sha256 [0-9a-f]{64}/m);
  const again = await slotlab(['kernel', 'build', '6.1-atomic-ioctl']);
  t.equal(again.exitCode, 0);
  t.equal(again.stderr, '', 'nothing fetched or compiled');
  t.match(again.stdout, /^6\.1-atomic-ioctl \(source-build\)/);
});

t.test('an empty cache says how to build each kernel', async (t) => {
  const result = await slotlab(['kernels'], { env: { SLOTLAB_CACHE: tempDir(t, 'slotlab-cache-') } });
  t.match(result.stdout, /6\.1-stock\n  Linux 6\.1 from Debian's linux-source-6\.1.*\n  not ready: .*run `slotlab kernel build 6\.1-stock`/);
});

t.test('run --kernel with --resume is refused: a resumed run keeps where it ran', async (t) => {
  const result = await slotlab(['run', '--resume', 'x', '--kernel', '6.1-stock']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /--resume takes only the run id/);
});
