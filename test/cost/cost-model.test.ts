// tier: unit
import t from 'tap';
import { costMatrix } from '../../orchestrator/cost/cost-model.js';
import { costReport, renderCostHtml, renderCostMarkdown } from '../../orchestrator/cost/cost-report.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { sampleRecord } from '../fixtures/records.js';

const stockBuild = sampleRecord().build;
const pausedBuild = { ...stockBuild, name: '7.2-paused-vcpu', family: 'paused-vcpu' as const, kind: 'source-build' as const };
const transactions = (totalUs: number, commits: number, held?: { count: number; totalUs: number; maxUs: number }) => ({
  source: 'transactions' as const,
  slotIoctls: 30,
  deletes: 12,
  transactions: 60,
  commits,
  overlapping: 6,
  commitUs: { count: commits, meanUs: totalUs / commits, p50Us: 100, p99Us: 900, maxUs: 1000, totalUs },
  heldUs: held ? { count: held.count, meanUs: held.totalUs / held.count, p50Us: 10, p99Us: held.maxUs, maxUs: held.maxUs, totalUs: held.totalUs } : null,
  missing: [],
});
function boot(build: IterationRecord['build'], vcpus: number, overrides: Partial<IterationRecord>): IterationRecord {
  return sampleRecord({ suite: { name: 'firmware-boot', file: '/repo/suites/firmware-boot.yaml', sha256: 'e'.repeat(64) }, build, family: build.family, vcpus, outcome: 'survived', stopReason: 'mutations', failure: null, ...overrides });
}

t.test('boots grouped by build and vCPUs: commit time per boot, overlap, holds only where held, overcommit marked', async (t) => {
  const records = [
    boot(stockBuild, 1, { commitCost: transactions(2000, 20) }),
    boot(stockBuild, 1, { commitCost: transactions(4000, 20) }),
    boot(pausedBuild, 4, { commitCost: transactions(3000, 20, { count: 6, totalUs: 600, maxUs: 200 }) }),
    boot(pausedBuild, 4, { commitCost: transactions(5000, 20, { count: 6, totalUs: 1200, maxUs: 400 }) }),
  ];
  const matrix = costMatrix(records);
  t.equal(matrix.boots.length, 2);
  const [paused, stock] = matrix.boots;
  t.match(stock, { vcpus: 1, overcommit: false, boots: 2, losses: 0, commitMsPerBoot: { mean: 3, p50: 2, p99: 4 }, commitsPerBoot: 20, overlappingPerBoot: 6, heldMsPerBoot: null, holdsPerBoot: null });
  t.equal(stock!.commitMsPerBoot!.stdev, 1.414, 'sample stdev of 2 and 4 ms');
  t.match(paused, { vcpus: 4, overcommit: true, commitMsPerBoot: { mean: 4 }, heldMsPerBoot: { mean: 0.9 }, holdsPerBoot: 6, heldMaxUs: 400, perCommitUs: { p50: 100, p99: 900, max: 1000 } });
});

t.test('a loss a fixed build shows too, in the same environment and vCPU count, is flagged as a possible host artefact', async (t) => {
  const lost = { outcome: 'guest-lost' as const, stopReason: 'internal-error' };
  const alone = costMatrix([boot(stockBuild, 2, lost), boot(pausedBuild, 2, {})]);
  t.match(alone.boots.find((cell) => cell.combination.build === stockBuild.name), { losses: 1, possibleHostArtefact: false });
  const both = costMatrix([boot(stockBuild, 2, lost), boot(pausedBuild, 2, lost)]);
  t.ok(both.boots.every((cell) => cell.possibleHostArtefact));
});

t.test('a binary without transaction events: commit time missing, not zero, and said so', async (t) => {
  const binary = { source: 'slot-ioctls' as const, slotIoctls: 31, deletes: 12, transactions: null, commits: null, overlapping: 5, commitUs: null, heldUs: null, missing: ['transactions', 'commits', 'commit time', 'vCPU hold time'] };
  const [cell] = costMatrix([boot(stockBuild, 1, { commitCost: binary })]).boots;
  t.match(cell, { commitMsPerBoot: null, commitsPerBoot: null, overlappingPerBoot: 5, slotIoctlsPerBoot: 31 });
  const report = costReport(costMatrix([boot(stockBuild, 1, { commitCost: binary })]), { generatedAt: 'x' });
  t.match(report.tables[0]!.rows[0], ['debian-7.2', 'stock', '1', '1', '0']);
  t.match(report.tables[0]!.rows[0]!.at(-1), 'transactions, commits, commit time, vCPU hold time');
});

