import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { S_IFCHR, S_IFDIR, S_IFREG, readNewc } from '../../orchestrator/images/cpio.js';
import {
  LINUX_GUEST,
  buildLinuxGuestInitramfs,
  consoleExcerpt,
  crashReport,
  lastProgress,
  requireLinuxGuestInitramfs,
} from '../../orchestrator/images/linux-guest-image.js';
import { imagesDir } from '../../orchestrator/paths.js';

t.test("the Linux guest's initramfs holds init, a static busybox, /hot and the console device", async (t) => {
  const built = await buildLinuxGuestInitramfs();
  t.equal((await buildLinuxGuestInitramfs()).cached, true, 'the second build is a cache hit');
  t.equal(requireLinuxGuestInitramfs(), built.path);
  const entries = new Map(readNewc(fs.readFileSync(built.path)).map((entry) => [entry.name, entry]));
  t.equal(entries.get('init')!.data!.toString(), fs.readFileSync(path.join(imagesDir, 'linux', 'init'), 'utf8'));
  t.equal(entries.get('init')!.mode, S_IFREG | 0o755);
  t.equal(entries.get('hot')!.mode, S_IFDIR | 0o755, 'the tmpfs mount point of the workload');
  t.equal(entries.get('dev/console')!.mode & S_IFCHR, S_IFCHR);
  t.same(entries.get('bin/busybox')!.data, fs.readFileSync('/bin/busybox'));
});

t.test('init and the orchestrator agree on the protocol lines', async (t) => {
  const init = fs.readFileSync(path.join(imagesDir, 'linux', 'init'), 'utf8');
  t.match(init, /say "up \$\(uname -r\) cpus \$cpus node \$node"/);
  t.match(init, /say "ready \$cpus workers executing from node \$node:\$placement"/);
  t.match(init, /say "progress\$line"/);
  t.match('slotlab-guest: up 6.1.0-50-amd64 cpus 2 node 1', LINUX_GUEST.upPattern);
  t.match('slotlab-guest: ready 2 workers executing from node 1: N1=3 N1=319', LINUX_GUEST.readyPattern);
  t.equal(LINUX_GUEST.errorPattern.exec('slotlab-guest: error: insmod virtio_mem failed\n')![1], 'insmod virtio_mem failed');
});

t.test('progress is the last complete progress line, one counter per vCPU', async (t) => {
  t.equal(lastProgress('slotlab-guest: up 6.1 cpus 2 node 1\n'), undefined, 'none before the first');
  const serial = 'slotlab-guest: progress 0 0\n[  3.1] a kernel line\nslotlab-guest: progress 256 512\nslotlab-guest: progress 768 1024\nslotlab-guest: progr';
  t.same(lastProgress(serial), [768n, 1024n]);
  t.same(lastProgress('slotlab-guest: progress 18446744073709551615\n'), [18446744073709551615n], '64-bit counters');
});

t.test("a crashed guest's panic and oops lines are its report; progress lines stay out of the excerpt", async (t) => {
  t.equal(crashReport('slotlab-guest: progress 1 2\n'), undefined);
  const serial = [
    'slotlab-guest: ready 2 workers executing from node 1: N1=5',
    'slotlab-guest: progress 256 256',
    '[   31.371816] BUG: unable to handle page fault for address: ffffffff811697f5',
    '[   31.372001] #PF: supervisor instruction fetch in kernel mode',
    '[   31.372533] Oops: 0010 [#1] PREEMPT SMP NOPTI',
    '[   31.373001] RIP: 0010:update_vsyscall+0x5/0x240',
    '[   31.380000] Kernel panic - not syncing: Fatal exception in interrupt',
  ].join('\n');
  t.equal(
    crashReport(serial),
    'BUG: unable to handle page fault for address: ffffffff811697f5 | Oops: 0010 [#1] PREEMPT SMP NOPTI | RIP: 0010:update_vsyscall+0x5/0x240 | Kernel panic - not syncing: Fatal exception in interrupt',
  );
  const excerpt = consoleExcerpt(serial, 3);
  t.notMatch(excerpt, /progress/);
  t.equal(excerpt.split('\n').length, 3);
  t.match(excerpt, /Kernel panic/);
});
