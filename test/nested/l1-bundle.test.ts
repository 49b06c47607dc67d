// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { L1_CLI_BUNDLE, bundleCli, l1CliEntry } from '../../orchestrator/nested/l1-bundle.js';
import { repoRoot } from '../../orchestrator/paths.js';

const main = path.join(repoRoot, 'dist', 'orchestrator', 'cli', 'main.js');

t.test('the bundled CLI a kernel under test runs is the same CLI as its modules', async (t) => {
  await bundleCli();
  t.ok(fs.existsSync(L1_CLI_BUNDLE), 'npm run build leaves the bundle in dist/');
  for (const args of [['suites'], ['builds'], ['help'], ['run', 'no-such-suite', '--build', '7.2-stock']]) {
    const [modules, bundle] = await Promise.all([main, L1_CLI_BUNDLE].map((entry) => execa(process.execPath, [entry, ...args], { reject: false, all: true })));
    t.equal(bundle!.exitCode, modules!.exitCode, `${args.join(' ')}: the same exit code`);
    t.equal(bundle!.all, modules!.all, `${args.join(' ')}: the same output`);
  }
});

t.test('the bundle finds the repository from where it lies, as the modules do', async (t) => {
  const printed = await execa(process.execPath, [L1_CLI_BUNDLE, 'suites'], { cwd: '/', reject: false });
  t.equal(printed.exitCode, 0, 'run from another folder, it still finds suites/');
  t.match(printed.stdout, /^pam-qmp\s/m);
});

t.test('a bundle older than the modules (tsc run alone) is not used: the job runs the modules', async (t) => {
  await bundleCli();
  t.equal(l1CliEntry(), L1_CLI_BUNDLE, 'a fresh bundle is used');
  const saved = fs.statSync(L1_CLI_BUNDLE);
  t.teardown(() => fs.utimesSync(L1_CLI_BUNDLE, saved.atime, saved.mtime));
  const older = new Date(fs.statSync(main).mtimeMs - 60_000);
  fs.utimesSync(L1_CLI_BUNDLE, older, older);
  t.equal(l1CliEntry(), main);
});
