// tier: unit
import t from 'tap';
import { RingBuffer } from '../../orchestrator/machine/ring-buffer.js';

t.test('keeps only the last bytes', async (t) => {
  const ring = new RingBuffer(10);
  ring.push(Buffer.from('0123456789'));
  ring.push(Buffer.from('abcdef'));
  t.equal(ring.text(), '6789abcdef');
  t.equal(ring.droppedBytes, 6);
  ring.push(Buffer.from('XYZXYZXYZXYZ'));
  t.equal(ring.text(), 'ZXYZXYZXYZ');
});

t.test('short output is kept whole', async (t) => {
  const ring = new RingBuffer(1024);
  ring.push(Buffer.from('hello\n'));
  t.equal(ring.text(), 'hello\n');
  t.equal(ring.droppedBytes, 0);
});
