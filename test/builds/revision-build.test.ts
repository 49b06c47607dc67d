// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildRevision, cachedRevisionBuild, revisionBuildName, revisionWorkDir } from '../../orchestrator/builds/revision-build.js';
import { readSeries } from '../../orchestrator/builds/patch-series.js';
import { git, gitRepo } from '../fixtures/git-repo.js';
import { isolatedCache, tempDir } from '../fixtures/temp-dir.js';

/**
 * A synthetic tree whose configure and ninja rule are tiny scripts (a real
 * QEMU history is bisected in test/cli/bisect-command.test.ts): the binary
 * prints the VERSION file of the commit it was built from.
 */
const CONFIGURE = '#!/bin/sh\necho configured >> "$(dirname "$0")/../configure-runs" 2>/dev/null; cp "$(dirname "$0")/build.ninja.in" build.ninja\n';
const NINJA = [
  'rule run',
  "  command = if grep -q broken ../src/VERSION; then echo 'pc.c:1: error: expected expression'; exit 1; fi; printf '#!/bin/sh\\necho QEMU emulator version %s\\n' \"$$(cat ../src/VERSION)\" > $out && chmod +x $out",
  'build qemu-system-x86_64: run ../src/VERSION',
  '',
].join('\n');

t.test('each commit is built in one incremental folder, from a clone that leaves the tree alone, and cached per commit', async (t) => {
  isolatedCache(t);
  const { dir, shas } = await gitRepo(t, [
    { subject: 'v1', files: { configure: CONFIGURE, 'build.ninja.in': NINJA, VERSION: '1.0.0' } },
    { subject: 'v2', files: { VERSION: '2.0.0' } },
    { subject: 'broken', files: { VERSION: 'broken' } },
  ]);
  const tree = { src: dir, name: 'tree', family: 'stock' as const, patches: [] };
  const phases: string[] = [];
  const first = await buildRevision(tree, shas[0]!, () => {}, (event) => phases.push(event.phase));
  t.same([...new Set(phases)], ['checkout', 'configure', 'compile', 'install']);
  t.equal(first.name, revisionBuildName(tree, shas[0]!));
  t.equal(first.name, `tree@${shas[0]!.slice(0, 12)}`);
  t.equal(first.provenance.version, 'QEMU emulator version 1.0.0');
  t.equal(first.provenance.source, `${fs.realpathSync(dir)} at git ${shas[0]}`);
  t.equal(first.provenance.kind, 'user-source');

  phases.length = 0;
  const second = await buildRevision(tree, shas[1]!, () => {}, (event) => phases.push(event.phase));
  t.equal(second.provenance.version, 'QEMU emulator version 2.0.0');
  t.notOk(phases.includes('configure'), 'configured once per tree; ninja rebuilds what the commit changed');
  t.ok(fs.existsSync(path.join(revisionWorkDir(dir), 'build', 'build.ninja')));

  const again: string[] = [];
  t.same(await buildRevision(tree, shas[0]!, (line) => again.push(line), (event) => again.push(event.phase)), first);
  t.same(again, [], 'a commit built before is a cache hit');
  t.equal(fs.readFileSync(first.binary, 'utf8').includes('1.0.0'), true, "each commit's binary is kept");

  await t.rejects(buildRevision(tree, shas[2]!, () => {}), { code: 'BUILD_STEP_FAILED', step: 'compile', message: /error: expected expression/ });
  t.equal(cachedRevisionBuild(tree, shas[2]!), undefined, 'a failed commit is not cached');
  t.equal((await git(dir, ['rev-parse', 'HEAD'])).stdout.trim(), shas[2], "the user's checkout did not move");
  t.equal((await git(dir, ['status', '--porcelain'])).stdout, '', "the user's tree is untouched");
});

t.test('a patch series is applied on top of every commit and is part of the cache key', async (t) => {
  isolatedCache(t);
  const { dir, shas } = await gitRepo(t, [{ subject: 'v1', files: { configure: CONFIGURE, 'build.ninja.in': NINJA, VERSION: '1.0.0\n' } }]);
  const patches = tempDir(t);
  fs.writeFileSync(path.join(patches, 'series'), 'fix.patch\n');
  fs.writeFileSync(path.join(patches, 'fix.patch'), '--- a/VERSION\n+++ b/VERSION\n@@ -1 +1 @@\n-1.0.0\n+1.0.1-patched\n');
  const plain = await buildRevision({ src: dir, name: 'tree', family: 'stock', patches: [] }, shas[0]!, () => {});
  const patched = await buildRevision({ src: dir, name: 'tree', family: 'stock', patches: readSeries(patches) }, shas[0]!, () => {});
  t.equal(plain.provenance.version, 'QEMU emulator version 1.0.0');
  t.equal(patched.provenance.version, 'QEMU emulator version 1.0.1-patched');
  t.not(patched.provenance.cacheKey, plain.provenance.cacheKey);
  t.same(patched.provenance.patches?.map((patch) => patch.name), ['fix.patch']);
  const plainAgain = await buildRevision({ src: dir, name: 'tree', family: 'stock', patches: [] }, shas[0]!, () => {});
  t.equal(plainAgain.provenance.sha256, plain.provenance.sha256, 'the patch does not leak into the next build of the commit');
});
