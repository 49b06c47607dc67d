// tier: unit
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { cacheRoot, configurePaths, repoRoot, runsDir, statesDir } from '../orchestrator/paths.js';

t.test('the repository root holds package.json', async (t) => {
  t.ok(fs.existsSync(path.join(repoRoot, 'package.json')));
  t.ok(fs.existsSync(path.join(repoRoot, 'suites', 'pam-qmp.yaml')));
});

t.test('cache and runs folders: defaults, configured once, restored', async (t) => {
  const previous = configurePaths({});
  t.teardown(() => void configurePaths(previous));
  t.equal(cacheRoot(), path.join(os.homedir(), '.cache', 'slotlab'));
  t.equal(runsDir(), path.join(repoRoot, 'results', 'runs'));
  const before = configurePaths({ cache: 'rel', runs: '/runs' });
  t.equal(before.cache, path.join(os.homedir(), '.cache', 'slotlab'), 'returns what was configured');
  t.equal(cacheRoot(), path.resolve('rel'));
  t.equal(runsDir(), '/runs');
  configurePaths({ runs: '/other' });
  t.equal(cacheRoot(), path.join(os.homedir(), '.cache', 'slotlab'), 'a folder not given is its default');
  t.equal(statesDir(), path.join(os.homedir(), '.cache', 'slotlab', 'guest-states'));
  configurePaths({ cache: '/c' });
  t.equal(statesDir(), '/c/guest-states', 'saved states follow the cache unless given');
  configurePaths({ cache: '/c', states: 'st' });
  t.equal(statesDir(), path.resolve('st'));
});
