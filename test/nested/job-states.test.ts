// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { keepStates, lendStates } from '../../orchestrator/nested/job-states.js';
import { tempDir } from '../fixtures/temp-dir.js';

const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};

t.test("a job is lent the kernel's kept states and what it saved or dropped is kept afterwards", async (t) => {
  const kept = path.join(tempDir(t), 'kept');
  const job = path.join(tempDir(t), 'job', 'guest-states');
  write(path.join(kept, '7.2-stock', 'a.state'), 'A');
  write(path.join(kept, '7.2-stock', 'a.json'), '{}');
  write(path.join(kept, 'debian-7.2', 'b.state'), 'B');
  const lent = lendStates(kept, job);
  t.same(lent.sort(), ['7.2-stock/a.json', '7.2-stock/a.state', 'debian-7.2/b.state']);
  t.equal(fs.readFileSync(path.join(job, '7.2-stock', 'a.state'), 'utf8'), 'A');
  t.equal(fs.statSync(path.join(job, '7.2-stock', 'a.state')).ino, fs.statSync(path.join(kept, '7.2-stock', 'a.state')).ino, 'lent as a hard link, not copied');

  // The job drops b, saves c, replaces a (written beside and renamed, as saveGuestState does), and leaves a partial file.
  fs.rmSync(path.join(job, 'debian-7.2', 'b.state'));
  write(path.join(job, '7.2-stock', 'c.state'), 'C');
  write(path.join(job, '7.2-stock', 'a.state.partial-1'), 'A2');
  fs.renameSync(path.join(job, '7.2-stock', 'a.state.partial-1'), path.join(job, '7.2-stock', 'a.state'));
  write(path.join(job, '7.2-stock', 'd.state.partial-9'), 'half');
  // Meanwhile another run kept a state of its own.
  write(path.join(kept, 'debian-7.2', 'e.state'), 'E');
  keepStates(job, kept, lent);

  t.equal(fs.readFileSync(path.join(kept, '7.2-stock', 'a.state'), 'utf8'), 'A2', 'a replaced state is kept');
  t.equal(fs.readFileSync(path.join(kept, '7.2-stock', 'c.state'), 'utf8'), 'C', 'a new state is kept');
  t.notOk(fs.existsSync(path.join(kept, 'debian-7.2', 'b.state')), 'a dropped state is gone');
  t.ok(fs.existsSync(path.join(kept, 'debian-7.2', 'e.state')), "another run's state stays");
  t.notOk(fs.existsSync(path.join(kept, '7.2-stock', 'd.state.partial-9')), 'a half-written state is not kept');
  t.same(fs.readdirSync(path.join(kept, '7.2-stock')).sort(), ['a.json', 'a.state', 'c.state'], 'no copy leftovers');
});

t.test('nothing kept yet: the job starts with an empty folder', async (t) => {
  const job = path.join(tempDir(t), 'guest-states');
  t.same(lendStates(path.join(tempDir(t), 'none'), job), []);
  t.ok(fs.statSync(job).isDirectory());
});
