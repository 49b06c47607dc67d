// tier: unit
import t from 'tap';
import { allCellStats, cellStats, formatProbability, verdictText } from '../../orchestrator/stats/cell-stats.js';
import { fixedRecordSet, sampleRecord } from '../fixtures/records.js';
import { buildReport } from '../../orchestrator/reports/report-model.js';
import { REPORT_FORMATS, renderReport } from '../../orchestrator/reports/render.js';

t.test('cells from the fixed record set', async (t) => {
  const [stock, fixed, broken] = allCellStats(fixedRecordSet(), () => 0.001);
  t.same([stock!.build, stock!.iterations, stock!.losses, stock!.mutationsApplied], ['debian-7.2', 3, 3, 15]);
  t.same(stock!.verdict, { kind: 'race', losses: 3 });
  t.equal(stock!.agrees, true);
  t.same([stock!.mutationsToFailure.median, stock!.mutationsToFailure.p90, stock!.mutationsToFailure.censored], [5, 7, 0]);
  t.same([stock!.timeToFailureMs.median, stock!.timeToFailureMs.p90], [30, 40]);
  t.equal(stock!.lossPerIteration.estimate, 1);

  t.equal(fixed!.losses, 0);
  t.equal(fixed!.mutationsApplied, 15000);
  t.equal(fixed!.verdict.kind, 'safe');
  t.ok(fixed!.verdict.kind === 'safe' && Math.abs(fixed!.verdict.bound - (1 - 0.025 ** (1 / 15000))) < 1e-12, 'bound is the 95% CP upper end for 0 of 15000');
  t.equal(fixed!.verdict.kind === 'safe' && fixed!.verdict.bound, fixed!.lossPerMutation.high, 'verdict bound and interval agree');
  t.equal(fixed!.mutationsToFailure.median, undefined, 'censored: no median');
  t.equal(fixed!.mutationsToFailure.censored, 3);
  t.equal(fixed!.latency.count, 15000);
  t.equal(fixed!.progressPerSecond, 250_000);
  t.equal(fixed!.agrees, true);

  t.equal(broken!.verdict.kind, 'race');
  t.equal(broken!.agrees, false, 'a fixed build that lost contradicts its expectation');
});

t.test('too few mutations without a loss is inconclusive, with the iterations still needed', async (t) => {
  const records = [0, 1].map((iteration) => sampleRecord({ iteration, outcome: 'survived', stopReason: 'mutations', failure: null, mutationsApplied: 500, expected: 'safe' }));
  const cell = cellStats(records, { safeBelow: 0.001 });
  t.equal(cell.verdict.kind, 'inconclusive');
  // 0 of n bounds below 0.001 once n >= ln(0.025)/ln(0.999) = 3688: 2688 more mutations, 6 iterations of 500.
  t.ok(cell.verdict.kind === 'inconclusive' && cell.verdict.furtherIterations === 6, JSON.stringify(cell.verdict));
  t.equal(cell.agrees, null, 'inconclusive neither agrees nor contradicts');
  t.match(verdictText(cell.verdict), /^inconclusive \(6 more iterations\)$/);
});

t.test('errors do not count as iterations; stalls are counted apart', async (t) => {
  const cell = cellStats(
    [
      sampleRecord({ outcome: 'error', failure: null, error: { code: 'GUEST_TIMEOUT', message: 'x' } }),
      sampleRecord({ outcome: 'stalled', failure: null, stopReason: 'mutations', mutationsApplied: 100 }),
    ],
    { safeBelow: 0.5 },
  );
  t.same([cell.iterations, cell.errors, cell.stalled, cell.losses], [1, 1, 1, 0]);
});

t.test('progress relative to control-idle', async (t) => {
  const idle = sampleRecord({ suite: { ...sampleRecord().suite, name: 'control-idle' }, outcome: 'survived', failure: null, progressPerSecond: 1000 });
  const busy = sampleRecord({ outcome: 'survived', failure: null, progressPerSecond: 250 });
  const cells = allCellStats([busy, idle], () => 0.001, 'control-idle');
  t.equal(cells[0]!.progressVsIdle, 0.25);
  t.equal(cells[1]!.progressVsIdle, undefined, 'the control itself is the baseline');
  t.equal(allCellStats([busy, idle], () => 0.001)[0]!.progressVsIdle, undefined, 'no baseline named, none compared against');
  const other = sampleRecord({ suite: { ...sampleRecord().suite, name: 'my-control' }, outcome: 'survived', failure: null, progressPerSecond: 500 });
  t.equal(allCellStats([busy, idle, other], () => 0.001, 'my-control')[0]!.progressVsIdle, 0.5, 'the baseline is whichever suite the report names, not a name in stats');
});

