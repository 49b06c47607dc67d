// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PatchSeriesError, parseSeries, readSeries } from '../../orchestrator/builds/patch-series.js';
import { sha256File } from '../../orchestrator/builds/provenance.js';
import { patchesRoot } from '../../orchestrator/builds/qemu-variants.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('series text: one name per line, comments and blanks ignored, order kept', async (t) => {
  t.same(parseSeries('# header\n\n0002-b.patch\n  0001-a.patch -p1  # trailing comment\n\n'), ['0002-b.patch', '0001-a.patch']);
  t.same(parseSeries(''), []);
  t.throws(() => parseSeries('x.patch -p0'), /only -p1 patches/);
});

function variant(t: Parameters<typeof tempDir>[0], series: string | undefined, files: Record<string, string> = {}): string {
  const dir = tempDir(t);
  if (series !== undefined) fs.writeFileSync(path.join(dir, 'series'), series);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

t.test('readSeries hashes each listed patch in series order', async (t) => {
  const dir = variant(t, '2.patch\n1.patch\n', { '1.patch': 'one\n', '2.patch': 'two\n', 'unlisted.patch': 'x\n' });
  const patches = readSeries(dir);
  t.same(patches.map((patch) => patch.name), ['2.patch', '1.patch']);
  t.equal(patches[0]!.sha256, sha256File(path.join(dir, '2.patch')));
  t.equal(patches[1]!.file, path.join(dir, '1.patch'));
});

t.test('every broken series is one error naming the series file', async (t) => {
  const cases: [string, string | undefined, Record<string, string>, RegExp][] = [
    ['missing series', undefined, {}, /series: missing/],
    ['missing patch', 'gone.patch\n', {}, /lists 'gone\.patch', which does not exist/],
    ['duplicate', 'a.patch\na.patch\n', { 'a.patch': '' }, /'a\.patch' is listed twice/],
    ['path outside', '../a.patch\n', {}, /must be a file name in/],
    ['bad option', 'a.patch -R\n', { 'a.patch': '' }, /only -p1 patches/],
  ];
  for (const [name, series, files, message] of cases) {
    const dir = variant(t, series, files);
    t.throws(() => readSeries(dir), PatchSeriesError, name);
    t.throws(() => readSeries(dir), { code: 'PATCH_SERIES', message: new RegExp(`${dir}/series: .*fix the series file`, 's') }, name);
    t.throws(() => readSeries(dir), { message }, name);
  }
});

t.test("the repository's QEMU 7.2 variants parse", async (t) => {
  t.same(readSeries(path.join(patchesRoot, '7.2', 'stock')), []);
  const atomic = readSeries(path.join(patchesRoot, '7.2', 'atomic-ioctl'));
  t.same(atomic.map((patch) => patch.name), ['0001-kvm-slot-changes-of-a-transaction-in-one-list.patch']);
  t.match(fs.readFileSync(atomic[0]!.file, 'utf8'), /KVM_SET_USER_MEMORY_REGION_LIST _IOW\(KVMIO, 0xd2/, 'the header carries the ioctl number of the kernel patch');
  const kernel = readSeries(path.join(patchesRoot, 'linux-6.1', 'atomic-ioctl'));
  t.equal(kernel.length, 1);
  t.match(fs.readFileSync(kernel[0]!.file, 'utf8'), /^Design\n====$/m, 'the kernel patch explains its design in its header');
  t.same(readSeries(path.join(patchesRoot, 'linux-6.1', 'stock')), []);
  const paused = readSeries(path.join(patchesRoot, '7.2', 'paused-vcpu'));
  t.equal(paused.length, 1);
  const text = fs.readFileSync(paused[0]!.file, 'utf8');
  t.match(text, /Locking argument/, 'the patch explains its locking in its header');
  t.match(text, /^\+\+\+ b\/accel\/kvm\/kvm-all\.c$/m);
});
