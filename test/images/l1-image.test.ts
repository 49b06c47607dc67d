// tier: host
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { S_IFCHR, S_IFREG, readNewc } from '../../orchestrator/images/cpio.js';
import { buildKvmProbe, buildL1Initramfs } from '../../orchestrator/images/l1-image.js';
import { imagesDir } from '../../orchestrator/paths.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('the L1 initramfs holds init, a static busybox, kvm-probe and the console device', async (t) => {
  const built = await buildL1Initramfs();
  t.equal((await buildL1Initramfs()).cached, true, 'the second build is a cache hit');
  const entries = new Map(readNewc(fs.readFileSync(built.path)).map((entry) => [entry.name, entry]));
  t.equal(entries.get('init')!.data!.toString(), fs.readFileSync(path.join(imagesDir, 'l1', 'init'), 'utf8'));
  t.equal(entries.get('init')!.mode, S_IFREG | 0o755);
  t.equal(entries.get('dev/console')!.mode & S_IFCHR, S_IFCHR);
  t.same(entries.get('dev/console')!.rdev, { major: 5, minor: 1 });
  t.ok(entries.get('bin/busybox')!.data!.length > 500_000, 'busybox');
  t.same(entries.get('bin/kvm-probe')!.data, fs.readFileSync((await buildKvmProbe()).path));
  const ldd = spawnSync('ldd', [(await buildKvmProbe()).path], { encoding: 'utf8' });
  t.match(ldd.stdout + ldd.stderr, /not a dynamic executable/, 'kvm-probe is static');
});

t.test("kvm-probe reports this host's KVM capabilities: no list ioctl here", NEEDS_KVM, async (t) => {
  const probe = (await buildKvmProbe()).path;
  const caps = JSON.parse(execFileSync(probe, ['caps'], { encoding: 'utf8' })) as Record<string, number>;
  t.equal(caps.API_VERSION, 12);
  t.equal(caps.USER_MEMORY_REGION_LIST, 0);
  t.ok(caps.NR_MEMSLOTS! > 32);
  const list = spawnSync(probe, ['list-test', '10'], { encoding: 'utf8' });
  t.equal(list.status, 2, 'cannot test the list ioctl on a kernel without it');
  t.match(list.stdout, /"error":"this kernel has no KVM_SET_USER_MEMORY_REGION_LIST"/);
  t.equal(caps.USER_MEMORY_REGION2_LIST, 0);
  const list2 = spawnSync(probe, ['list2-test', '10'], { encoding: 'utf8' });
  t.equal(list2.status, 2, 'nor the region2 list');
  t.match(list2.stdout, /"error":"this kernel has no KVM_SET_USER_MEMORY_REGION2_LIST"/);
  t.equal(caps.X86_MMIO_FETCH_EXIT, 0, 'nor the fetch exit');
});

t.test("a fetch from a deleted slot stops the vCPU with an internal error: today's ABI", NEEDS_KVM, async (t) => {
  const result = spawnSync((await buildKvmProbe()).path, ['fetch-test'], { encoding: 'utf8' });
  t.equal(result.status, 0, result.stdout);
  const fetch = JSON.parse(result.stdout) as { capability: number; first: Record<string, unknown>; again?: unknown; counter: number };
  t.equal(fetch.capability, 0);
  t.equal(fetch.first.exit, 'internal-error');
  t.equal(fetch.first.suberror, 1, 'KVM_INTERNAL_ERROR_EMULATION');
  t.equal(fetch.first.rip, 0x1000, 'at the first instruction of the deleted slot');
  t.equal(fetch.again, undefined, 'not run again after an internal error');
  t.equal(fetch.counter, 0, 'the vCPU executed nothing');
});

t.test('two single ioctls lose a vCPU that runs from the replaced slot (the race, straight from KVM)', NEEDS_KVM, async (t) => {
  const result = spawnSync((await buildKvmProbe()).path, ['single-test', '20000'], { encoding: 'utf8' });
  const swap = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.test === 'single');
  t.ok(swap, result.stdout);
  t.equal(swap!.lost, true, 'the vCPU fetched from the range between delete and create');
  // A fetch from the missing range fails emulation; a data access there exits as MMIO: both are the loss.
  t.ok(['internal-error', 'mmio'].includes(String(swap!.exit)), `exit ${String(swap!.exit)}`);
  if (swap!.exit === 'internal-error') t.equal(swap!.suberror, 1, 'KVM_INTERNAL_ERROR_EMULATION');
  t.equal(result.status, 1);
});
