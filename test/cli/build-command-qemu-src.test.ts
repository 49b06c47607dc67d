// tier: build
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { cachedQemuSource } from '../../orchestrator/builds/qemu-source.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { slotlab } from '../fixtures/cli.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { tempDir } from '../fixtures/temp-dir.js';

// A new user's first step with today's QEMU: Debian trixie's 10.0 tree (fetched by `npm test`'s
// setup for 10.0-stock) registered with --qemu-src, configured as that tree needs, built, and run.
t.test("trixie's QEMU 10.0 tree builds as a registered --qemu-src tree and survives pam-qmp", NEEDS_KVM, async (t) => {
  const source = cachedQemuSource('10.0');
  if (!source) return t.fail('npm test fetches the 10.0 source first (slotlab setup --tests builds 10.0-stock)');
  // A cache of its own: the registration, its build folder and bookworm-backports' meson go there, not into the user's.
  const cache = tempDir(t, 'slotlab-cache-');
  const env = { SLOTLAB_CACHE: cache, SLOTLAB_RUNS_DIR: tempDir(t, 'slotlab-runs-') };
  const built = await slotlab(['build', '--qemu-src', source.tree, '--name', 'my-qemu-10', '--family', 'paused-vcpu'], { env });
  t.equal(built.exitCode, 0, String(built.all).split('\n').slice(-30).join('\n'));
  t.match(built.stdout, /version: QEMU emulator version 10\.0\.\d+/);
  t.match(built.stdout, /configure: configure --target-list=x86_64-softmmu .*--disable-download --disable-install-blobs --disable-rust \(meson: bookworm-backports 1\.\d+\.\d+\)/);
  t.notMatch(built.stdout, /--with-git-submodules/, "a flag 10.0's configure does not know is left out");
  t.match(built.stderr, /configure does not know --with-git-submodules=ignore: configured without/);
  t.ok(fs.existsSync(path.join(cache, 'meson-bpo')), "bookworm-backports' meson fetched into slotlab's cache");

  const run = await slotlab(['run', 'pam-qmp', '--build', 'my-qemu-10', '--repetitions', '1', '--mutations', '1000', '--json'], { env });
  t.equal(run.exitCode, 0, String(run.stderr));
  const [record] = String(run.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  t.match(record, { outcome: 'survived', mutationsApplied: 1000, expected: 'safe', build: { kind: 'user-source', family: 'paused-vcpu' } });
});
