// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { applyEnvironment, contextFromEnvironment, pathsFromEnvironment } from '../../orchestrator/cli/environment.js';
import { cacheRoot, configurePaths, repoRoot, runsDir, statesDir } from '../../orchestrator/paths.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('SLOTLAB_TIME_SCALE scales the context; unset, nonsense or below 1 is 1', async (t) => {
  t.equal(contextFromEnvironment({}).timeouts.scale, 1);
  t.equal(contextFromEnvironment({ SLOTLAB_TIME_SCALE: '10' }).timeouts.qmpCommandMs, 100_000);
  for (const value of ['fast', '0.5', '-1', '']) t.equal(contextFromEnvironment({ SLOTLAB_TIME_SCALE: value }).timeouts.scale, 1, JSON.stringify(value));
});

t.test('SLOTLAB_KERNEL_PROVENANCE makes the run a kernel-under-test run; a bad file is one clear error', async (t) => {
  t.same(contextFromEnvironment({}).location, { kind: 'host' });
  const dir = tempDir(t);
  const file = path.join(dir, 'kernel.json');
  const kernel = { name: '6.1-stock', kind: 'source-build', source: 'linux-6.1.1', bzImage: '/k/bzImage', sha256: 'ab'.repeat(32), base: '6.1', variant: 'stock' };
  fs.writeFileSync(file, JSON.stringify(kernel));
  t.same(contextFromEnvironment({ SLOTLAB_KERNEL_PROVENANCE: file }).location, { kind: 'kernel-under-test', kernel });
  t.throws(() => contextFromEnvironment({ SLOTLAB_KERNEL_PROVENANCE: path.join(dir, 'missing.json') }), { code: 'BAD_ENVIRONMENT', message: /SLOTLAB_KERNEL_PROVENANCE: cannot read .*missing\.json.*unset it/ });
  fs.writeFileSync(file, JSON.stringify({ name: 'x' }));
  t.throws(() => contextFromEnvironment({ SLOTLAB_KERNEL_PROVENANCE: file }), { code: 'BAD_ENVIRONMENT', message: /is not a kernel's provenance/ });
});

t.test('cache, runs and saved-state folders follow the environment', async (t) => {
  t.same(pathsFromEnvironment({}), { cache: undefined, runs: undefined, states: undefined });
  t.same(pathsFromEnvironment({ XDG_CACHE_HOME: '/x' }), { cache: '/x/slotlab', runs: undefined, states: undefined });
  t.same(pathsFromEnvironment({ XDG_CACHE_HOME: '/x', SLOTLAB_CACHE: 'rel', SLOTLAB_RUNS_DIR: '/runs', SLOTLAB_STATES_DIR: '/states' }), { cache: 'rel', runs: '/runs', states: '/states' });
  const previous = configurePaths({ cache: cacheRoot(), runs: runsDir() });
  t.teardown(() => void configurePaths(previous));
  applyEnvironment({ SLOTLAB_CACHE: 'rel', SLOTLAB_RUNS_DIR: '/runs' });
  t.equal(cacheRoot(), path.resolve('rel'));
  t.equal(runsDir(), '/runs');
  t.equal(statesDir(), path.resolve('rel', 'guest-states'), "saved states default to the cache's guest-states/");
  applyEnvironment({ SLOTLAB_STATES_DIR: '/job/guest-states' });
  t.equal(statesDir(), '/job/guest-states');
  applyEnvironment({});
  t.equal(runsDir(), path.join(repoRoot, 'results', 'runs'));
});

t.test('no module below cli/ reads the environment to decide what it does', async (t) => {
  const root = path.join(repoRoot, 'orchestrator');
  const offenders: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.ts') && !file.startsWith(path.join(root, 'cli') + path.sep)) {
        fs.readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, index) => /process\.env\b/.test(line) && offenders.push(`${path.relative(repoRoot, file)}:${index + 1}: ${line.trim()}`));
      }
    }
  };
  walk(root);
  t.same(offenders, [], 'process.env is read in cli/ only');
});
