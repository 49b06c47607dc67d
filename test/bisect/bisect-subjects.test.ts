// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { kernelList, revisionCandidates } from '../../orchestrator/bisect/bisect-subjects.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('--kernels: names and paths in the order given, or a folder in natural name order', async (t) => {
  t.same(kernelList('6.1-stock, ./k/bzImage-2,6.1-atomic-ioctl'), [
    { id: '6.1-stock', label: '6.1-stock' },
    { id: path.resolve('k/bzImage-2'), label: 'bzImage-2' },
    { id: '6.1-atomic-ioctl', label: '6.1-atomic-ioctl' },
  ]);
  const dir = tempDir(t);
  for (const name of ['vmlinuz-6.10', 'vmlinuz-6.9', 'vmlinuz-6.1']) fs.writeFileSync(path.join(dir, name), '');
  fs.mkdirSync(path.join(dir, 'not-a-kernel'));
  t.same(kernelList(dir).map((kernel) => kernel.label), ['vmlinuz-6.1', 'vmlinuz-6.9', 'vmlinuz-6.10']);
  t.equal(kernelList(dir)[0]!.id, path.join(dir, 'vmlinuz-6.1'));
});

t.test('a commit is labelled by its short id and subject', async (t) => {
  t.same(revisionCandidates([{ sha: '0123456789abcdef0123', subject: 'kvm: fix it' }]), [{ id: '0123456789abcdef0123', label: '0123456789ab kvm: fix it' }]);
});
