// tier: unit
import t from 'tap';
import { gridCellText, gridModel } from '../../orchestrator/reports/grid-model.js';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { renderReport } from '../../orchestrator/reports/render.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';

/** The fixed record set plus a weeds cell for two of its builds: 6 stopped guests on debian-7.2, 6 livelocks on debian-bpo-10.0. */
function designSpaceRecords() {
  const base = fixedRecordSet().filter((record) => !record.build.name.startsWith('patched'));
  const weeds = { name: 'weeds', file: '/repo/suites/weeds.yaml', sha256: 'e'.repeat(64) };
  const stopped = [0, 1, 2, 3, 4, 5].map((iteration) => sampleRecord({ suite: weeds, iteration, expected: 'stopped', mutationsApplied: 1, mutationsAttempted: 1, timeToFailureMs: 6 + iteration }));
  const fixed = base.find((record) => record.build.name === 'debian-bpo-10.0')!;
  const livelocked = [0, 1, 2, 3, 4, 5].map((iteration) => ({
    ...fixed,
    suite: weeds,
    iteration,
    expected: 'stopped' as const,
    outcome: 'livelock' as const,
    mutationsApplied: 1,
    livelock: { vcpu: 1, instructionPointerHex: '0xc0000000', stuckMs: 15000, counterStill: true, sampleMs: 10000, exits: { mmio_exits: [100, 50100] as [number, number] } },
  }));
  return [...livelocked, ...base, ...stopped];
}

t.test('rows are combinations in cell-family order, columns the suites as they first appear, a missing cell says so', async (t) => {
  const grid = gridModel(buildReport({ manifests: [], safeBelow: { weeds: 0.5 }, records: designSpaceRecords(), generatedAt: '2026-12-03T00:00:00.000Z' }));
  t.equal(grid.blocks.length, 1, 'one paging mode, one block');
  t.equal(grid.blocks[0]!.title, '', 'and no block title');
  t.same(grid.blocks[0]!.suites, ['weeds', 'pam-qmp']);
  t.same(
    grid.blocks[0]!.rows.map((row) => [row.combination, row.family]),
    [
      ['debian-7.2', 'stock'],
      ['debian-bpo-10.0', 'paused-vcpu'],
    ],
    'stock first although its records come later',
  );
  t.equal(gridCellText(undefined), 'not run');
});

t.test('what a cell says: verdict, count and interval; safe with its bound; weeds with stopped, livelock and the time to detection', async (t) => {
  const grid = gridModel(buildReport({ manifests: [], safeBelow: { weeds: 0.5 }, records: designSpaceRecords() }));
  const [stock, fixed] = grid.blocks[0]!.rows;
  t.equal(gridCellText(stock!.cells.get('pam-qmp')), 'race: lost 3/3 1.00 [0.29, 1.00]');
  t.equal(gridCellText(fixed!.cells.get('pam-qmp')), 'safe: lost 0/3, p < 2.5e-4 per mutation');
  // 6 of 6 stopped: Clopper-Pearson [0.025^(1/6), 1] = [0.54, 1]; median time to detection of 6..11 ms.
  t.equal(gridCellText(stock!.cells.get('weeds')), 'stopped: stopped 6/6 1.00 [0.54, 1.00], detected in 8 ms (median)');
  t.equal(gridCellText(fixed!.cells.get('weeds')), 'livelock (CONTRADICTED): stopped 0/6 0 [0, 0.46], livelock 6/6');
  t.equal(stock!.latency, 'pam-qmp 1.2 ms / 8.6 ms', 'the QMP latency of the race suite, not of the one NMI');
});

