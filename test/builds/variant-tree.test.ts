// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BuildStepError } from '../../orchestrator/builds/build-step.js';
import { sharedPrefix, switchVariantTree } from '../../orchestrator/builds/variant-tree.js';
import { sha256File } from '../../orchestrator/builds/provenance.js';
import { tempDir } from '../fixtures/temp-dir.js';

type T = Parameters<typeof tempDir>[0];

/** A pristine tree of three files, and patches written by hand (unified diffs as `diff -u` would print). */
function fixture(t: T) {
  const root = tempDir(t);
  const pristine = path.join(root, 'pristine');
  fs.mkdirSync(pristine);
  fs.writeFileSync(path.join(pristine, 'a.c'), 'int a = 1;\n');
  fs.writeFileSync(path.join(pristine, 'b.c'), 'int b = 1;\n');
  fs.writeFileSync(path.join(pristine, 'c.c'), 'int c = 1;\n');
  const old = new Date('2020-01-01T00:00:00Z');
  for (const file of ['a.c', 'b.c', 'c.c']) fs.utimesSync(path.join(pristine, file), old, old);
  const patch = (name: string, file: string, from: string, to: string) => {
    const at = path.join(root, name);
    fs.writeFileSync(at, `--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-${from}\n+${to}\n`);
    return { name, file: at, sha256: sha256File(at) };
  };
  const common = patch('common.patch', 'a.c', 'int a = 1;', 'int a = 2;');
  const fixB = patch('fix-b.patch', 'b.c', 'int b = 1;', 'int b = 2;');
  const fixC = patch('fix-c.patch', 'c.c', 'int c = 1;', 'int c = 2;');
  const into = path.join(root, 'work', '7.2', 'src');
  const buildDir = path.join(root, 'work', '7.2', 'build');
  const tree = (patches: { name: string; file: string; sha256: string }[]) => ({ build: 'test', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, pristine, into, buildDir, patches, logFile: path.join(root, 'patch.log'), log: () => {} });
  const read = (file: string) => fs.readFileSync(path.join(into, file), 'utf8');
  const mtime = (file: string) => fs.statSync(path.join(into, file)).mtimeMs;
  return { root, pristine, into, buildDir, common, fixB, fixC, tree, read, mtime };
}

t.test('the first build makes the tree afresh from the pristine one, which stays untouched', async (t) => {
  const f = fixture(t);
  fs.mkdirSync(f.buildDir, { recursive: true });
  fs.writeFileSync(path.join(f.buildDir, 'stale.o'), 'from another source');
  const result = await switchVariantTree(f.tree([f.common, f.fixB]));
  t.same(result, { fresh: true, reverted: 0, applied: 2 });
  t.notOk(fs.existsSync(path.join(f.buildDir, 'stale.o')), 'the build folder was emptied before the tree counted as clean');
  t.equal(f.read('a.c'), 'int a = 2;\n');
  t.equal(f.read('b.c'), 'int b = 2;\n');
  t.equal(fs.readFileSync(path.join(f.pristine, 'a.c'), 'utf8'), 'int a = 1;\n');
  t.equal(fs.readFileSync(path.join(f.pristine, 'b.c'), 'utf8'), 'int b = 1;\n');
});

