// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { MachineConfig } from '../../orchestrator/machine/machine-types.js';
import { GuestStates, guestStateKey } from '../../orchestrator/runner/guest-states.js';
import { tempDir } from '../fixtures/temp-dir.js';

const config: MachineConfig = {
  binary: '/usr/bin/qemu-system-x86_64',
  machineType: 'pc',
  accel: 'kvm',
  cpus: 3,
  memoryMiB: 256,
  kernel: '/images/spin.bin',
  fwCfg: [{ name: 'opt/slotlab/spin', data: Buffer.from([1, 2, 3]) }],
};
const binary = 'a'.repeat(64);
const image = 'b'.repeat(64);

t.test('the key changes with the binary, every machine argument, fw_cfg contents and the image, and with nothing else', async (t) => {
  const key = guestStateKey(config, binary, image);
  t.match(key, /^[0-9a-f]{24}$/);
  t.equal(guestStateKey(structuredClone(config), binary, image), key, 'same inputs, same key');
  t.equal(guestStateKey({ ...config, incoming: 'exec:cat /x' }, binary, image), key, 'how it is started is not an input');
  t.equal(guestStateKey({ ...config, kernel: '/elsewhere/spin.bin', initrd: '/tmp/run-1/initrd' }, binary, image), key, 'where the image files lie is not an input (their contents are)');
  const changed: [string, string][] = [
    ['binary', guestStateKey(config, 'c'.repeat(64), image)],
    ['image', guestStateKey(config, binary, 'd'.repeat(64))],
    ['cpus', guestStateKey({ ...config, cpus: 2 }, binary, image)],
    ['memory', guestStateKey({ ...config, memoryMiB: 512 }, binary, image)],
    ['machine type', guestStateKey({ ...config, machineType: 'q35' }, binary, image)],
    ['devices', guestStateKey({ ...config, extraArgs: ['-device', 'VGA'] }, binary, image)],
    ['fw_cfg contents', guestStateKey({ ...config, fwCfg: [{ name: 'opt/slotlab/spin', data: Buffer.from([1, 2, 4]) }] }, binary, image)],
    ['firmware folders', guestStateKey({ ...config, dataDirs: ['/other/seabios'] }, binary, image)],
    ['kernel command line', guestStateKey({ ...config, append: 'console=ttyS0' }, binary, image)],
  ];
  for (const [what, other] of changed) t.not(other, key, what);
  t.equal(new Set(changed.map(([, other]) => other)).size, changed.length);
});

t.test('a state is found once saved, dropped on demand, and states of an older binary go when a new one is saved', async (t) => {
  const states = new GuestStates(tempDir(t));
  t.equal(states.find('7.2-stock', 'k1'), undefined);
  const file = states.prepare('7.2-stock', 'k1', binary);
  t.equal(states.find('7.2-stock', 'k1'), undefined, 'prepared is not saved');
  fs.writeFileSync(file, 'state');
  t.equal(states.find('7.2-stock', 'k1'), file);
  fs.writeFileSync(states.prepare('7.2-stock', 'k2', binary), 'state');
  t.ok(states.find('7.2-stock', 'k1'), 'another suite of the same binary stays');
  fs.writeFileSync(states.prepare('7.2-stock', 'k3', 'e'.repeat(64)), 'state');
  t.equal(states.find('7.2-stock', 'k1'), undefined, 'rebuilt binary: the old states are gone');
  t.equal(states.find('7.2-stock', 'k2'), undefined);
  t.ok(states.find('7.2-stock', 'k3'));
  states.drop(states.find('7.2-stock', 'k3')!);
  t.equal(states.find('7.2-stock', 'k3'), undefined);
  t.equal(path.basename(path.dirname(states.file('bisect@0123/x', 'k'))), 'bisect@0123_x', 'a build name is one folder');
});

t.test('what a restore needs is kept beside the state, and goes with it', async (t) => {
  const states = new GuestStates(tempDir(t));
  const file = states.prepare('7.2-stock', 'k1', binary, { dimms: [{ id: 'exec', addr: 0x100000000 }] });
  fs.writeFileSync(file, 'state');
  t.same(states.details(file), { dimms: [{ id: 'exec', addr: 0x100000000 }] });
  const plain = states.prepare('7.2-stock', 'k2', binary);
  t.equal(states.details(plain), undefined, 'saved without details');
  fs.writeFileSync(file.replace(/\.state$/, '.json'), '{ torn');
  t.equal(states.details(file), undefined, 'unreadable details are none');
  states.drop(file);
  t.notOk(fs.existsSync(file.replace(/\.state$/, '.json')), 'dropping a state drops its details');
});
