// tier: unit
import type { SpinGuest, Suite } from '../../orchestrator/suites/suite-schema.js';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { UNLIMITED_MUTATIONS, suiteSchema } from '../../orchestrator/suites/suite-schema.js';
import { SuiteError, listSuites, loadSuite, parseSuite, suiteFile } from '../../orchestrator/suites/load-suite.js';

/** The suite's spin guest (the catalogue's spin suites). */
function spinOf(suite: Suite): SpinGuest {
  if (suite.guest.image !== 'spin') throw new Error(`${suite.name} has no spin guest`);
  return suite.guest;
}

const valid = fs.readFileSync('suites/pam-qmp.yaml', 'utf8');

t.test('pam-qmp is what the suite promises', async (t) => {
  const { suite, sha256 } = loadSuite('pam-qmp');
  t.equal(suite.machine.type, 'pc');
  t.equal(suite.machine.cpus, 3);
  t.equal(spinOf(suite).codeAddress, 0x100000);
  t.same(suite.mutator, { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 100 });
  t.same(suite.stop, { mutations: 5000, durationSeconds: 30 });
  t.equal(suite.repetitions, 3);
  t.same(suite.expect, { stock: 'race', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe', 'mmio-aware': 'safe' });
  t.equal(suite.safeBelow, 0.001);
  t.match(sha256, /^[0-9a-f]{64}$/);
  t.ok(listSuites().includes('pam-qmp'));
});

t.test('control-idle mutates nothing and is limited by duration alone', async (t) => {
  const { suite } = loadSuite('control-idle');
  t.same(suite.mutator, { kind: 'none', checkEverySeconds: 0.1 });
  t.equal(suite.stop.mutations, UNLIMITED_MUTATIONS, 'no mutation count: the default');
  t.same(suite.expect, { stock: 'safe', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe', 'mmio-aware': 'safe' });
  t.same(listSuites(), ['control-idle', 'dimm-hotplug', 'dirty-log', 'firmware-boot', 'linux-hotplug', 'pam-bystander', 'pam-guest', 'pam-paged', 'pam-qmp', 'pam-shadow-exec', 'smram-q35', 'virtio-mem-resize', 'weeds']);
});

t.test('firmware-boot: the firmware alone, with cpu-pm=on, one boot per iteration; stock measured, not expected', async (t) => {
  const { suite } = loadSuite('firmware-boot');
  t.match(suite.machine, { type: 'pc', cpuPm: true, devices: ['VGA'] });
  t.same(suite.guest, { image: 'firmware', bootEnd: 'No bootable device', bootTimeoutSeconds: 60 });
  t.same(suite.mutator, { kind: 'boot', checkEverySeconds: 0.05 });
  t.equal(suite.start, 'boot');
  t.equal(suite.expect.stock, undefined);
  t.same(suite.expect, { 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe', 'mmio-aware': 'safe' });
});

t.test('a firmware guest and the boot mutator go together, and only together', async (t) => {
  const base = { name: 'x', description: 'x', machine: { type: 'pc', cpus: 1, memoryMiB: 64 }, stop: { durationSeconds: 5 }, repetitions: 1 };
  const spinBoot = suiteSchema.safeParse({ ...base, guest: { image: 'spin' }, mutator: { kind: 'boot' } });
  t.notOk(spinBoot.success);
  t.match(JSON.stringify(spinBoot.error?.issues), /guest.image firmware goes with mutator.kind boot/);
  const firmwareIdle = suiteSchema.safeParse({ ...base, guest: { image: 'firmware' }, mutator: { kind: 'none' } });
  t.notOk(firmwareIdle.success);
  t.match(firmwareIdle.error?.issues[0]?.path, ['mutator', 'kind']);
  t.ok(suiteSchema.safeParse({ ...base, guest: { image: 'firmware' }, mutator: { kind: 'boot' } }).success);
});

t.test('pam-guest: the guest mutates, two values', async (t) => {
  const { suite } = loadSuite('pam-guest');
  t.same(suite.mutator, { kind: 'pam-guest', register: 0x59, values: [0x10, 0x30], checkEverySeconds: 0.1 });
  t.equal(suite.stop.mutations, 20000);
  const text = fs.readFileSync('suites/pam-guest.yaml', 'utf8').replace('values: [0x10, 0x30]', 'values: [0x10, 0x30, 0x00]');
  t.throws(() => parseSuite(text, '/x/pam-guest.yaml'), { message: /field mutator\.values/ });
});

t.test('a suite is found by stem or by path', async (t) => {
  t.match(suiteFile('pam-qmp'), /suites\/pam-qmp\.yaml$/);
  t.equal(suiteFile('./x/y.yaml'), path.resolve('x/y.yaml'));
});

t.test('the Linux guest suites load with what their headers promise', async (t) => {
  const hotplug = loadSuite('linux-hotplug').suite;
  t.same(hotplug.guest, { image: 'linux', kernel: 'debian-6.1', execNode: 1, bootTimeoutSeconds: 120 });
  t.same(hotplug.machine.dimms, [{ id: 'exec', sizeMiB: 128, node: 1, plug: 'after-boot' }]);
  t.match(hotplug.mutator, { kind: 'mixed', mutators: [{ kind: 'pam-toggle', register: 0x59 }, { kind: 'dimm-churn', node: 0, eject: 'guest' }] });
  t.same(hotplug.expect, { stock: 'race', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe', 'mmio-aware': 'safe' });
  const resize = loadSuite('virtio-mem-resize').suite;
  t.same(resize.machine.virtioMem, [{ id: 'vmem0', sizeMiB: 2048, requestedMiB: 256, node: 1, dynamicMemslots: 'auto' }]);
  t.same(resize.mutator, { kind: 'virtio-mem-resize', device: 'vmem0', sizesMiB: [1280, 256], waitPlugged: true, plugTimeoutSeconds: 20, batch: 1 });
  t.same(resize.expect, { stock: 'safe', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe', 'mmio-exit': 'safe', 'mmio-aware': 'safe' });
});

t.test('the catalogue suites load with what their headers promise', async (t) => {
  const shadow = loadSuite('pam-shadow-exec').suite;
  t.same(spinOf(shadow).setupWrites, [{ register: 0x5e, value: 0x33 }]);
  t.equal(spinOf(shadow).codeAddress, 0xe0000);
  t.same(shadow.mutator, { kind: 'pam-toggle', register: 0x5e, values: [0x13, 0x33], batch: 100 });
  const smram = loadSuite('smram-q35').suite;
  t.equal(smram.machine.type, 'q35');
  t.same(smram.mutator, { kind: 'config-toggle', register: 0x9d, values: [0x02, 0x42], batch: 100 });
  const dimm = loadSuite('dimm-hotplug').suite;
  t.same(dimm.machine.dimms, [{ id: 'exec', sizeMiB: 128, address: 0x100000000, plug: 'start' }]);
  t.equal(spinOf(dimm).codeAddress, 0x100001000);
  t.same(dimm.mutator, { kind: 'dimm-churn', dimms: 2, sizeMiB: 128, eject: 'orchestrator', batch: 4 });
  t.match(loadSuite('dirty-log').suite.mutator, { kind: 'dirty-log', uri: 'exec:cat > /dev/null', maxBandwidth: 65536 });
  const weeds = loadSuite('weeds').suite;
  t.same(weeds.mutator, { kind: 'weeds', vcpu: 1, address: 0xc000_0000, checkEverySeconds: 0.1 });
  t.same(weeds.expect, { stock: 'stopped', 'paused-vcpu': 'stopped', 'atomic-ioctl': 'stopped', 'mmio-exit': 'livelock', 'mmio-aware': 'stopped' });
  t.same([weeds.stop.mutations, weeds.machine.memoryMiB], [1, 256], 'one NMI; 0xc0000000 lies in the PCI hole of 256 MiB');
  const paged = loadSuite('pam-paged').suite;
  t.equal(spinOf(paged).pageTables, 0x200000, 'page tables above 1 MiB: inside the slot each flip re-creates');
  t.same(paged.mutator, loadSuite('pam-qmp').suite.mutator, 'the same flips as pam-qmp');
  t.equal(spinOf(loadSuite('pam-qmp').suite).pageTables, undefined, 'pam-qmp runs without paging');
  for (const name of listSuites()) {
    const text = fs.readFileSync(`suites/${name}.yaml`, 'utf8');
    t.match(text, /^# [\s\S]*\n# Why it (does not )?delete/m, `${name} says why it does or does not delete a memslot`);
  }
});

const shadowText = fs.readFileSync('suites/pam-shadow-exec.yaml', 'utf8');
const dimmText = fs.readFileSync('suites/dimm-hotplug.yaml', 'utf8');
const smramText = fs.readFileSync('suites/smram-q35.yaml', 'utf8');
const dirtyText = fs.readFileSync('suites/dirty-log.yaml', 'utf8');
const linuxText = fs.readFileSync('suites/linux-hotplug.yaml', 'utf8');
const virtioText = fs.readFileSync('suites/virtio-mem-resize.yaml', 'utf8');
const weedsText = fs.readFileSync('suites/weeds.yaml', 'utf8');
const pagedText = fs.readFileSync('suites/pam-paged.yaml', 'utf8');
const catalogueBroken: [string, string, RegExp][] = [
  ['page tables off a 4 KiB boundary', pagedText.replace('pageTables: 0x200000', 'pageTables: 0x200800'), /field guest\.pageTables/],
  ['page tables beyond the RAM', pagedText.replace('pageTables: 0x200000', 'pageTables: 0x10000000'), /field guest\.pageTables: the page tables \(24 KiB\) must lie in RAM below 256 MiB/],
  ['a weeds guest with page tables', weedsText.replace('codeAddress: 0x100000', 'codeAddress: 0x100000\n  pageTables: 0x200000'), /field guest\.pageTables: the weeds jump runs without paging/],
  ['a weeds vCPU the machine lacks', weedsText.replace('  vcpu: 1', '  vcpu: 3'), /field mutator\.vcpu: vCPU 3 does not exist: machine\.cpus is 3/],
  ['weeds with code above 4 GiB', weedsText.replace('codeAddress: 0x100000', 'codeAddress: 0x100001000'), /field guest\.codeAddress: the weeds jump runs without paging/],
  ['an expectation that is neither race, safe, stopped nor livelock', weedsText.replace('mmio-exit: livelock', 'mmio-exit: hangs'), /field expect\.mmio-exit/],
  ['a linux guest kernel that is not a packaged one', linuxText.replace('kernel: debian-6.1', 'kernel: 6.1-stock'), /field guest\.kernel/],
  ['a linux guest with a spin field', linuxText.replace('  execNode: 1\n', '  execNode: 1\n  codeAddress: 0x100000\n'), /field guest: .*codeAddress/],
  ['a linux guest on one NUMA node', linuxText.replace('  numaNodes: 2\n', ''), /field machine\.numaNodes: a linux guest executes from memory hot-plugged on node guest\.execNode \(1\): give at least 2 nodes/],
  ['an exec node that does not exist', linuxText.replace('execNode: 1', 'execNode: 3'), /field guest\.execNode: node 3 does not exist: machine\.numaNodes is 2/],
  ['a DIMM on a missing node', linuxText.replace('node: 1, plug: after-boot', 'node: 2, plug: after-boot'), /field machine\.dimms\[0\]\.node: node 2 does not exist/],
  ['a DIMM plugged at an unknown time', linuxText.replace('plug: after-boot', 'plug: later'), /field machine\.dimms\[0\]\.plug/],
  ['a churn DIMM on a missing node inside mixed', linuxText.replace('node: 0, eject: guest', 'node: 5, eject: guest'), /field mutator\.mutators\[1\]\.node: node 5 does not exist/],
  ['an unknown eject', linuxText.replace('eject: guest', 'eject: acpi'), /field mutator\.mutators\[1\]\.eject/],
  ['a mixed mutator of one', linuxText.replace(/    - \{ kind: dimm-churn[^\n]*\n/, ''), /field mutator\.mutators: .*2/],
  ['an in-guest mutator inside mixed', linuxText.replace('kind: pam-toggle, register: 0x59, values: [0x10, 0x30]', 'kind: pam-guest'), /field mutator\.mutators\[0\]\.kind/],
  ['too few slots for the churn inside mixed', linuxText.replace('memorySlots: 4', 'memorySlots: 2'), /field machine\.memorySlots: 2 slots cannot hold 3 DIMMs/],
  ['a pam-guest mutator with a linux guest', linuxText.replace(/mutator:\n[\s\S]*?\nstop:/, 'mutator:\n  kind: pam-guest\nstop:'), /field mutator\.kind: pam-guest is the spin guest's in-guest mutator/],
  ['a resize of a device that is not there', virtioText.replace('device: vmem0', 'device: vmem1'), /field mutator\.device: no virtio-mem device 'vmem1' in machine\.virtioMem \(there: vmem0\)/],
  ['a resize beyond the device', virtioText.replace('sizesMiB: [1280, 256]', 'sizesMiB: [4096, 256]'), /field mutator\.sizesMiB\[0\]: 4096 must be a multiple of 2 MiB and at most the device's 2048 MiB/],
  ['a resize off the block size', virtioText.replace('sizesMiB: [1280, 256]', 'sizesMiB: [1281, 256]'), /field mutator\.sizesMiB\[0\]/],
  ['a request above the device size', virtioText.replace('requestedMiB: 256', 'requestedMiB: 4096'), /field machine\.virtioMem\[0\]\.requestedMiB: 4096 is more than the device's sizeMiB 2048/],
  ['a device size off its block size', virtioText.replace('sizeMiB: 2048,', 'sizeMiB: 2048, blockSizeMiB: 6,'), /field machine\.virtioMem\[0\]: sizeMiB and requestedMiB must be multiples of the block size \(6 MiB\)/],
  ['virtio-mem without memory slots', virtioText.replace('  memorySlots: 1\n', ''), /field machine\.memorySlots: needed with machine\.virtioMem/],
  ['maxmem too small for virtio-mem', virtioText.replace('maxMemoryMiB: 2560', 'maxMemoryMiB: 1024'), /field machine\.maxMemoryMiB: must be at least 2304/],
  ['an unknown dynamic-memslots setting', virtioText.replace('node: 1, dynamicMemslots: auto', 'node: 1, dynamicMemslots: yes'), /field machine\.virtioMem\[0\]\.dynamicMemslots/],
  ['a setup write to register 0', shadowText.replace('register: 0x5e, value: 0x33', 'register: 0, value: 0x33'), /field guest\.setupWrites\[0\]\.register/],
  ['a setup write value above a byte', shadowText.replace('register: 0x5e, value: 0x33', 'register: 0x5e, value: 0x133'), /field guest\.setupWrites\[0\]\.value/],
  ['nine setup writes', shadowText.replace(/    - \{ register: 0x5e, value: 0x33 \}\n/, '    - { register: 0x5e, value: 0x33 }\n'.repeat(9)), /field guest\.setupWrites: .*8/],
  ['a code address beyond 1 TiB', shadowText.replace('codeAddress: 0xE0000', 'codeAddress: 0x20000000000'), /field guest\.codeAddress/],
  ['a config-toggle register in the header', smramText.replace('register: 0x9d', 'register: 0x10'), /field mutator\.register/],
  ['a config-toggle with one value', smramText.replace('values: [0x02, 0x42]', 'values: [0x02]'), /field mutator\.values/],
  ['a q35 machine that is not a machine', smramText.replace('type: q35', 'type: isapc'), /field machine\.type/],
  ['a DIMM with a bad id', dimmText.replace('id: exec', 'id: Exec_1'), /field machine\.dimms\[0\]\.id/],
  ['DIMMs without memory slots', dimmText.replace('  memorySlots: 4\n', ''), /field machine\.memorySlots: needed: 3 DIMM/],
  ['more DIMMs than slots', dimmText.replace('memorySlots: 4', 'memorySlots: 2'), /field machine\.memorySlots: 2 slots cannot hold 3 DIMMs/],
  ['maxmem too small for the DIMMs', dimmText.replace('maxMemoryMiB: 1024', 'maxMemoryMiB: 256'), /field machine\.maxMemoryMiB: must be at least 512/],
  ['a churn of nine DIMMs', dimmText.replace('  dimms: 2\n', '  dimms: 9\n'), /field mutator\.dimms/],
  ['a negative hold time', dirtyText.replace('holdMs: 20', 'holdMs: -1'), /field mutator\.holdMs/],
  ['a dirty-log with a register', dirtyText.replace('holdMs: 20', 'holdMs: 20\n  register: 0x59'), /field mutator: .*register/],
];
for (const [what, text, message] of catalogueBroken) {
  t.test(`catalogue: ${what} is refused with the field`, async (t) => {
    t.throws(() => parseSuite(text, '/x/broken.yaml'), SuiteError);
    t.throws(() => parseSuite(text, '/x/broken.yaml'), { code: 'BAD_SUITE', message });
  });
}

const broken: [string, string, RegExp][] = [
  ['a wrong type', valid.replace('cpus: 3', 'cpus: three'), /field machine\.cpus: .*number/],
  ['an unknown field', valid.replace('repetitions: 3', 'repetitions: 3\nrepetitons: 4'), /\(top level\).*repetitons/],
  ['a missing field', valid.replace(/  durationSeconds: 30\n/, ''), /field stop\.durationSeconds/],
  ['a bad list element', valid.replace('values: [0x10, 0x30]', 'values: [0x10, 300]'), /field mutator\.values\[1\]/],
  ['an unknown mutator', valid.replace('kind: pam-toggle', 'kind: pam-flip'), /field mutator\.kind/],
  ['a field of another mutator', valid.replace('kind: pam-toggle', 'kind: none'), /field mutator: .*register/],
  ['broken YAML', 'machine: [', /not valid YAML/],
  ['an unknown build family', valid.replace('  stock: race', '  stok: race'), /field expect/],
  ['an unknown expectation', valid.replace('  stock: race', '  stock: racy'), /field expect\.stock/],
];
for (const [what, text, message] of broken) {
  t.test(`${what} is one error naming the file and field`, async (t) => {
    const error = (() => {
      try {
        parseSuite(text, '/x/broken.yaml');
      } catch (caught) {
        return caught;
      }
    })() as SuiteError;
    t.type(error, SuiteError);
    t.equal(error.code, 'BAD_SUITE');
    t.match(error.message, /^\/x\/broken\.yaml: /);
    t.match(error.message, message);
  });
}

t.test('a missing file lists the suites there are', async (t) => {
  t.throws(() => loadSuite('nope'), { code: 'BAD_SUITE', message: /no such suite file; name one of .*pam-qmp/ });
});

t.test('a suite in suites/ must be named like its file', async (t) => {
  t.throws(() => parseSuite(valid.replace('name: pam-qmp', 'name: other'), path.resolve('suites/pam-qmp.yaml')), /must equal the file name 'pam-qmp'/);
  const dir = tempDir(t, 'slotlab-suite-');
  fs.writeFileSync(path.join(dir, 'mine.yaml'), valid);
  t.equal(loadSuite(path.join(dir, 'mine.yaml')).suite.name, 'pam-qmp', 'a suite elsewhere may keep its name');
});
