// tier: build
import t from 'tap';
import { findBuild } from '../../orchestrator/builds/build-registry.js';
import { ensureBuilt } from '../../orchestrator/setup/on-demand.js';
import { isolatedCache } from '../fixtures/temp-dir.js';

t.test('a build setup left for later is fetched when a command first asks for it, once, and says so', async (t) => {
  isolatedCache(t);
  await t.rejects(findBuild('debian-bpo-10.0').resolve(), { code: 'BUILD_NOT_READY' }, 'an empty cache has no backports QEMU');
  const lines: string[] = [];
  const prepared = await ensureBuilt({ builds: ['debian-bpo-10.0'] }, (line) => lines.push(line));
  t.same(prepared, ['debian-bpo-10.0']);
  t.match(lines[0], /^build debian-bpo-10\.0 is not built yet: building it now/);
  t.match(lines.at(-1), /^build debian-bpo-10\.0: ready after \d+ s$/);
  const resolved = await findBuild('debian-bpo-10.0').resolve();
  t.match(resolved.provenance.version, /QEMU emulator version 10\.0/);
  const again: string[] = [];
  t.same(await ensureBuilt({ builds: ['debian-bpo-10.0'] }, (line) => again.push(line)), [], 'the second time nothing is prepared');
  t.same(again, []);
});

t.test('an unknown build or kernel is refused before anything is built', async (t) => {
  isolatedCache(t);
  await t.rejects(ensureBuilt({ builds: ['no-such-build'] }, () => {}), { code: 'UNKNOWN_BUILD' });
  await t.rejects(ensureBuilt({ builds: ['debian-bpo-10.0'], kernels: ['no-such-kernel'] }, () => {}), { code: 'UNKNOWN_KERNEL' });
  await t.rejects(findBuild('debian-bpo-10.0').resolve(), { code: 'BUILD_NOT_READY' }, 'nothing was fetched');
});
