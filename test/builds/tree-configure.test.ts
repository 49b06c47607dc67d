// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildEnv } from '../../orchestrator/builds/build-config.js';
import { ninjaConfigure } from '../../orchestrator/builds/build-step.js';
import { mesonRequirement } from '../../orchestrator/builds/tree-meson.js';
import { tempDir } from '../fixtures/temp-dir.js';

/*
 * A fake QEMU tree (named so: it cannot be built, only configured): its configure prints a
 * --help in QEMU's layout that lacks --with-git-submodules and --audio-drv-list, refuses any
 * option it does not list, as QEMU's does, and records what it was given.
 */
const HELP = [
  'Usage: configure [options]',
  '  --target-list=LIST       set target list (default: build all)',
  '  --firmwarepath=VALUES    search PATH for firmware files',
  '  --without-default-features default all --enable-* options to "disabled"',
  '  --enable-fdt[=CHOICE]    Whether and how to find the libfdt library',
  '  --disable-install-blobs  install provided firmware blobs',
  '',
  'Optional features, enabled with --enable-FEATURE and',
  'disabled with --disable-FEATURE, default is enabled if available',
  '',
  '  kvm             KVM acceleration support',
  '  tcg             TCG support',
  '  docs            Documentations build support',
  '  werror          Treat warnings as errors',
  '  debug-info      debugging information',
  '  rust            Rust support',
].join('\n');

const CONFIGURE = `#!/bin/sh
if [ "$1" = --help ]; then cat "$(dirname "$0")/help.txt"; exit 0; fi
for arg in "$@"; do
  case "$arg" in
    --target-list=*|--firmwarepath=*|--without-default-features|--enable-fdt=*|--disable-install-blobs|--enable-kvm|--disable-tcg|--disable-docs|--disable-werror|--disable-debug-info|--disable-rust) ;;
    --disable-download) ;;
    *) echo "ERROR: unknown option $arg" >&2; exit 1 ;;
  esac
done
echo "$@" >> "$(dirname "$0")/configured-with"
echo "PYTHONPATH=$PYTHONPATH" >> "$(dirname "$0")/configured-with"
touch build.ninja
`;

function fakeTree(t: Parameters<typeof tempDir>[0], version: string): string {
  const tree = tempDir(t, 'slotlab-fake-qemu-');
  fs.writeFileSync(path.join(tree, 'configure'), CONFIGURE, { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'help.txt'), HELP + '\n');
  fs.writeFileSync(path.join(tree, 'VERSION'), `${version}\n`);
  fs.writeFileSync(path.join(tree, 'pythondeps.toml'), '[meson]\n# The install key should match the version in python/wheels/\nmeson = { accepted = ">=1.5.0", installed = "1.5.0", canary = "meson" }\n');
  fs.mkdirSync(path.join(tree, 'python', 'wheels'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'python', 'wheels', 'meson-1.5.0-py3-none-any.whl'), 'a wheel, not read: configure would install it');
  return tree;
}

t.test("a tree whose configure lacks some of slotlab's flags is configured without them, once, with its own meson wheel", async (t) => {
  const tree = fakeTree(t, '9.2.0');
  const buildDir = path.join(tempDir(t), 'build');
  const logs = tempDir(t);
  const said: string[] = [];
  const job = { build: 'fake', src: tree, buildDir, env: buildEnv(tree), logs, log: (line: string) => said.push(line) };
  t.equal(mesonRequirement(tree), '1.5.0');
  const line = await ninjaConfigure(job);
  const given = fs.readFileSync(path.join(tree, 'configured-with'), 'utf8').split('\n')[0]!.split(' ');
  t.notOk(given.some((flag) => flag.startsWith('--with-git-submodules') || flag.startsWith('--audio-drv-list')), `not given what it does not know: ${given.join(' ')}`);
  for (const flag of ['--enable-kvm', '--disable-tcg', '--target-list=x86_64-softmmu', '--disable-download', '--disable-install-blobs', '--disable-rust']) t.ok(given.includes(flag), flag);
  t.match(line, /^configure --target-list=x86_64-softmmu .* \(meson: tree wheel\)$/);
  t.match(said.join('\n'), /QEMU 9\.2\.0's configure does not know --audio-drv-list= --with-git-submodules=ignore: configured without/);
  await ninjaConfigure(job);
  t.equal(fs.readFileSync(path.join(tree, 'configured-with'), 'utf8').split('\n').filter(Boolean).length, 2, 'configured once (one line of flags, one of PYTHONPATH)');
});

t.test('a tree older than 8.1 is not given the newer trees\' flags', async (t) => {
  const tree = fakeTree(t, '8.0.0');
  fs.rmSync(path.join(tree, 'pythondeps.toml'));
  const job = { build: 'fake', src: tree, buildDir: path.join(tempDir(t), 'build'), env: buildEnv(tree), logs: tempDir(t) };
  const line = await ninjaConfigure(job);
  t.notMatch(line, /--disable-download|--disable-install-blobs|--disable-rust|meson:/);
});

t.test('the build folder is configured again when the meson the tree needs changes (a bisection crossing the requirement)', async (t) => {
  const tree = fakeTree(t, '9.2.0');
  const job = { build: 'fake', src: tree, buildDir: path.join(tempDir(t), 'build'), env: buildEnv(tree), logs: tempDir(t) };
  t.match(await ninjaConfigure(job), /\(meson: tree wheel\)$/);
  // The next commit has no wheel and wants a meson newer than bookworm's: bookworm-backports' is fetched and put on its path.
  fs.rmSync(path.join(tree, 'python'), { recursive: true });
  const line = await ninjaConfigure(job);
  t.match(line, /\(meson: bookworm-backports 1\.\d+\.\d+\)$/);
  const runs = fs.readFileSync(path.join(tree, 'configured-with'), 'utf8').split('\n').filter(Boolean);
  t.equal(runs.length, 4, 'configured a second time');
  t.match(runs[3], /^PYTHONPATH=.*meson-bpo\/.*\/usr\/lib\/python3\/dist-packages$/, "configure sees bookworm-backports' meson");
});

t.test('a tree needing a meson nobody has fails before configure, saying what to install', async (t) => {
  const tree = fakeTree(t, '99.0.0');
  fs.rmSync(path.join(tree, 'python'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'pythondeps.toml'), '[meson]\nmeson = { accepted = ">=99.0", installed = "99.0", canary = "meson" }\n');
  const job = { build: 'fake', src: tree, buildDir: path.join(tempDir(t), 'build'), env: buildEnv(tree), logs: tempDir(t) };
  await t.rejects(ninjaConfigure(job), { code: 'MESON_UNAVAILABLE', message: /needs meson >= 99\.0: the system has 1\.0\.1, bookworm-backports 1\.\d+\.\d+; .*python\/wheels.*apt-get install -t bookworm-backports meson/ });
  t.notOk(fs.existsSync(path.join(tree, 'configured-with')), 'configure never ran');
});
