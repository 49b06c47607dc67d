// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { S_IFCHR, S_IFDIR, S_IFREG, readNewc } from '../../orchestrator/images/cpio.js';
import {
  LINUX_GUEST,
  buildLinuxGuestInitramfs,
  consoleExcerpt,
  crashReport,
  hangReport,
  oopsReport,
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
  t.equal(LINUX_GUEST.readyPattern.exec('slotlab-guest: ready 2 workers executing from node 1: N1=3 N1=319\r\n')![1], '2 workers executing from node 1: N1=3 N1=319');
  t.equal(LINUX_GUEST.readyPattern.exec('slotlab-guest: ready 2 workers executing from node 1: N1=3 N1=3'), null, 'not before the line is complete');
  t.equal(LINUX_GUEST.errorPattern.exec('slotlab-guest: error: insmod virtio_mem failed\n')![1], 'insmod virtio_mem failed');
});

t.test('progress is the last complete progress line, one counter per vCPU', async (t) => {
  t.equal(lastProgress('slotlab-guest: up 6.1 cpus 2 node 1\n'), undefined, 'none before the first');
  const serial = 'slotlab-guest: progress 0 0\n[  3.1] a kernel line\nslotlab-guest: progress 256 512\nslotlab-guest: progress 768 1024\nslotlab-guest: progr';
  t.same(lastProgress(serial), [768n, 1024n]);
  t.same(lastProgress('slotlab-guest: progress 768 1024\r\nslotlab-guest: progress 1280 1'), [768n, 1024n], 'a line still being printed is not read: its last counter may be cut');
  t.same(lastProgress('slotlab-guest: progress 18446744073709551615\r\n'), [18446744073709551615n], '64-bit counters');
});

t.test("a crashed guest's panic and oops lines are its report; the excerpt keeps the protocol lines but progress", async (t) => {
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
  const excerpt = consoleExcerpt(serial, 3).split('\n');
  t.notMatch(excerpt.join('\n'), /progress/);
  t.same(excerpt, [
    'slotlab-guest: ready 2 workers executing from node 1: N1=5',
    '[   31.372533] Oops: 0010 [#1] PREEMPT SMP NOPTI',
    '[   31.373001] RIP: 0010:update_vsyscall+0x5/0x240',
    '[   31.380000] Kernel panic - not syncing: Fatal exception in interrupt',
  ], 'how far the guest got, then the last 3 other lines');
});

t.test("a kernel's stall report is a hang; the report keeps it", async (t) => {
  const serial = [
    'slotlab-guest: progress 10240 12288',
    '[  101.546276] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
    "[  101.546276] rcu: rcu_preempt kthread timer wakeup didn't happen for 15754 jiffies! g113 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402",
  ].join('\n');
  t.equal(hangReport(serial), 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:');
  t.match(crashReport(serial), /detected stalls on CPUs/);
  t.equal(hangReport('[    5.1] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:93]\n'), 'watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [sh:93]');
  t.equal(hangReport('[    9.9] INFO: task kworker/0:1:31 blocked for more than 120 seconds.\n'), 'INFO: task kworker/0:1:31 blocked for more than 120 seconds.');
  t.equal(hangReport('slotlab-guest: progress 1 2\n[ 1.0] rcu: Hierarchical RCU implementation.\n'), undefined, "RCU's boot messages are no hang");
});

t.test('an oops after the workers started is a damaged guest; one before, or none, is not', async (t) => {
  const oops = 'slotlab-guest: ready 2 workers\nslotlab-guest: progress 1 2\n[   11.4] BUG: unable to handle page fault for address: ffffffff8161e587\n[   11.4] Oops: 0010 [#1] PREEMPT SMP NOPTI\nslotlab-guest: progress 3 4\n';
  t.equal(oopsReport(oops), 'the guest kernel faulted: BUG: unable to handle page fault for address: ffffffff8161e587');
  t.equal(oopsReport('[ 0.5] BUG: unable to handle page fault for address: 0\nslotlab-guest: progress 1 2\n'), undefined, 'during boot: not the mutations');
  t.equal(oopsReport('slotlab-guest: progress 1 2\n[ 9.1] kvm: Unhandled WRMSR(0xc0010007)\n'), undefined);
  t.equal(oopsReport(''), undefined);
});