t.test('guest-measured cost: mean weighted by mutations, worst of the worst', async (t) => {
  const cell = cellStats(
    [
      sampleRecord({ outcome: 'survived', failure: null, mutationsApplied: 300, guestCost: { meanUs: 100, maxUs: 900, tscPerUs: 2000 } }),
      sampleRecord({ outcome: 'survived', failure: null, mutationsApplied: 100, guestCost: { meanUs: 500, maxUs: 2000, tscPerUs: 2000 } }),
      sampleRecord({ outcome: 'survived', failure: null, mutationsApplied: 100 }),
    ],
    { safeBelow: 0.001 },
  );
  t.same(cell.guestCost, { meanUs: 200, maxUs: 2000 });
  t.equal(cellStats([sampleRecord()], { safeBelow: 0.001 }).guestCost, undefined);
});

t.test('probabilities print compactly', async (t) => {
  t.equal(formatProbability(0), '0');
  t.equal(formatProbability(0.5), '0.50');
  t.equal(formatProbability(0.0421), '0.042');
  t.equal(formatProbability(0.00024), '2.4e-4');
});

t.test('a cell whose every iteration is an error: no verdict, no number made up, and every report renders it', async (t) => {
  const errors = [0, 1, 2].map((iteration) => sampleRecord({ iteration, outcome: 'error', stopReason: 'error', failure: null, mutationsApplied: 0, mutationsAttempted: 0, timeToFailureMs: null, latency: null, latencyHistogram: {}, error: { code: 'GUEST_TIMEOUT', message: 'timed out waiting for the spin banner' } }));
  const cell = cellStats(errors, { safeBelow: 0.001 });
  t.same([cell.iterations, cell.errors, cell.losses, cell.survived, cell.mutationsApplied], [0, 3, 0, 0, 0]);
  t.same(cell.lossPerIteration, { estimate: 0, low: 0, high: 1 }, 'nothing known: the whole interval');
  t.equal(cell.verdict.kind, 'inconclusive');
  t.match(cell.verdict, { reason: 'no iteration ran' });
  t.equal(cell.agrees, null, 'neither agrees nor contradicts its expectation');
  t.equal(cell.mutationsToFailure.median, undefined);
  t.equal(cell.progressPerSecond, undefined);
  const model = buildReport({ manifests: [], records: errors, generatedAt: '2026-11-25T00:00:00.000Z' });
  for (const format of REPORT_FORMATS) {
    const text = renderReport(model, format);
    t.notMatch(text, /NaN|undefined|Infinity/, `${format}: no NaN, undefined or Infinity`);
  }
  t.match(renderReport(model, 'text'), /iterations 0, lost 0, survived 0, stalled 0, errors 3[\s\S]*GUEST_TIMEOUT: timed out waiting for the spin banner/);
  t.match(renderReport(model, 'tap'), /^ok 1 - .*inconclusive/m, 'TAP does not fail a cell that has no verdict');
});

t.test('a guest in the weeds: every one stopped is `stopped`, one livelock is conclusive, a guest that ran on is inconclusive', async (t) => {
  const stopped = (iteration: number) => sampleRecord({ iteration, outcome: 'guest-lost', stopReason: 'internal-error', mutationsApplied: 1, expected: 'stopped', timeToFailureMs: 5 + iteration });
  const six = cellStats([0, 1, 2, 3, 4, 5].map(stopped), { safeBelow: 0.5 });
  t.equal(six.detection, true);
  // 0 of 6 not stopped: the 95% CP upper end is 1 - 0.025^(1/6) = 0.459 < 0.5.
  t.ok(six.verdict.kind === 'stopped' && Math.abs(six.verdict.bound - (1 - 0.025 ** (1 / 6))) < 1e-12, JSON.stringify(six.verdict));
  t.equal(six.agrees, true);
  t.match(verdictText(six.verdict), /^stopped \(p\(not\) < 0\.46 per iteration at 95%\)$/);
  t.equal(six.timeToFailureMs.median, 7, 'the time to detection');

  const five = cellStats([0, 1, 2, 3, 4].map(stopped), { safeBelow: 0.5 });
  t.ok(five.verdict.kind === 'inconclusive' && five.verdict.furtherIterations === 1, `5 stopped bound only below 0.52: ${JSON.stringify(five.verdict)}`);

  const livelock = sampleRecord({ iteration: 6, outcome: 'livelock', stopReason: 'duration', failure: null, mutationsApplied: 1, expected: 'stopped', timeToFailureMs: null });
  const mixed = cellStats([...[0, 1, 2].map(stopped), livelock], { safeBelow: 0.5 });
  t.same(mixed.verdict, { kind: 'livelock', livelocks: 1 });
  t.equal(mixed.agrees, false, 'expected stopped, one was re-entered for ever');
  t.equal(mixed.livelocks, 1);

  const ranOn = sampleRecord({ iteration: 7, outcome: 'survived', stopReason: 'duration', failure: null, mutationsApplied: 1, expected: 'livelock', timeToFailureMs: null });
  const open = cellStats([ranOn], { safeBelow: 0.5 });
  t.equal(open.verdict.kind, 'inconclusive');
  t.match(open.verdict.kind === 'inconclusive' ? open.verdict.reason : '', /1 of 1 guests were neither stopped nor seen re-entered/);

  const race = cellStats([sampleRecord({ iteration: 0, outcome: 'guest-lost', expected: 'race' })], { safeBelow: 0.001 });
  t.equal(race.detection, false, 'a race suite stays a race suite');
});

