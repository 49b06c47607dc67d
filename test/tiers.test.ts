// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../orchestrator/paths.js';
import { TIERS, testFiles, tierOf } from '../orchestrator/bench/test-tiers.js';

const files = testFiles(repoRoot);

t.test('every test file names its tier on its first line', async (t) => {
  t.ok(files.length > 100, `${files.length} test files found`);
  const unmarked = files.filter((file) => tierOf(fs.readFileSync(path.join(repoRoot, file), 'utf8')) === undefined);
  t.same(unmarked, [], `each starts with one of ${Object.keys(TIERS).map((tier) => `'// tier: ${tier}'`).join(', ')}`);
});

t.test('a unit test starts no QEMU, boots no kernel under test and needs no build from the cache', async (t) => {
  // What only the other tiers may use: the KVM gate, the kernel-under-test and machine fixtures, a resolved build.
  const forbidden = [/fixtures\/kvm\.js/, /fixtures\/kernel-under-test\.js/, /fixtures\/spin-machine\.js/, /\bresolveBuild\(/, /\bnew QemuMachine\(/, /\brunL1Job\(/, /\bsetup\(/];
  const misplaced = files.filter((file) => file !== 'test/tiers.test.ts').flatMap((file) => {
    const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    return tierOf(text) === 'unit' ? forbidden.filter((pattern) => pattern.test(text)).map((pattern) => `${file} uses ${pattern}`) : [];
  });
  t.same(misplaced, [], 'no unit file uses them');
  t.ok(forbidden[0]!.test("import { NEEDS_KVM } from '../fixtures/kvm.js';"), 'the check sees a KVM test');
});

t.test('the unit tier is what npm run test:unit runs, and the tiers cover every file once', async (t) => {
  const scripts = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  t.match(scripts['test:unit'], /tier: unit/, 'test:unit selects the files by their unit marker');
  const counts = Object.fromEntries(Object.keys(TIERS).map((tier) => [tier, files.filter((file) => tierOf(fs.readFileSync(path.join(repoRoot, file), 'utf8')) === tier).length]));
  t.equal(Object.values(counts).reduce((sum, count) => sum + count, 0), files.length, JSON.stringify(counts));
  t.ok(counts.unit! > 50, 'most files are unit tests');
});
