// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { lastRunTimes, tierOf, tierTable } from '../../orchestrator/bench/test-tiers.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test("a file's tier is its first line; anything else is none", async (t) => {
  t.equal(tierOf('// tier: nested\nimport t from "tap";'), 'nested');
  t.equal(tierOf('import t from "tap";\n// tier: unit\n'), undefined, 'only the first line counts');
  t.equal(tierOf('// tier: fast\n'), undefined, 'not a tier');
});

t.test("the last run's times by file and by tier, from tap's result files", async (t) => {
  const root = tempDir(t);
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('test/a.test.ts', '// tier: unit\n');
  write('test/b/c.test.ts', '// tier: nested\n');
  write('test/d.test.ts', 'no marker\n');
  write('test/never-ran.test.ts', '// tier: host\n');
  write('.tap/test-results/test/a.test.ts.tap', 'TAP version 14\n    # time=3.5ms\n1..1\n# time=1500ms\n');
  write('.tap/test-results/test/b/c.test.ts.tap', '1..1\n# time=120000.5ms\n');
  write('.tap/test-results/test/d.test.ts.tap', '1..1\n# time=500ms\n');
  const times = lastRunTimes(root);
  t.same(times, [
    { file: 'test/a.test.ts', tier: 'unit', seconds: 1.5 },
    { file: 'test/b/c.test.ts', tier: 'nested', seconds: 120.0005 },
    { file: 'test/d.test.ts', tier: 'unmarked', seconds: 0.5 },
  ]);
  const table = tierTable(times).split('\n');
  t.match(table[1], /^unit\s+1\s+1\.5\s+1%$/);
  t.match(table[2], /^nested\s+1\s+120\.0\s+98%$/);
  t.match(table[3], /^unmarked\s+1\s+0\.5\s+0%$/);
  t.match(table[4], /^total\s+3\s+122\.0$/);
});