t.test('another variant of the base reverts only what the series do not share; untouched files keep their time', async (t) => {
  const f = fixture(t);
  await switchVariantTree(f.tree([f.common, f.fixB]));
  fs.mkdirSync(f.buildDir, { recursive: true });
  fs.writeFileSync(path.join(f.buildDir, 'a.o'), 'kept');
  const before = { a: f.mtime('a.c'), c: f.mtime('c.c') };
  const result = await switchVariantTree(f.tree([f.common, f.fixC]));
  t.same(result, { fresh: false, reverted: 1, applied: 1 });
  t.equal(f.read('a.c'), 'int a = 2;\n', 'the shared patch stays applied');
  t.equal(f.read('b.c'), 'int b = 1;\n', "the other variant's patch is reverted");
  t.equal(f.read('c.c'), 'int c = 2;\n');
  t.equal(f.mtime('a.c'), before.a, 'a file only the shared patch touches is not rewritten (nothing depending on it recompiles)');
  t.ok(fs.existsSync(path.join(f.buildDir, 'a.o')), 'a switch in place keeps the build folder');
  t.ok(f.mtime('b.c') > new Date('2021-01-01').getTime(), 'the reverted file is newer than the pristine one (what was compiled from its patched version recompiles)');
  t.ok(f.mtime('c.c') > before.c);
  t.same(await switchVariantTree(f.tree([f.common])), { fresh: false, reverted: 1, applied: 0 });
  t.equal(f.read('c.c'), 'int c = 1;\n');
  t.same(await switchVariantTree(f.tree([f.common])), { fresh: false, reverted: 0, applied: 0 }, 'the same series again changes nothing');
});

t.test('a patch file edited after it was applied is still reverted from the copy kept when it was', async (t) => {
  const f = fixture(t);
  await switchVariantTree(f.tree([f.common, f.fixB]));
  fs.writeFileSync(f.fixB.file, '--- a/b.c\n+++ b/b.c\n@@ -1 +1 @@\n-int b = 1;\n+int b = 3;\n');
  const edited = { ...f.fixB, sha256: sha256File(f.fixB.file) };
  t.equal(sharedPrefix([f.common, f.fixB], [f.common, edited]), 1, 'a patch whose content changed is not shared');
  t.same(await switchVariantTree(f.tree([f.common, edited])), { fresh: false, reverted: 1, applied: 1 });
  t.equal(f.read('b.c'), 'int b = 3;\n');
});

t.test('a tree changed by hand, so that a revert fails, is made afresh', async (t) => {
  const f = fixture(t);
  await switchVariantTree(f.tree([f.common, f.fixB]));
  fs.rmSync(path.join(f.into, 'b.c'));
  fs.writeFileSync(path.join(f.into, 'b.c'), 'something else\n');
  fs.mkdirSync(f.buildDir, { recursive: true });
  fs.writeFileSync(path.join(f.buildDir, 'b.o'), 'compiled from the patched b.c');
  const result = await switchVariantTree(f.tree([f.common]));
  t.same(result, { fresh: true, reverted: 0, applied: 1 });
  t.notOk(fs.existsSync(path.join(f.buildDir, 'b.o')), 'a tree made afresh empties its build folder (its files are older than the objects)');
  t.equal(f.read('b.c'), 'int b = 1;\n');
});

t.test('a switch cut short by a patch that does not apply leaves a tree the next build does not trust', async (t) => {
  const f = fixture(t);
  await switchVariantTree(f.tree([f.common]));
  const broken = path.join(f.root, 'broken.patch');
  fs.writeFileSync(broken, '--- a/c.c\n+++ b/c.c\n@@ -1 +1 @@\n-not in c.c\n+neither\n');
  const error = await switchVariantTree(f.tree([f.common, { name: 'broken.patch', file: broken, sha256: sha256File(broken) }])).catch((e: unknown) => e);
  t.type(error, BuildStepError);
  t.equal((error as BuildStepError).step, 'patch');
  t.same(await switchVariantTree(f.tree([f.common, f.fixC])), { fresh: true, reverted: 0, applied: 2 });
  t.equal(f.read('c.c'), 'int c = 2;\n');
});

t.test('a tree made from another pristine source is made afresh', async (t) => {
  const f = fixture(t);
  await switchVariantTree(f.tree([f.common]));
  const other = path.join(f.root, 'other');
  fs.cpSync(f.pristine, other, { recursive: true });
  fs.writeFileSync(path.join(other, 'c.c'), 'int c = 9;\n');
  const result = await switchVariantTree({ ...f.tree([f.common]), pristine: other });
  t.equal(result.fresh, true);
  t.equal(f.read('c.c'), 'int c = 9;\n');
});
