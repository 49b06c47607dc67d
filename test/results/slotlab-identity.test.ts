// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { headCommit, slotlabIdentity } from '../../orchestrator/results/slotlab-identity.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test("this checkout's commit, as git itself says it", async (t) => {
  const git = await execa('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, reject: false });
  const identity = slotlabIdentity();
  t.equal(identity.version, JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version);
  t.equal(identity.commit, git.exitCode === 0 ? git.stdout.trim() : null);
});

t.test('a loose ref, a packed ref, a detached HEAD, and no git at all', async (t) => {
  const dir = tempDir(t);
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  fs.mkdirSync(path.join(dir, 'refs', 'heads'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'HEAD'), 'ref: refs/heads/main\n');
  fs.writeFileSync(path.join(dir, 'refs', 'heads', 'main'), `${a}\n`);
  t.equal(headCommit(dir), a);
  fs.rmSync(path.join(dir, 'refs', 'heads', 'main'));
  fs.writeFileSync(path.join(dir, 'packed-refs'), `# pack-refs with: peeled fully-peeled sorted\n${b} refs/heads/main\n`);
  t.equal(headCommit(dir), b);
  fs.writeFileSync(path.join(dir, 'HEAD'), `${a}\n`);
  t.equal(headCommit(dir), a);
  t.equal(headCommit(path.join(dir, 'nothing-here')), null);
});