t.test('grid-md and grid-html: one row per combination, notes under the table, markup escaped', async (t) => {
  const model = buildReport({ manifests: [], safeBelow: { weeds: 0.5 }, records: designSpaceRecords(), notes: 'First <b>paragraph</b>.\n\nSecond | one.', generatedAt: '2026-12-03T00:00:00.000Z' });
  const md = renderReport(model, 'grid-md');
  const rows = md.split('\n').filter((line) => line.startsWith('| debian'));
  t.equal(rows.length, 2);
  t.match(rows[0], /^\| debian-7\.2 \| stock \| stopped: stopped 6\/6 .* \| race: lost 3\/3 .* \| pam-qmp 1\.2 ms \/ 8\.6 ms \|$/);
  t.match(md, /\n\nFirst <b>paragraph<\/b>\.\n\nSecond \| one\.\n/, 'notes as given (Markdown), under the table');
  const html = renderReport(model, 'grid-html');
  t.match(html, /<h1>[^<]*<\/h1>\n<table id="grid" class="grid" data-rows="2" data-columns="2">/, 'one table, no block heading');
  t.match(html, /<p>First &lt;b&gt;paragraph&lt;\/b&gt;\.<\/p>\n<p>Second \| one\.<\/p>/);
  t.match(html, /<td class="contradicted"><span class="livelock">livelock \(CONTRADICTED\)/);
});

/** The same two builds inside a kernel under test, on two-dimensional paging (pam-qmp) and on shadow paging (pam-qmp and pam-paged). */
function pagingRecords(): IterationRecord[] {
  const kernel = { name: '6.1-atomic-ioctl' } as IterationRecord['host']['kernelUnderTest'];
  const inKernel = (record: IterationRecord, TDP: number, suite = record.suite): IterationRecord => ({ ...record, suite, host: { ...record.host, kernelUnderTest: kernel, kvm: { TDP } } });
  const base = fixedRecordSet().filter((record) => !record.build.name.startsWith('patched'));
  const paged = { name: 'pam-paged', file: '/repo/suites/pam-paged.yaml', sha256: 'f'.repeat(64) };
  return [...base.map((record) => inKernel(record, 0)), ...base.map((record) => inKernel(record, 0, paged)), ...base.map((record) => inKernel(record, 1))];
}

t.test('kernels under test on both paging modes: one block each, two-dimensional first, each with its own columns', async (t) => {
  const model = buildReport({ manifests: [], records: pagingRecords(), generatedAt: '2026-12-03T00:00:00.000Z' });
  const grid = gridModel(model);
  t.same(grid.blocks.map((block) => [block.title, block.suites]), [
    ['KVM on two-dimensional paging', ['pam-qmp']],
    ['KVM on shadow paging (L1 booted with kvm_amd.npt=0 kvm_intel.ept=0)', ['pam-qmp', 'pam-paged']],
  ]);
  t.same(grid.blocks[1]!.rows.map((row) => row.combination), ['debian-7.2 @ 6.1-atomic-ioctl (shadow paging)', 'debian-bpo-10.0 @ 6.1-atomic-ioctl (shadow paging)']);
  t.same(grid.blocks[0]!.rows.map((row) => row.combination), ['debian-7.2 @ 6.1-atomic-ioctl', 'debian-bpo-10.0 @ 6.1-atomic-ioctl']);
  const md = renderReport(model, 'grid-md');
  t.match(md, /## KVM on two-dimensional paging\n\n\| combination \| family \| pam-qmp \| per-mutation[^\n]*\n\|---\|---\|---\|---\|\n\| debian-7\.2 @ 6\.1-atomic-ioctl \|/);
  t.match(md, /## KVM on shadow paging[^\n]*\n\n\| combination \| family \| pam-qmp \| pam-paged \|/);
  const html = renderReport(model, 'grid-html');
  t.match(html, /<h2>KVM on two-dimensional paging<\/h2>\n<table id="grid" class="grid" data-rows="2" data-columns="1">/);
  t.match(html, /<h2>KVM on shadow paging[^<]*<\/h2>\n<table id="grid-2" class="grid" data-rows="2" data-columns="2">/);
});
