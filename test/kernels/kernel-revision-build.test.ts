// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildKernelRevision } from '../../orchestrator/kernels/kernel-revision-build.js';
import { git, gitRepo } from '../fixtures/git-repo.js';
import { isolatedCache } from '../fixtures/temp-dir.js';

// The user's command is theirs; a stand-in that "builds" by writing the commit's IMAGE file as the bzImage.
const COMMAND = 'mkdir -p "$SLOTLAB_KERNEL_OUT/arch/x86/boot" && cp IMAGE "$SLOTLAB_KERNEL_OUT/arch/x86/boot/bzImage" && echo "$SLOTLAB_REVISION" >> "$SLOTLAB_KERNEL_OUT/../builds"';

t.test("each commit is built with the user's command and its bzImage cached by commit and command", async (t) => {
  isolatedCache(t);
  const { dir, shas } = await gitRepo(t, [
    { subject: 'one', files: { IMAGE: 'kernel one' } },
    { subject: 'two', files: { IMAGE: 'kernel two' } },
  ]);
  const tree = { src: dir, command: COMMAND };
  const one = await buildKernelRevision(tree, shas[0]!, () => {});
  const two = await buildKernelRevision(tree, shas[1]!, () => {});
  t.equal(fs.readFileSync(one, 'utf8'), 'kernel one');
  t.equal(fs.readFileSync(two, 'utf8'), 'kernel two');
  t.equal(await buildKernelRevision(tree, shas[0]!, () => {}), one);
  const builds = fs.readFileSync(path.join(path.dirname(path.dirname(path.dirname(one))), 'builds'), 'utf8').trim().split('\n');
  t.same(builds, [shas[0], shas[1]], 'the command ran once per commit, told which commit it builds');
  t.not(await buildKernelRevision({ ...tree, command: `${COMMAND} # v2` }, shas[0]!, () => {}), one, 'another command is another build');
  t.equal((await git(dir, ['status', '--porcelain'])).stdout, '', "the user's tree is untouched");
});

t.test('a failing command, or one that leaves no bzImage, fails that commit with its output', async (t) => {
  isolatedCache(t);
  const { dir, shas } = await gitRepo(t, [{ subject: 'one', files: { IMAGE: 'x' } }]);
  await t.rejects(buildKernelRevision({ src: dir, command: 'echo "kvm_main.c:9: error: oops"; exit 2' }, shas[0]!, () => {}), {
    code: 'BUILD_STEP_FAILED',
    message: /compile failed \(exit code 2[\s\S]*kvm_main\.c:9: error: oops/,
  });
  await t.rejects(buildKernelRevision({ src: dir, command: 'true' }, shas[0]!, () => {}), { message: /left no arch\/x86\/boot\/bzImage/ });
});
