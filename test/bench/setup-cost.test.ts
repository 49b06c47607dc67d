// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { readPublishedSetup, setupComparison } from '../../orchestrator/bench/setup-cost.js';
import { tempDir } from '../fixtures/temp-dir.js';

const published = {
  measuredAt: '2026-12-07',
  machine: '2 cores, 24 GiB',
  scope: 'demo' as const,
  steps: [
    { step: 'packages', seconds: 30, cached: false },
    { step: 'build:7.2-stock', seconds: 200, cached: false },
  ],
};

t.test('the cold steps stand beside the published ones, step by step, with the ratio and the totals', async (t) => {
  const text = setupComparison(
    [
      { step: 'packages', seconds: 0.2, cached: true },
      { step: 'build:7.2-stock', seconds: 100, cached: false },
      { step: 'build:7.2-paused-vcpu', seconds: 20, cached: false },
    ],
    published,
  );
  const lines = text.split('\n');
  t.match(lines[0], /^step\s+now \(cold cache\)\s+published \(2026-12-07, 2 cores, 24 GiB\)\s+now \/ published$/);
  t.match(lines[1], /^packages\s+0\.2 s \(cached\)\s+30\.0 s\s+0\.01x$/);
  t.match(lines[2], /^build:7\.2-stock\s+100\.0 s\s+200\.0 s\s+0\.50x$/);
  t.match(lines[3], /^build:7\.2-paused-vcpu\s+20\.0 s\s+-$/, 'a step with no published figure has no ratio');
  t.match(lines[4], /^total\s+120\.2 s\s+230\.0 s\s+0\.52x$/);
});

t.test('without published figures the table says so', async (t) => {
  t.match(setupComparison([{ step: 'packages', seconds: 1, cached: false }]), /published \(none\)/);
});

t.test('published figures are read through their schema: a broken file is refused, a missing one is none', async (t) => {
  const dir = tempDir(t);
  t.equal(readPublishedSetup(path.join(dir, 'none.json')), undefined);
  fs.writeFileSync(path.join(dir, 'good.json'), JSON.stringify(published));
  t.same(readPublishedSetup(path.join(dir, 'good.json')), published);
  fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...published, scope: 'everything' }));
  t.throws(() => readPublishedSetup(path.join(dir, 'bad.json')));
});
