// tier: unit
import t from 'tap';
import { buildQemuArgs, escapeOption, fwCfgPath } from '../../orchestrator/machine/qemu-args.js';

const paths = { dir: '/tmp/x', qmpSocket: '/tmp/x/qmp.sock', serialLog: '/tmp/x/serial.log', traceLog: '/tmp/x/trace.log' };

t.test('paused, private QMP socket, serial to a file, no defaults', async (t) => {
  const args = buildQemuArgs({ binary: 'q', machineType: 'pc', accel: 'kvm', cpus: 3, memoryMiB: 256 }, paths);
  t.equal(args[0], '-S');
  t.ok(args.includes('-nodefaults'));
  t.same(args.slice(args.indexOf('-machine'), args.indexOf('-machine') + 2), ['-machine', 'pc,accel=kvm']);
  t.same(args.slice(args.indexOf('-smp'), args.indexOf('-smp') + 2), ['-smp', '3']);
  t.ok(args.includes('socket,id=slotlab-qmp,path=/tmp/x/qmp.sock'));
  t.ok(args.includes('file,id=slotlab-serial,path=/tmp/x/serial.log'));
  t.notOk(args.some((arg) => arg.includes('server=on')), 'QEMU connects to slotlab, not the other way round');
});

t.test('options, data dirs, kernel, fw_cfg and extra args, each its own argv entry', async (t) => {
  const args = buildQemuArgs(
    {
      binary: 'q',
      machineType: 'q35',
      machineOptions: { smm: 'on' },
      accel: 'kvm',
      cpus: 1,
      memoryMiB: 64,
      dataDirs: ['/a', '/b'],
      kernel: '/k, with comma',
      fwCfg: [{ name: 'opt/slotlab/spin', data: Buffer.alloc(1) }],
      extraArgs: ['-cpu', 'max'],
    },
    paths,
  );
  t.ok(args.includes('q35,accel=kvm,smm=on'));
  t.same(args.filter((arg, i) => args[i - 1] === '-L'), ['/a', '/b']);
  t.ok(args.includes('/k, with comma'), '-kernel takes a path, not an option string');
  t.ok(args.includes(`name=opt/slotlab/spin,file=${fwCfgPath(paths, 'opt/slotlab/spin')}`));
  t.same(args.slice(-2), ['-cpu', 'max']);
});

t.test('commas in option values are doubled', async (t) => {
  t.equal(escapeOption('/tmp/a,b'), '/tmp/a,,b');
});

t.test('the firmware debug console replaces COM1; trace events go to the trace log with timestamps', async (t) => {
  const plain = buildQemuArgs({ binary: 'q', machineType: 'pc', accel: 'kvm', cpus: 1, memoryMiB: 64 }, paths);
  t.same(plain.slice(plain.indexOf('-serial'), plain.indexOf('-serial') + 2), ['-serial', 'chardev:slotlab-serial']);
  t.notOk(plain.includes('-trace') || plain.includes('-D') || plain.includes('-msg'), 'no tracing unless asked');
  const args = buildQemuArgs({ binary: 'q', machineType: 'pc', accel: 'kvm', cpus: 1, memoryMiB: 64, console: 'debugcon', traceEvents: ['kvm_set_user_memory', 'memory_*'] }, paths);
  t.notOk(args.includes('-serial'), 'no serial port: the chardev serves the debug console');
  t.same(args.slice(args.indexOf('-device'), args.indexOf('-device') + 2), ['-device', 'isa-debugcon,iobase=0x402,chardev=slotlab-serial']);
  t.same(args.filter((arg, i) => args[i - 1] === '-trace'), ['enable=kvm_set_user_memory', 'enable=memory_*']);
  t.same(args.slice(args.indexOf('-msg'), args.indexOf('-msg') + 4), ['-msg', 'timestamp=on', '-D', '/tmp/x/trace.log']);
});
