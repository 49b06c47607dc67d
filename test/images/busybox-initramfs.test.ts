// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BUSYBOX, buildBusyboxInitramfs, cachedOutput } from '../../orchestrator/images/busybox-initramfs.js';
import { S_IFDIR, S_IFREG, readNewc } from '../../orchestrator/images/cpio.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('an output is made once per key and made again when the key changes', async (t) => {
  const output = path.join(tempDir(t, 'slotlab-cached-'), 'out', 'file');
  let made = 0;
  const make = async (temporary: string) => {
    made += 1;
    fs.writeFileSync(temporary, `made ${made}`);
  };
  t.equal(await cachedOutput(output, 'a', make), false);
  t.equal(await cachedOutput(output, 'a', make), true);
  t.equal(fs.readFileSync(output, 'utf8'), 'made 1');
  t.equal(await cachedOutput(output, 'b', make), false);
  t.equal(fs.readFileSync(output, 'utf8'), 'made 2');
});

t.test('a failed make leaves no output behind', async (t) => {
  const output = path.join(tempDir(t, 'slotlab-cached-'), 'file');
  const failing = async (temporary: string) => {
    fs.writeFileSync(temporary, 'half');
    throw new Error('compiler missing');
  };
  await t.rejects(cachedOutput(output, 'a', failing), /compiler missing/);
  t.same(fs.readdirSync(path.dirname(output)), [], 'neither the output nor its half-made temporary');
  t.equal(await cachedOutput(output, 'a', async (temporary) => fs.writeFileSync(temporary, 'ok')), false, 'the next try builds');
});

t.test('the archive holds init, busybox, the folders and binaries asked for; a changed binary rebuilds it', async (t) => {
  const output = path.join(tempDir(t, 'slotlab-initramfs-'), 'initramfs.cpio');
  const spec = { output, init: Buffer.from('#!/bin/busybox sh\n'), folders: ['mnt'], binaries: [{ name: 'tool', data: Buffer.from('v1') }] };
  t.equal((await buildBusyboxInitramfs(spec)).cached, false);
  t.equal((await buildBusyboxInitramfs(spec)).cached, true);
  const entries = new Map(readNewc(fs.readFileSync(output)).map((entry) => [entry.name, entry]));
  t.same([...entries.keys()].sort(), ['bin', 'bin/busybox', 'bin/tool', 'dev', 'dev/console', 'init', 'mnt', 'proc', 'sys', 'tmp']);
  t.equal(entries.get('mnt')!.mode, S_IFDIR | 0o755);
  t.equal(entries.get('bin/tool')!.mode, S_IFREG | 0o755);
  t.same(entries.get('bin/busybox')!.data, fs.readFileSync(BUSYBOX));
  t.equal((await buildBusyboxInitramfs({ ...spec, binaries: [{ name: 'tool', data: Buffer.from('v2') }] })).cached, false);
});
