// tier: unit
import t from 'tap';
import { firstParentRange, isAncestor, resolveRevision } from '../../orchestrator/bisect/git-revisions.js';
import { git, gitRepo } from '../fixtures/git-repo.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('the first-parent line between two ends, oldest first, with subjects', async (t) => {
  const { dir, shas } = await gitRepo(t, [1, 2, 3, 4].map((n) => ({ subject: `commit ${n}`, files: { 'file.txt': `${n}\n` } })));
  t.equal(await resolveRevision(dir, 'HEAD~3'), shas[0]);
  t.ok(await isAncestor(dir, shas[0]!, shas[3]!));
  t.notOk(await isAncestor(dir, shas[3]!, shas[0]!));
  t.same(await firstParentRange(dir, shas[1]!, 'main'), [
    { sha: shas[1], subject: 'commit 2' },
    { sha: shas[2], subject: 'commit 3' },
    { sha: shas[3], subject: 'commit 4' },
  ]);
});

t.test('a merge is one step of the mainline', async (t) => {
  const { dir, shas } = await gitRepo(t, [{ subject: 'base', files: { a: '1' } }]);
  await git(dir, ['checkout', '--quiet', '-b', 'topic']);
  await git(dir, ['commit', '--quiet', '--allow-empty', '-m', 'on topic']);
  await git(dir, ['checkout', '--quiet', 'main']);
  await git(dir, ['commit', '--quiet', '--allow-empty', '-m', 'on main']);
  await git(dir, ['merge', '--quiet', '--no-ff', '-m', 'merge topic', 'topic']);
  const range = await firstParentRange(dir, shas[0]!, 'main');
  t.same(range.map((revision) => revision.subject), ['base', 'on main', 'merge topic']);
});

t.test('ends that are not a line of history are refused with what to do', async (t) => {
  const { dir, shas } = await gitRepo(t, [{ subject: 'one', files: { a: '1' } }, { subject: 'two', files: { a: '2' } }]);
  await t.rejects(resolveRevision(dir, 'v9.9'), { code: 'GIT', message: /'v9\.9' names no commit in .*; give a commit id, tag or branch/ });
  await t.rejects(resolveRevision(tempDir(t), 'HEAD'), { message: /is not a git repository .*give --src the top of a QEMU git checkout/ });
  await t.rejects(firstParentRange(dir, shas[1]!, shas[0]!), { message: /is not an ancestor of .*: the ends must lie on one line of history/ });
  await t.rejects(firstParentRange(dir, 'main', shas[1]!), { message: /are the same commit/ });
});
