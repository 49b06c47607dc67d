// tier: host
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { SPIN, decodeMailbox } from '../../orchestrator/images/spin-contract.js';
import { QemuMachine } from '../../orchestrator/machine/machine.js';
import { awaitIncoming, incomingFrom, saveGuestState } from '../../orchestrator/machine/saved-state.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';
import { launchSpinMachine } from '../fixtures/spin-machine.js';
import { tempDir } from '../fixtures/temp-dir.js';

const counters = async (machine: QemuMachine) => decodeMailbox(await machine.readGuestMemory(SPIN.mailboxAddress, SPIN.mailboxSize));

for (const build of ['debian-7.2', 'debian-bpo-10.0']) {
  t.test(`${build}: a spinning guest's state is saved, and a new QEMU started from it spins on`, NEEDS_KVM, async (t) => {
    const dir = tempDir(t, "slotlab-state-it's-"); // a quote in the path: the exec: URI quotes it
    const file = path.join(dir, 'spin.state');
    const booted = await launchSpinMachine(t, build, 2);
    await booted.cont();
    await booted.waitSerial(SPIN.bannerPattern, 60_000, 'the spin banner');
    const saved = await saveGuestState(booted, file, 10_000);
    t.equal(saved.bytes, fs.statSync(file).size);
    t.ok(saved.bytes > 100_000, `${saved.bytes} bytes: RAM pages and device state`);
    t.same(fs.readdirSync(dir), ['spin.state'], 'no partial file left');
    t.equal((await booted.queryStatus()).status, 'running', 'the saved guest runs on');
    const before = await counters(booted);
    await new Promise((resolve) => setTimeout(resolve, 100));
    t.ok((await counters(booted)).counters.every((value, index) => value > before.counters[index]!), 'and its vCPUs advance');
    await booted.shutdown();

    const restored = new QemuMachine({ ...booted.config, incoming: incomingFrom(file) });
    t.teardown(() => restored.shutdown());
    await restored.launch();
    t.match(restored.argv.join(' '), /-incoming exec:cat '.*it'\\''s-.*spin\.state'$/);
    await awaitIncoming(restored, 10_000);
    t.equal((await restored.queryStatus()).status, 'paused', 'loaded, waiting for cont');
    t.equal(restored.serialText(), '', 'nothing booted: the new serial log is empty');
    await restored.cont();
    const first = await counters(restored);
    t.ok(first.ready, 'the mailbox says every vCPU runs');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await counters(restored);
    t.ok(second.counters.every((value, index) => value > first.counters[index]!), `every vCPU advances: ${first.counters} -> ${second.counters}`);
  });
}

t.test('a state QEMU cannot load ends the incoming machine, and the wait says so', NEEDS_KVM, async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'broken.state');
  fs.writeFileSync(file, Buffer.from('QEVM garbage'));
  const probe = await launchSpinMachine(t, 'debian-bpo-10.0', 2);
  const config = probe.config;
  await probe.shutdown();
  const restored = new QemuMachine({ ...config, incoming: incomingFrom(file) });
  t.teardown(() => restored.shutdown());
  await restored.launch().catch(() => undefined);
  await t.rejects(awaitIncoming(restored, 10_000));
  await restored.waitExit();
  t.ok(restored.exited, 'QEMU exits on a stream it cannot load');
  t.match(restored.output.text(), /load of migration failed|not a migration stream|Unknown savevm/i);
});
