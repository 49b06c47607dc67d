// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BuildStepError } from '../../orchestrator/builds/build-step.js';
import { readSeries } from '../../orchestrator/builds/patch-series.js';
import { cachedQemuSource } from '../../orchestrator/builds/qemu-source.js';
import { type SourceBuildSpec, buildFromSource, installedSourceBuild, sourceBuildKey } from '../../orchestrator/builds/source-build.js';
import { isolatedCache, tempDir } from '../fixtures/temp-dir.js';


function writePatchDir(t: Parameters<typeof tempDir>[0], patch: string): string {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'series'), 'broken.patch\n');
  fs.writeFileSync(path.join(dir, 'broken.patch'), patch);
  return dir;
}

const NOT_APPLYING = `--- a/accel/kvm/kvm-all.c
+++ b/accel/kvm/kvm-all.c
@@ -1,3 +1,3 @@
-this line is not in QEMU 7.2
+neither is this one
 nor this context
`;

t.test("a patch that does not apply to QEMU 7.2's real source stops at patch, with its output and log", async (t) => {
  const source = cachedQemuSource('7.2');
  if (!source) throw new Error('QEMU 7.2 source not fetched: `npm test` runs `slotlab setup --tests` first, which fetches it');
  const cache = isolatedCache(t);
  const spec: SourceBuildSpec = { name: '7.2-broken', family: 'stock', base: '7.2', variant: 'broken', source, patches: readSeries(writePatchDir(t, NOT_APPLYING)) };
  const error = await buildFromSource(spec, () => {}).catch((e: unknown) => e);
  t.type(error, BuildStepError);
  const failure = error as BuildStepError;
  t.equal(failure.step, 'patch');
  t.match(failure.message, /build 7\.2-broken: patch failed \(exit code 1/);
  t.match(failure.tail, /Hunk #1 FAILED at 1/);
  t.match(failure.message, new RegExp(`full log: ${cache}/qemu-work/logs/7\\.2-broken/patch\\.log$`));
  t.ok(fs.existsSync(failure.logFile));
  t.equal(installedSourceBuild(spec), undefined, 'nothing installed');
  t.equal(fs.readFileSync(path.join(source.tree, 'accel/kvm/kvm-all.c'), 'utf8').includes('neither is this one'), false, 'the pristine tree is untouched');
  t.notOk(fs.existsSync(path.join(cache, 'qemu-work', 'lock')), 'lock released');
});

/**
 * A tiny synthetic source tree whose configure and build steps are shell
 * scripts: configure and compile failures of real QEMU cannot be provoked
 * in seconds, and the pipeline treats every tree the same way.
 */
function syntheticTree(t: Parameters<typeof tempDir>[0], configure: string, buildNinja = ''): string {
  const tree = tempDir(t);
  fs.writeFileSync(path.join(tree, 'configure'), `#!/bin/sh\n${configure}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'build.ninja.in'), buildNinja);
  return tree;
}

const COPY_NINJA = 'cp "$(dirname "$0")/build.ninja.in" build.ninja';
const ninjaRule = (command: string) => `rule run\n  command = ${command}\nbuild qemu-system-x86_64: run\n`;

t.test('a configure failure stops at configure with its last lines', async (t) => {
  isolatedCache(t);
  const tree = syntheticTree(t, 'echo "ERROR: Dependency \\"glib-2.0\\" not found" >&2; exit 1');
  const spec: SourceBuildSpec = { name: 'synthetic', family: 'stock', base: '7.2', variant: 'x', source: { version: 'v1', tree }, patches: [] };
  await t.rejects(buildFromSource(spec, () => {}), { code: 'BUILD_STEP_FAILED', step: 'configure', message: /configure failed[\s\S]*glib-2\.0[\s\S]*configure\.log$/ });
});

t.test('a compile error stops at compile; a build that works is installed and then a cache hit', async (t) => {
  isolatedCache(t);
  const broken = syntheticTree(t, COPY_NINJA, ninjaRule("echo 'kvm-all.c:1: error: expected expression' && false"));
  const spec: SourceBuildSpec = { name: 'synthetic', family: 'stock', base: '7.2', variant: 'x', source: { version: 'v1', tree: broken }, patches: [] };
  await t.rejects(buildFromSource(spec, () => {}), { step: 'compile', message: /compile failed[\s\S]*error: expected expression[\s\S]*compile\.log$/ });

  const working = syntheticTree(t, COPY_NINJA, ninjaRule("printf '#!/bin/sh\\necho QEMU emulator version 0.0.1\\n' > $out && chmod +x $out"));
  const good: SourceBuildSpec = { ...spec, source: { version: 'v2', tree: working } };
  const phases: string[] = [];
  const provenance = await buildFromSource(good, () => {}, (event) => phases.push(event.phase));
  t.same([...new Set(phases)], ['patch', 'configure', 'compile', 'install']);
  t.equal(provenance.version, 'QEMU emulator version 0.0.1');
  t.equal(provenance.cacheKey, sourceBuildKey(good));
  t.equal(provenance.kind, 'source-build');
  t.ok(fs.existsSync(provenance.binary));
  t.ok(fs.existsSync(path.join(path.dirname(path.dirname(provenance.binary)), 'logs', 'compile.log')), 'logs kept with the install');
  const again: string[] = [];
  t.same(await buildFromSource(good, (line) => again.push(line), (event) => again.push(event.phase)), provenance);
  t.same(again, [], 'cache hit: nothing runs');
  t.equal(installedSourceBuild({ ...good, source: { version: 'v3', tree: working } }), undefined, 'another source version misses');
});
