// tier: build
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { CONFIGURE_FLAGS } from '../../orchestrator/builds/build-config.js';
import { configureKnows, flagsForTree } from '../../orchestrator/builds/configure-flags.js';
import { cachedQemuSource } from '../../orchestrator/builds/qemu-source.js';

// Written by hand in the layout of QEMU's configure --help (the option column, then the feature list).
const HELP = `Usage: configure [options]
Options: [defaults in brackets after descriptions]

Standard options:
  --help                   print this message
  --target-list=LIST       set target list (default: build all)
  --firmwarepath=VALUES    search PATH for firmware files [share/qemu-firmware]
  --without-default-features default all --enable-* options to "disabled"
  --enable-fdt[=CHOICE]    Whether and how to find the libfdt library
  --disable-werror         disable compilation abort on warning

Optional features, enabled with --enable-FEATURE and
disabled with --disable-FEATURE, default is enabled if available
(unless built with --without-default-features):

  kvm             KVM acceleration support
  tcg             TCG support
  docs            Documentations build support
  debug-info      debugging information
  rust            Rust support
`;

t.test('a flag is known by its option or, for --enable/--disable, by its feature name', async (t) => {
  for (const flag of ['--target-list=x86_64-softmmu', '--firmwarepath=/usr/share/qemu', '--enable-fdt=system', '--disable-werror', '--enable-kvm', '--disable-tcg', '--disable-docs', '--disable-debug-info', '--without-default-features']) {
    t.ok(configureKnows(HELP, flag), flag);
  }
  for (const flag of ['--with-git-submodules=ignore', '--audio-drv-list=', '--enable-slirp', '--target', '--disable-download']) t.notOk(configureKnows(HELP, flag), flag);
  t.ok(configureKnows(HELP, '--disable-download', 'case "$opt" in\n  --disable-download) download="disabled"\n'), 'an option the script takes without listing it');
});

t.test("a tree whose configure lacks one of slotlab's flags is configured without it, and gets the newer trees' flags it lists", async (t) => {
  const tree = flagsForTree({ version: '10.0.13', help: HELP, script: '  --disable-download) download=disabled ;;\n' }, CONFIGURE_FLAGS);
  t.same(tree.dropped, ['--audio-drv-list=', '--with-git-submodules=ignore']);
  t.same(tree.flags, [
    '--target-list=x86_64-softmmu',
    '--without-default-features',
    '--enable-kvm',
    '--disable-tcg',
    '--disable-docs',
    '--disable-werror',
    '--disable-debug-info',
    '--enable-fdt=system',
    '--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu',
    '--disable-download',
    '--disable-rust',
  ]);
  t.notOk(flagsForTree({ version: '8.0.2', help: HELP, script: '  --disable-download)\n' }, CONFIGURE_FLAGS).flags.includes('--disable-download'), 'not before 8.1');
  t.notOk(flagsForTree({ version: '10.0.13', help: HELP, script: '' }, CONFIGURE_FLAGS).flags.includes('--disable-download'), 'not where the script does not take it');
});

t.test("QEMU 7.2's own configure knows every flag: its builds keep their flags (and cache keys)", async (t) => {
  const source = cachedQemuSource('7.2');
  if (!source) return t.fail('npm test fetches the 7.2 source first (slotlab setup --tests)');
  const help = await execa(path.join(source.tree, 'configure'), ['--help'], { cwd: source.tree, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, extendEnv: false, reject: false });
  t.equal(help.exitCode, 0, help.stderr);
  t.ok(fs.existsSync(path.join(source.tree, 'VERSION')));
  const version = fs.readFileSync(path.join(source.tree, 'VERSION'), 'utf8').trim();
  t.same(flagsForTree({ version, help: help.stdout, script: fs.readFileSync(path.join(source.tree, 'configure'), 'utf8') }, CONFIGURE_FLAGS), { flags: [...CONFIGURE_FLAGS], dropped: [] });
});
