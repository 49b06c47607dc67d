// tier: host
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { findBuild } from '../../orchestrator/builds/build-registry.js';
import { BuildNotReadyError } from '../../orchestrator/builds/build-errors.js';
import { readSeries } from '../../orchestrator/builds/patch-series.js';
import { sha256File } from '../../orchestrator/builds/provenance.js';
import { cachedQemuSource } from '../../orchestrator/builds/qemu-source.js';
import { patchesRoot, qemuVariantBuilds } from '../../orchestrator/builds/qemu-variants.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { slotlab } from '../fixtures/cli.js';
import { isolatedCache, tempDir } from '../fixtures/temp-dir.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('variants of two bases, each with its own patch folder', async (t) => {
  t.same(qemuVariantBuilds.map((build) => [build.name, build.family]), [
    ['7.2-stock', 'stock'],
    ['7.2-paused-vcpu', 'paused-vcpu'],
    ['7.2-atomic-ioctl', 'atomic-ioctl'],
    ['7.2-mmio-aware', 'mmio-aware'],
    ['10.0-stock', 'paused-vcpu'],
    ['10.0-atomic-ioctl', 'atomic-ioctl'],
  ]);
  for (const base of ['7.2', '10.0']) t.ok(fs.existsSync(path.join(patchesRoot, base, 'atomic-ioctl', 'README.md')), `${base}: the atomic-ioctl slot states its kernel contract`);
});

// What configure is given, written out by hand: 7.2 takes slotlab's flags as they are; trixie's 10.0
// does not know --with-git-submodules, needs the network kept away, no blobs installed, no Rust, and
// bookworm-backports' meson (its tarball ships no wheel and bookworm's meson is too old).
const CONFIGURE_7_2 =
  'configure --target-list=x86_64-softmmu --without-default-features --enable-kvm --disable-tcg --disable-docs --disable-werror --disable-debug-info --audio-drv-list= --enable-fdt=system --with-git-submodules=ignore --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu';
const CONFIGURE_10_0 = new RegExp(
  '^' +
    'configure --target-list=x86_64-softmmu --without-default-features --enable-kvm --disable-tcg --disable-docs --disable-werror --disable-debug-info --audio-drv-list= --enable-fdt=system --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu --disable-download --disable-install-blobs --disable-rust'.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') +
    ' \\(meson: bookworm-backports 1\\.\\d+\\.\\d+\\)$',
);

for (const name of ['7.2-stock', '7.2-paused-vcpu', '7.2-atomic-ioctl', '7.2-mmio-aware', '10.0-stock', '10.0-atomic-ioctl']) {
  t.test(`${name}: built from Debian's source with its series, a cache hit the second time`, async (t) => {
    const build = findBuild(name);
    const events: string[] = [];
    const binaryBefore = (await build.resolve()).binary;
    const mtimeBefore = fs.statSync(binaryBefore).mtimeMs;
    await build.prepare((line) => events.push(line), (event) => events.push(event.phase));
    t.same(events, [], 'setup built it; preparing again runs nothing');
    const resolved = await build.resolve();
    t.equal(resolved.binary, binaryBefore, 'the same installed binary');
    t.equal(fs.statSync(resolved.binary).mtimeMs, mtimeBefore, 'not compiled or installed again');
    const p = resolved.provenance;
    const [base, variant] = [name.slice(0, name.indexOf('-')), name.slice(name.indexOf('-') + 1)];
    const source = cachedQemuSource(base)!;
    t.equal(p.kind, 'source-build');
    t.equal(p.base, base);
    t.equal(p.variant, variant);
    t.equal(p.source, `Debian source qemu ${source.version}`);
    t.match(p.version, base === '7.2' ? /^QEMU emulator version 7\.2\.\d+$/ : /^QEMU emulator version 10\.0\.\d+/);
    if (base === '7.2') t.equal(p.configure, CONFIGURE_7_2);
    else t.match(p.configure, CONFIGURE_10_0);
    const common = fs.existsSync(path.join(patchesRoot, base, 'common', 'series'))
      ? readSeries(path.join(patchesRoot, base, 'common')).map(({ name: patch, sha256 }) => ({ name: `common/${patch}`, sha256 }))
      : [];
    t.ok(common.some((patch) => patch.name === 'common/0000-memory-trace-transaction-commits.patch'), 'the tracing-only patch is in every variant, stock included');
    t.same(p.patches, [...common, ...readSeries(path.join(patchesRoot, base, variant)).map(({ name: patch, sha256 }) => ({ name: patch, sha256 }))]);
    t.equal(p.sha256, sha256File(resolved.binary));
    t.match(p.builtAt, /^\d{4}-\d\d-\d\dT/);
    t.ok(resolved.binary.includes(`${path.sep}qemu-builds${path.sep}${name}${path.sep}${p.cacheKey}${path.sep}`), 'installed under its cache key');
  });
}