t.test('stalls: gaps of 100 µs or more per vCPU-second, the largest gap, flips per second', async (t) => {
  const stalls = (buckets: Record<string, number>) => ({ tscPerUs: 1000, spanMs: 2000, vcpus: [{ gaps: 10, buckets, largestGapBelowUs: 2 ** (Math.max(...Object.keys(buckets).map(Number)) + 1) / 1000 }] });
  const idle = sampleRecord({ suite: { name: 'control-idle', file: 'x', sha256: 'f'.repeat(64) }, vcpus: 1, outcome: 'survived', mutationsApplied: 0, stalls: stalls({ '5': 100, '17': 1 }) });
  // 2^17 cycles at 1000/µs: 131 µs, a stall; 2^16: 65.5 µs, not one
  const bystander = sampleRecord({ suite: { name: 'pam-bystander', file: 'y', sha256: '0'.repeat(64) }, vcpus: 1, outcome: 'survived', mutationsApplied: 400, mutationPhaseMs: 2000, stalls: stalls({ '5': 100, '16': 7, '17': 4, '20': 2 }) });
  const matrix = costMatrix([idle, bystander]);
  t.match(matrix.stalls, [
    { suite: 'control-idle', vcpuSeconds: 2, stallsPerVcpuSecond: 0.5, largestGapBelowUs: 262.144, mutationsPerSecond: null },
    { suite: 'pam-bystander', vcpuSeconds: 2, stallsPerVcpuSecond: 3, largestGapBelowUs: 2097.152, mutationsPerSecond: 200 },
  ]);
});

t.test('the report: the RFC table cited with its machine, a chart line per combination and the RFC\'s two, notes then limits', async (t) => {
  const report = costReport(costMatrix([boot(stockBuild, 1, { commitCost: transactions(2000, 20) }), boot(stockBuild, 2, { commitCost: transactions(3000, 20) })]), { generatedAt: '2026-12-06', notes: 'First.\n\nSecond <b>.' });
  const rfc = report.tables.find((table) => table.caption.startsWith("The RFC's published figures"))!;
  t.match(rfc.caption, /Esposito.*23 Sep 2022.*AMD EPYC 7413, host kernel 5\.19/);
  t.same(rfc.rows.map((row) => row[0]), ['1', '8', '16', '24']);
  t.same(rfc.rows[3], ['24', '12.5 ms', '20 ms (stdev 7.3 ms)']);
  t.match(report.chart, /<title>debian-7\.2<\/title>/);
  t.match(report.chart, /RFC: list ioctl/);
  t.match(report.chart, /RFC: pause\/resume/);
  t.same(report.notes.slice(0, 2), ['First.', 'Second <b>.']);
  t.match(report.notes[2], /^Limits:/);
  const markdown = renderCostMarkdown(report, 'cost-matrix.svg');
  t.match(markdown, /!\[commit time per boot against vCPUs\]\(cost-matrix\.svg\)/);
  t.match(markdown, /\| debian-7\.2 \| stock \| 2 \| 1 \| 0 \|/);
  const html = renderCostHtml(report);
  t.notMatch(html, /Second <b>/, 'notes are escaped');
  t.match(html, /Second &lt;b&gt;/);
  t.match(html, /<svg class="chart"/);
});

t.test('an environment spanning several kernels under test names each machine', async (t) => {
  const inside = (name: string) => ({ ...sampleRecord().host, kernel: `Linux 6.1.176-slotlab-${name}`, kernelUnderTest: { name: `6.1-${name}`, kind: 'source-build' as const, source: 's', bzImage: '/b', sha256: 'a'.repeat(64) } });
  const matrix = costMatrix([boot(stockBuild, 1, { host: inside('stock') }), boot(pausedBuild, 1, { host: inside('atomic-ioctl') }), boot(stockBuild, 2, { host: inside('stock') })]);
  t.same(Object.values(matrix.hosts), ['Linux 6.1.176-slotlab-stock, Test CPU, 2 CPUs; Linux 6.1.176-slotlab-atomic-ioctl, Test CPU, 2 CPUs']);
});
