// tier: unit
import fs from 'node:fs';
import t from 'tap';
import { buildImage, imagePath, requireImage } from '../../orchestrator/images/build-images.js';

t.test('a second build with unchanged inputs is a cache hit', async (t) => {
  await buildImage('spin');
  const before = fs.statSync(imagePath('spin')).mtimeMs;
  const again = await buildImage('spin');
  t.equal(again.cached, true);
  t.equal(fs.statSync(imagePath('spin')).mtimeMs, before);
  t.equal(requireImage('spin'), imagePath('spin'));
});

t.test('an image older than its source is refused until setup has looked at it', async (t) => {
  await buildImage('spin');
  const past = new Date(Date.now() - 3_600_000);
  fs.utimesSync(imagePath('spin'), past, past);
  fs.utimesSync('images/spin/spin.asm', new Date(), new Date());
  t.throws(() => requireImage('spin'), { code: 'IMAGE_MISSING', message: /run `slotlab setup`/ });
  const again = await buildImage('spin');
  t.equal(again.cached, true, 'the same source: no rebuild');
  t.equal(requireImage('spin'), imagePath('spin'), 'and the image is accepted again');
});

t.test('a changed key rebuilds', async (t) => {
  fs.writeFileSync(`${imagePath('spin')}.inputs-sha256`, 'stale\n');
  const rebuilt = await buildImage('spin');
  t.equal(rebuilt.cached, false);
  const image = fs.readFileSync(imagePath('spin'));
  t.equal(image.readUInt32LE(0), 0x1badb002, 'starts with the multiboot header');
  t.equal((image.readUInt32LE(0) + image.readUInt32LE(4) + image.readUInt32LE(8)) >>> 0, 0, 'checksum');
});
