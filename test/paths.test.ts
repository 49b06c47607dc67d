import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { cacheRoot, repoRoot, runsDir } from '../orchestrator/paths.js';

t.test('the repository root holds package.json', async (t) => {
  t.ok(fs.existsSync(path.join(repoRoot, 'package.json')));
  t.ok(fs.existsSync(path.join(repoRoot, 'suites', 'pam-qmp.yaml')));
});

t.test('cache and runs folders follow the environment', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => {
    process.env = saved;
  });
  delete process.env.SLOTLAB_CACHE;
  delete process.env.XDG_CACHE_HOME;
  delete process.env.SLOTLAB_RUNS_DIR;
  t.equal(cacheRoot(), path.join(os.homedir(), '.cache', 'slotlab'));
  t.equal(runsDir(), path.join(repoRoot, 'results', 'runs'));
  process.env.XDG_CACHE_HOME = '/x';
  t.equal(cacheRoot(), '/x/slotlab');
  process.env.SLOTLAB_CACHE = 'rel';
  t.equal(cacheRoot(), path.resolve('rel'));
  process.env.SLOTLAB_RUNS_DIR = '/runs';
  t.equal(runsDir(), '/runs');
});
