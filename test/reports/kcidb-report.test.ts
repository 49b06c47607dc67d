// tier: unit
import { createHash } from 'node:crypto';
import path from 'node:path';
import t from 'tap';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { renderReport } from '../../orchestrator/reports/render.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { RecordWriter } from '../../orchestrator/results/record-writer.js';
import { slotlab } from '../fixtures/cli.js';
import { type KcidbDocument, kcidbSchema } from '../fixtures/kcidb-schema.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';
import { tempDir } from '../fixtures/temp-dir.js';

const sha = (char: string) => char.repeat(64);
const kernel = {
  name: '6.1-atomic-ioctl',
  kind: 'source-build' as const,
  source: 'Debian linux-source-6.1 6.1.176-1',
  bzImage: '/k/bzImage',
  sha256: sha('9'),
  base: '6.1',
  variant: 'atomic-ioctl',
  patches: [{ name: '0001-kvm-set-user-memory-region-list.patch', sha256: sha('e') }],
};
const sourceBuild = {
  name: '7.2-atomic-ioctl',
  family: 'atomic-ioctl' as const,
  kind: 'source-build' as const,
  source: 'Debian source qemu 1:7.2+dfsg-7+deb12u18',
  binary: '/b/qemu-system-x86_64',
  version: 'QEMU emulator version 7.2.22',
  sha256: sha('7'),
  base: '7.2',
  variant: 'atomic-ioctl',
  patches: [
    { name: 'common/0000-memory-trace-transaction-commits.patch', sha256: sha('1') },
    { name: '0001-kvm-slot-changes-of-a-transaction-in-one-list.patch', sha256: sha('2') },
  ],
  configure: 'configure --target-list=x86_64-softmmu',
  builtAt: '2026-12-01T10:00:00.000Z',
  buildSeconds: 200,
};

/** fixedRecordSet (a racing stock build, a safe fixed one, a fixed one that lost) plus a cell inside a kernel under test, one unexpected, one that never ran. */
function records(): IterationRecord[] {
  const survived = { outcome: 'survived' as const, stopReason: 'mutations', mutationsApplied: 5000, mutationsAttempted: 5000, timeToFailureMs: null, failure: null, expected: 'safe' as const };
  const inKernel = [0, 1, 2].map((iteration) =>
    sampleRecord({ ...survived, iteration, runId: 'run-kernel', build: sourceBuild, host: { ...sampleRecord().host, kernelUnderTest: kernel, kvm: { USER_MEMORY_REGION_LIST: 128 } } }),
  );
  const measured = sampleRecord({ runId: 'run-boot', suite: { name: 'firmware-boot', file: '/repo/suites/firmware-boot.yaml', sha256: sha('f') }, expected: null });
  const neverRan = [0, 1].map((iteration) =>
    sampleRecord({ iteration, runId: 'run-boot', suite: measured.suite, build: { ...sourceBuild, name: '7.2-paused-vcpu', family: 'paused-vcpu', sha256: sha('8') }, expected: 'safe', outcome: 'error', stopReason: 'error', mutationsApplied: 0, mutationsAttempted: 0, failure: null, error: { code: 'GUEST_TIMEOUT', message: 'no banner' } }),
  );
  return [...fixedRecordSet(), ...inKernel, measured, ...neverRan];
}

function document(options = {}): KcidbDocument {
  const text = renderReport(buildReport({ manifests: [], records: records(), generatedAt: '2026-12-06T00:00:00.000Z' }), 'kcidb', { kcidb: options });
  return kcidbSchema.parse(JSON.parse(text));
}

t.test('a KCIDB v5 document: valid against the schema written from the facts, ids under the origin', async (t) => {
  const doc = document();
  t.same(doc.version, { major: 5, minor: 3 });
  const ids = [...doc.checkouts!, ...doc.builds!, ...doc.tests!].map((object) => object.id);
  t.ok(ids.every((id) => id.startsWith('slotlab:')), 'every id under the default origin');
  t.equal(new Set(ids).size, ids.length, 'ids are unique');
  t.ok([...doc.checkouts!, ...doc.builds!, ...doc.tests!].every((object) => object.origin === 'slotlab'));
  const own = document({ origin: 'my_lab' });
  t.ok(own.tests!.every((test) => test.id.startsWith('my_lab:') && test.build_id.startsWith('my_lab:')));
  t.throws(() => document({ origin: 'My-Lab' }), /origin 'My-Lab': use lower-case letters, digits and '_'/);
});