/**
 * `slotlab run pam-qmp` on these builds, 2 x 1500 mutations, into a runs folder of its own; its records.
 * The suite's 30 s cap on an iteration is lifted so that every survivor applies all 1500 mutations
 * inside a kernel under test too (L1 under TCG), where one takes about ten times as long.
 */
async function pamQmpRecords(t: Test, builds: string[]): Promise<IterationRecord[]> {
  const runs = tempDir(t, 'slotlab-runs-');
  const result = await slotlab(['run', 'pam-qmp', ...builds.flatMap((build) => ['--build', build]), '--repetitions', '2', '--mutations', '1500', '--duration', '600', '--json'], { env: { SLOTLAB_RUNS_DIR: runs } });
  t.equal(result.exitCode, 0, String(result.stderr));
  return String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
}

t.test('the minimal configuration keeps every machine and device the suites use', async (t) => {
  const { execa } = await import('execa');
  const binary = (await findBuild('7.2-stock').resolve()).binary;
  const machines = (await execa(binary, ['-machine', 'help'])).stdout;
  const devices = (await execa(binary, ['-device', 'help'])).stdout;
  const objects = (await execa(binary, ['-object', 'help'])).stdout;
  for (const machine of ['pc', 'q35']) t.match(machines, new RegExp(`^${machine} `, 'm'), `machine ${machine}`);
  for (const device of ['pc-dimm', 'virtio-mem-pci', 'isa-debug-exit', 'VGA']) t.match(devices, new RegExp(`name "${device}"`), `device ${device}`);
  for (const object of ['memory-backend-ram', 'memory-backend-file', 'memory-backend-memfd']) t.match(objects, new RegExp(`^  ${object}$`, 'm'), `object ${object}`);
});

t.test('the stock build loses the guest on pam-qmp; the paused-vCPU build does not, and both records carry their provenance', NEEDS_KVM, async (t) => {
  const records = await pamQmpRecords(t, ['7.2-stock', '7.2-paused-vcpu']);
  const of = (build: string) => records.filter((record) => record.build.name === build);
  t.equal(of('7.2-stock').length, 2);
  t.ok(of('7.2-stock').every((record) => record.outcome === 'guest-lost' && record.failure?.emulationFailure && record.failure.inLoopRange), 'stock: emulation failure inside the spin loop, every time');
  t.equal(of('7.2-paused-vcpu').length, 2);
  for (const record of of('7.2-paused-vcpu')) {
    t.equal(record.outcome, 'survived', `paused-vcpu iteration ${record.iteration} survived`);
    t.equal(record.mutationsApplied, 1500);
    t.ok(record.latency && record.latency.count === 1500, 'per-mutation latency recorded');
    t.ok(record.progressRising, 'every vCPU advanced');
    t.ok((record.progressPerSecond ?? 0) > 0);
  }
  t.same(
    of('7.2-paused-vcpu')[0]!.build.patches?.map((patch) => patch.name),
    ['common/0000-memory-trace-transaction-commits.patch', '0001-kvm-overlapping-slot-updates-with-vcpus-out.patch'],
    'the record names the tracing patch, then the paused-vCPU fix',
  );
  t.equal(of('7.2-stock')[0]!.build.variant, 'stock');
});

