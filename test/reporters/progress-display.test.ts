// tier: unit
import { PassThrough } from 'node:stream';
import t from 'tap';
import { ProgressDisplay, formatDuration } from '../../orchestrator/reporters/progress-display.js';
import { sampleRecord } from '../fixtures/records.js';

const items = ['a', 'b', 'a', 'b'].map((build, index) => ({ build, iteration: index >> 1, seed: index, limits: { mutations: 1, durationSeconds: 1 } }));

t.test('per cell: done, lost, and the run ETA', async (t) => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  const display = new ProgressDisplay('pam-qmp', items, stream, true);
  t.same(display.render(), ['pam-qmp x a: 0/2 iterations, 0 lost  (run ETA ?)', 'pam-qmp x b: 0/2 iterations, 0 lost  (run ETA ?)']);
  display.record(sampleRecord({ build: { ...sampleRecord().build, name: 'a' } }));
  t.match(display.render()[0], /^pam-qmp x a: 1\/2 iterations, 1 lost  \(run ETA \d+s\)$/);
  const written = (stream as unknown as PassThrough).read().toString();
  t.match(written, /\x1b\[2A/, 'redraws in place');
});

t.test('not a terminal (a CI log): no escape codes, one line per finished iteration with its cell, n of m, losses and the ETA', async (t) => {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  const display = new ProgressDisplay('pam-qmp', items, stream, false);
  t.equal((stream as unknown as PassThrough).read(), null, 'nothing before the first iteration ends');
  const of = (build: string, outcome: 'guest-lost' | 'survived') => sampleRecord({ build: { ...sampleRecord().build, name: build }, outcome });
  display.record(of('a', 'guest-lost'));
  display.record(of('b', 'survived'));
  display.record(of('a', 'survived'));
  display.record(of('b', 'survived'));
  display.record(sampleRecord({ build: { ...sampleRecord().build, name: 'not-in-the-plan' } }));
  const lines = String((stream as unknown as PassThrough).read()).split('\n').filter(Boolean);
  t.equal(lines.length, 4, 'one line per iteration of the plan');
  t.match(lines[0], /^pam-qmp x a: 1\/2 iterations, 1 lost  \(run ETA \d+s\)$/);
  t.match(lines[1], /^pam-qmp x b: 1\/2 iterations, 0 lost  \(run ETA \d+s\)$/);
  t.equal(lines[3], 'pam-qmp x b: 2/2 iterations, 0 lost', 'the last: nothing remains, no ETA');
  t.notOk(lines.some((line) => line.includes('\x1b')), 'no escape codes');
});

t.test('durations', async (t) => {
  t.equal(formatDuration(4_400), '4s');
  t.equal(formatDuration(125_000), '2m05s');
  t.equal(formatDuration(3_725_000), '1h02m');
});