t.test('checkouts and builds: one per QEMU or kernel source with its patches and their hash, one build per QEMU build and per kernel', async (t) => {
  const doc = document({ sourceUrl: 'https://example.org/slotlab/raw/abc/' });
  const checkoutOf = (buildId: string) => doc.checkouts!.find((checkout) => checkout.id === doc.builds!.find((build) => build.id === buildId)!.checkout_id)!;
  t.equal(doc.builds!.length, 6, 'debian-7.2, debian-bpo-10.0, the patched build, 7.2-atomic-ioctl, 7.2-paused-vcpu, and the kernel');
  const qemu = doc.builds!.find((build) => build.misc?.name === '7.2-atomic-ioctl')!;
  t.equal(qemu.command, 'configure --target-list=x86_64-softmmu');
  t.equal(qemu.duration, 200);
  t.equal(qemu.start_time, '2026-12-01T10:00:00.000Z');
  const checkout = checkoutOf(qemu.id);
  t.equal(checkout.tree_name, 'qemu');
  t.same(checkout.patchset_files, [
    // A resource name is a local file name in KCIDB v5.3 (no '/'): the folder flattened into it; the URL keeps the path.
    { name: 'common-0000-memory-trace-transaction-commits.patch', url: 'https://example.org/slotlab/raw/abc/qemu-patches/7.2/common/0000-memory-trace-transaction-commits.patch' },
    { name: '0001-kvm-slot-changes-of-a-transaction-in-one-list.patch', url: 'https://example.org/slotlab/raw/abc/qemu-patches/7.2/atomic-ioctl/0001-kvm-slot-changes-of-a-transaction-in-one-list.patch' },
  ]);
  t.equal(checkout.patchset_hash, createHash('sha256').update(`${sha('1')}\n${sha('2')}\n`).digest('hex'), "KCIDB's definition: sha256 over each patch's newline-terminated sha256");
  const linux = doc.builds!.find((build) => build.misc?.name === '6.1-atomic-ioctl')!;
  const linuxCheckout = checkoutOf(linux.id);
  t.equal(linuxCheckout.tree_name, 'linux');
  t.same(linuxCheckout.patchset_files?.map((file) => file.url), ['https://example.org/slotlab/raw/abc/qemu-patches/linux-6.1/atomic-ioctl/0001-kvm-set-user-memory-region-list.patch']);
  const debian = doc.builds!.find((build) => build.misc?.name === 'debian-7.2')!;
  t.notOk(checkoutOf(debian.id).patchset_files, 'a Debian binary: no patch series');
  t.equal(checkoutOf(debian.id).comment, 'qemu-system-x86 1:7.2+dfsg-7+deb12u18+b3');
  t.equal(doc.checkouts!.filter((c) => c.tree_name === 'qemu').length, 2, 'builds of one source and series share a checkout: the three packaged builds (one package source in this fixture), the two source builds (one series)');
});

t.test('one test per (suite, build, kernel) cell: slotlab.<suite>, status from the verdict against the expectation, the loss rate and its interval', async (t) => {
  const doc = document();
  t.equal(doc.tests!.length, 6);
  const byBuild = (name: string, suite = 'pam-qmp') => doc.tests!.find((test) => test.path === `slotlab.${suite}` && doc.builds!.find((build) => build.id === test.build_id)!.misc?.name === name)!;
  t.equal(byBuild('debian-7.2').status, 'PASS', 'stock expected to race, and it lost 3 of 3');
  t.equal(byBuild('debian-bpo-10.0').status, 'PASS', '15000 mutations without a loss: safe, as expected');
  t.equal(byBuild('patched-<b>"x"</b>').status, 'FAIL', 'expected safe, lost a guest');
  t.equal(byBuild('debian-7.2', 'firmware-boot').status, 'DONE', 'no expectation: a measurement');
  t.equal(byBuild('7.2-paused-vcpu', 'firmware-boot').status, 'MISS', 'every iteration a harness error: it did not run');
  const stock = byBuild('debian-7.2');
  t.same(stock.number, { value: 3 / 15, unit: 'losses/mutation' }, '3 guests lost over 3 + 5 + 7 mutations');
  const misc = stock.misc as Record<string, unknown>;
  t.equal(misc.losses, 3);
  t.equal(misc.iterations, 3);
  t.equal(misc.confidence, 0.95);
  // 3 of 3: the 95% Clopper-Pearson interval is [0.025^(1/3), 1].
  const interval = misc.loss_per_iteration as { low: number; high: number };
  t.ok(Math.abs(interval.low - 0.025 ** (1 / 3)) < 1e-9 && interval.high === 1, JSON.stringify(interval));
  const inKernel = byBuild('7.2-atomic-ioctl');
  t.equal(inKernel.status, 'PASS');
  t.match(inKernel.environment?.comment, /^inside kernel under test 6\.1-atomic-ioctl \(L1 under TCG\): Test CPU \(2 CPUs, 24 GiB\)/);
  t.equal((inKernel.environment?.misc as Record<string, unknown>).kernel_under_test, '6.1-atomic-ioctl');
  t.equal((inKernel.misc as Record<string, unknown>).kernel_build_id, doc.builds!.find((build) => build.misc?.name === '6.1-atomic-ioctl')!.id);
  t.same((inKernel.misc as Record<string, unknown>).run_ids, ['run-kernel']);
  t.equal(inKernel.start_time, '2026-11-25T00:00:00.000Z');
  t.equal(inKernel.duration, 15, 'three iterations of 5 s');
  t.notOk(stock.environment?.comment?.includes('kernel under test'), 'a host cell says nothing of a kernel');
});