t.test("on a kernel without the list ioctl, 7.2-atomic-ioctl says it falls back and loses the guest like stock, as expected there", NEEDS_KVM, async (t) => {
  const records = await pamQmpRecords(t, ['7.2-atomic-ioctl']);
  t.equal(records.length, 2);
  for (const record of records) {
    t.equal(record.host.kvm?.USER_MEMORY_REGION_LIST, 0, "this host's kernel has no KVM_SET_USER_MEMORY_REGION_LIST");
    t.match(record.qemuWarnings?.join('\n'), /warning: kvm: this kernel has no KVM_SET_USER_MEMORY_REGION_LIST .*falling back/, 'QEMU says it fell back');
    t.equal(record.qemuWarnings?.filter((line) => /KVM_SET_USER_MEMORY_REGION_LIST/.test(line)).length, 1, 'once');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}`);
    t.equal(record.failure?.suberror, 1);
    t.equal(record.expected, 'race', "held to stock's expectation on this kernel");
  }
});

t.test('on a kernel without the zero-length fetch exit, 7.2-mmio-aware is stock: family stock, expected to lose the guest, and it does', NEEDS_KVM, async (t) => {
  const records = await pamQmpRecords(t, ['7.2-mmio-aware']);
  t.equal(records.length, 2);
  for (const record of records) {
    t.equal(record.host.kvm?.X86_MMIO_FETCH_EXIT, 0, "this host's KVM has no fetch exit");
    t.equal(record.build.family, 'mmio-aware');
    t.equal(record.family, 'stock');
    t.equal(record.expected, 'race');
    t.equal(record.outcome, 'guest-lost', `iteration ${record.iteration}`);
    t.equal(record.failure?.suberror, 1, "KVM's emulation failure, as for stock");
  }
});

t.test("10.0-stock, Debian trixie's QEMU built from source, carries upstream's blocker and survives pam-qmp like debian-bpo-10.0", NEEDS_KVM, async (t) => {
  const records = await pamQmpRecords(t, ['10.0-stock']);
  t.equal(records.length, 2);
  for (const record of records) {
    t.match(record, { outcome: 'survived', mutationsApplied: 1500, progressRising: true, expected: 'safe' }, `iteration ${record.iteration}`);
    t.equal(record.build.family, 'paused-vcpu');
  }
});

t.test("on a kernel without the list ioctl, 10.0-atomic-ioctl says it falls back to upstream's blocker and survives, as expected there", NEEDS_KVM, async (t) => {
  const records = await pamQmpRecords(t, ['10.0-atomic-ioctl']);
  t.equal(records.length, 2);
  for (const record of records) {
    t.equal(record.host.kvm?.USER_MEMORY_REGION_LIST, 0, "this host's kernel has no KVM_SET_USER_MEMORY_REGION_LIST");
    t.match(record.qemuWarnings?.join('\n'), /warning: kvm: this kernel has no KVM_SET_USER_MEMORY_REGION_LIST .*falling back to upstream's memslot updates/, 'QEMU says it fell back');
    t.match(record, { outcome: 'survived', mutationsApplied: 1500, progressRising: true }, `iteration ${record.iteration}`);
    t.equal(record.expected, 'safe', "held to the blocker's expectation on this kernel");
  }
});

t.test('an unbuilt variant says which command builds it', async (t) => {
  isolatedCache(t);
  await t.rejects(findBuild('7.2-atomic-ioctl').resolve(), BuildNotReadyError);
  await t.rejects(findBuild('7.2-paused-vcpu').resolve(), { code: 'BUILD_NOT_READY', message: /source not fetched yet; run `slotlab build 7\.2-paused-vcpu`/ });
});