t.test('a livelock in a race suite: the guest is lost for ever running; conclusive unless a loss already is', async (t) => {
  const survived = (iteration: number) => sampleRecord({ iteration, outcome: 'survived', stopReason: 'mutations', failure: null, mutationsApplied: 1000, expected: 'safe', timeToFailureMs: null });
  const livelock = sampleRecord({ iteration: 3, outcome: 'livelock', stopReason: 'mutations', failure: null, mutationsApplied: 1000, expected: 'safe', timeToFailureMs: null });
  const cell = cellStats([0, 1, 2].map(survived).concat(livelock), { safeBelow: 0.001 });
  t.equal(cell.detection, false, 'still a race suite');
  t.same(cell.verdict, { kind: 'livelock', livelocks: 1 });
  t.equal(cell.agrees, false, 'expected safe');
  const lost = sampleRecord({ iteration: 4, expected: 'safe' });
  t.equal(cellStats([livelock, lost], { safeBelow: 0.001 }).verdict.kind, 'race', 'a loss decides');
});

t.test('a vCPU stopped for good on a fixed build is no survival: the cell says stalled, not safe, and contradicts safe', async (t) => {
  const survived = (iteration: number) => sampleRecord({ iteration, outcome: 'survived', stopReason: 'mutations', failure: null, mutationsApplied: 1000, expected: 'safe', timeToFailureMs: null });
  const stalled = sampleRecord({ iteration: 4, outcome: 'stalled', stopReason: 'mutations', failure: null, mutationsApplied: 1000, expected: 'safe', timeToFailureMs: null });
  // 5,000 mutations without a loss would bound the loss below 1e-3: without the stall, safe.
  t.equal(cellStats([0, 1, 2, 3, 4].map(survived), { safeBelow: 0.001 }).verdict.kind, 'safe');
  const cell = cellStats([0, 1, 2, 3].map(survived).concat(stalled), { safeBelow: 0.001 });
  t.same(cell.verdict, { kind: 'stalled', stalled: 1 });
  t.equal(cell.agrees, false, 'expected safe');
  t.equal(verdictText(cell.verdict), 'stalled (a vCPU stopped for good in 1 iteration)');
  const report = renderReport(buildReport({ manifests: [], records: [0, 1, 2, 3].map(survived).concat(stalled), generatedAt: 'x' }), 'grid-md');
  t.notMatch(report, /\bsafe[^(]*lost 0\/5/, 'no cell reads safe over the stalled iteration');
  t.match(report, /stalled \(CONTRADICTED\): lost 0\/5 .*, stalled 1\/5/, 'the grid cell says stalled, with the count');
  const lost = sampleRecord({ iteration: 5, expected: 'safe' });
  t.equal(cellStats([stalled, lost], { safeBelow: 0.001 }).verdict.kind, 'race', 'a loss decides');
});

t.test('a cell with a loss whose time was not measured (or, in older records, negative) gives no time quantile: "not measured"', async (t) => {
  const lost = (iteration: number, timeToFailureMs: number | null) => sampleRecord({ iteration, expected: 'race', timeToFailureMs });
  const measured = cellStats([lost(0, 30), lost(1, 50)], { safeBelow: 0.001 });
  t.equal(measured.timeToFailureMs.notMeasured, 0);
  t.ok(measured.timeToFailureMs.median !== undefined);
  for (const unknown of [null, -73]) {
    const cell = cellStats([lost(0, 30), lost(1, unknown)], { safeBelow: 0.001 });
    t.same(cell.timeToFailureMs, { median: undefined, p90: undefined, censored: 0, notMeasured: 1 }, `time ${unknown}`);
    const text = renderReport(buildReport({ manifests: [], records: [lost(0, 30), lost(1, unknown)], generatedAt: 'x' }), 'md');
    t.match(text, /not measured/);
    t.notMatch(text, /-73|\b30 ms/, 'no quantile from the times that are known');
  }
});