t.test('slotlab report --format kcidb: the file it writes validates; its options are checked', async (t) => {
  const dir = tempDir(t);
  const writer = new RecordWriter(path.join(dir, 'run-a.jsonl'));
  for (const record of records()) writer.append({ ...record, runId: 'run-a' });
  writer.close();
  const env = { SLOTLAB_RUNS_DIR: dir };
  const result = await slotlab(['report', 'run-a', '--format', 'kcidb', '--origin', 'lab_1'], { env });
  t.equal(result.exitCode, 0, String(result.stderr));
  const doc = kcidbSchema.parse(JSON.parse(String(result.stdout)));
  t.ok(doc.tests!.every((test) => test.id.startsWith('lab_1:')));
  t.ok(doc.checkouts!.flatMap((checkout) => checkout.patchset_files ?? []).every((file) => file.url.startsWith('file:///')), 'patches default to this checkout on disk');
  const cases: [string[], RegExp][] = [
    [['report', 'run-a', '--format', 'kcidb', '--origin', 'Lab'], /--origin 'Lab': KCIDB origins are lower-case/],
    [['report', 'run-a', '--format', 'kcidb', '--source-url', 'example.org'], /--source-url 'example\.org': give the URL/],
    [['report', 'run-a', '--origin', 'lab'], /--origin and --source-url belong to --format kcidb/],
  ];
  for (const [args, message] of cases) {
    const bad = await slotlab(args, { env });
    t.equal(bad.exitCode, 2);
    t.match(bad.stderr, message);
  }
});

t.test("the test schema refuses what KCIDB v5.3's validator refuses (the facts' constraints)", async (t) => {
  const base = { version: { major: 5, minor: 3 } };
  const checkout = { id: 'slotlab:c', origin: 'slotlab' };
  const valid = (doc: unknown) => kcidbSchema.safeParse(doc).success;
  t.ok(valid({ ...base, checkouts: [{ ...checkout, patchset_files: [{ name: 'common-0000-x.patch', url: 'file:///x' }], patchset_hash: '' }] }), 'a flat name; an empty patchset hash');
  t.notOk(valid({ ...base, checkouts: [{ ...checkout, patchset_files: [{ name: 'common/0000-x.patch', url: 'file:///x' }] }] }), "a name with '/'");
  t.notOk(valid({ ...base, checkouts: [{ ...checkout, git_repository_url: 'git://example.org/qemu.git' }] }), 'git://');
  t.notOk(valid({ ...base, checkouts: [{ ...checkout, git_commit_hash: 'ABCDEF'.padEnd(40, '0') }] }), 'upper-case hex');
  t.notOk(valid({ ...base, builds: [{ id: 'slotlab:b', origin: 'slotlab', checkout_id: 'slotlab:c', architecture: 'x86-64' }] }), 'x86-64');
  t.notOk(valid({ ...base, checkouts: [{ ...checkout, comment: 'a\u0000b' }] }), 'NUL in free text');
  t.notOk(valid({ ...base, tests: [{ id: 'slotlab:t', origin: 'slotlab', build_id: 'slotlab:b', environment: { compatible: ['a b'] } }] }), 'a space in compatible');
  t.notOk(valid({ ...base, checkouts: [{ ...checkout, extra: 1 }] }), 'an unknown key');
});
