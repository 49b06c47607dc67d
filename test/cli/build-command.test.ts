// tier: host
import { PassThrough } from 'node:stream';
import t from 'tap';
import { BuildProgressLine, describeProvenance } from '../../orchestrator/cli/build-command.js';
import { slotlab } from '../fixtures/cli.js';
import { tempDir } from '../fixtures/temp-dir.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('build without a name, --all or a registration is a usage error', async (t) => {
  const result = await slotlab(['build']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /build needs a build name, --all, --qemu-bin or --qemu-src/);
});

t.test('registering needs --name and --family, and one source only', async (t) => {
  const env = { SLOTLAB_CACHE: tempDir(t, 'slotlab-cache-') };
  t.match((await slotlab(['build', '--qemu-bin', '/usr/bin/qemu-system-x86_64', '--family', 'stock'], { env })).stderr, /needs --name NAME/);
  t.match((await slotlab(['build', '--qemu-bin', '/usr/bin/qemu-system-x86_64', '--name', 'x'], { env })).stderr, /--qemu-bin needs --family \(stock \| paused-vcpu \| atomic-ioctl \| mmio-aware\)/);
  t.match(
    (await slotlab(['build', '--qemu-bin', '/usr/bin/qemu-system-x86_64', '--name', 'x', '--family', 'mmio-exit'], { env })).stderr,
    /--family must be one of stock, paused-vcpu, atomic-ioctl, mmio-aware, not 'mmio-exit'/,
    'mmio-exit is what a cell carries, not what a build does',
  );
  t.match((await slotlab(['build', '--qemu-bin', '/usr/bin/qemu-system-x86_64', '--name', 'x', '--family', 'fixed'], { env })).stderr, /--family must be one of/);
  t.match((await slotlab(['build', '--qemu-bin', 'a', '--qemu-src', 'b', '--name', 'x'], { env })).stderr, /either --qemu-bin or --qemu-src/);
  t.match((await slotlab(['build', '--all', '7.2-stock'])).stderr, /--all builds every build/);
  const unknown = await slotlab(['build', 'no-such-build']);
  t.equal(unknown.exitCode, 2);
  t.match(unknown.stderr, /unknown build 'no-such-build'/);
});

t.test('a registered binary shows up in builds with its provenance and runs a suite', NEEDS_KVM, async (t) => {
  const env = { SLOTLAB_CACHE: tempDir(t, 'slotlab-cache-'), SLOTLAB_RUNS_DIR: tempDir(t, 'slotlab-runs-') };
  const registered = await slotlab(['build', '--qemu-bin', '/usr/bin/qemu-system-x86_64', '--name', 'mine', '--family', 'stock'], { env });
  t.equal(registered.exitCode, 0, String(registered.stderr));
  t.match(registered.stdout, /^mine \(stock, user-binary\)\n  version: QEMU emulator version 7\.2/);
  const listed = await slotlab(['builds'], { env });
  t.match(listed.stdout, /mine \(stock, user-binary\)[\s\S]*registered binary \/usr\/bin\/qemu-system-x86_64/);
  const run = await slotlab(['run', 'pam-qmp', '--build', 'mine', '--repetitions', '1', '--mutations', '300', '--json'], { env });
  t.equal(run.exitCode, 0, String(run.stderr));
  t.match(JSON.parse(String(run.stdout).split('\n')[0]!), { build: { name: 'mine', kind: 'user-binary' }, outcome: 'guest-lost' });
});

t.test('building an already built variant is a cache hit that prints its provenance', async (t) => {
  const result = await slotlab(['build', '7.2-paused-vcpu']);
  t.equal(result.exitCode, 0, String(result.stderr));
  t.equal(result.stderr, '', 'no phase ran');
  t.match(result.stdout, /^7\.2-paused-vcpu \(paused-vcpu, source-build\)\n/);
  t.match(result.stdout, /  base:    QEMU 7\.2, variant paused-vcpu\n  patches: \n    common\/0000-memory-trace-transaction-commits\.patch sha256 [0-9a-f]{64}\n    0001-kvm-overlapping-slot-updates-with-vcpus-out\.patch sha256 [0-9a-f]{64}\n  configure: configure --target-list=x86_64-softmmu/);
  t.match(result.stdout, /  built:   \d{4}-.* in \d+ s, cache key [0-9a-f]{20}/);
});

function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  stream.isTTY = isTTY;
  let text = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

t.test('progress: one line per phase, compile counts every 10% off a terminal', async (t) => {
  const { stream, text } = capture(false);
  const line = new BuildProgressLine(stream);
  line.update({ build: 'b', phase: 'configure' });
  for (let done = 1; done <= 100; done++) line.update({ build: 'b', phase: 'compile', done, total: 100 });
  line.update({ build: 'b', phase: 'install' });
  await new Promise((resolve) => setImmediate(resolve));
  const lines = text().trim().split('\n');
  t.equal(lines[0], 'slotlab build b: configure');
  const counts = ['1', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100'];
  t.same(lines.filter((l) => l.includes('compile')), counts.map((n) => `slotlab build b: compile ${n}/100`));
  t.equal(lines.at(-2), 'slotlab build b: compile 100/100');
  t.equal(lines.at(-1), 'slotlab build b: install');
});

t.test('progress on a terminal redraws the compile counter in place', async (t) => {
  const { stream, text } = capture(true);
  const line = new BuildProgressLine(stream);
  line.update({ build: 'b', phase: 'compile', done: 1, total: 2 });
  line.update({ build: 'b', phase: 'compile', done: 2, total: 2 });
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(text(), '\r\x1b[2Kslotlab build b: compile 1/2\r\x1b[2Kslotlab build b: compile 2/2\n');
});

t.test('provenance text for a package build has no source-build lines', async (t) => {
  const text = describeProvenance({ name: 'p', family: 'stock', kind: 'system-package', source: 's', binary: '/b', version: 'v', sha256: 'a'.repeat(64) });
  t.equal(text, `p (stock, system-package)\n  version: v\n  source:  s\n  binary:  /b\n  sha256:  ${'a'.repeat(64)}`);
});
