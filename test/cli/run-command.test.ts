// tier: host
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { tempDir } from '../fixtures/temp-dir.js';
import type { IterationRecord } from '../../orchestrator/results/record.js';
import { readRecords } from '../../orchestrator/results/record-writer.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { slotlab, whereSuffix } from '../fixtures/cli.js';
import { NEEDS_KVM } from '../fixtures/kvm.js';

t.test('run --json prints one record per iteration and writes the same to the run file', NEEDS_KVM, async (t) => {
  const runsDir = tempDir(t, 'slotlab-runs-');
  const result = await slotlab(['run', 'pam-qmp', '--build', 'debian-7.2', '--repetitions', '2', '--mutations', '2000', '--json'], {
    env: { SLOTLAB_RUNS_DIR: runsDir },
  });
  t.equal(result.exitCode, 0, result.stderr as string);
  const printed = (result.stdout as string).trim().split('\n').map((line) => JSON.parse(line));
  t.equal(printed.length, 2);
  t.ok(printed.every((record) => record.outcome === 'guest-lost' && record.limits.mutations === 2000));
  const files = fs.readdirSync(runsDir).sort();
  t.equal(files.length, 3, 'the flight folder, the records and the manifest');
  t.ok(fs.statSync(path.join(runsDir, files.shift()!)).isDirectory(), 'the flight folder is named by the run');
  t.match(files[1], /\.manifest\.json$/);
  t.same(readRecords(path.join(runsDir, files[0]!)), printed);
  const manifest = JSON.parse(fs.readFileSync(path.join(runsDir, files[1]!), 'utf8'));
  t.equal(manifest.status, 'complete');
  t.same(manifest.builds.map((build: { name: string }) => build.name), ['debian-7.2']);
  t.same(manifest.overrides, { repetitions: 2, mutations: 2000 });
  const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: repoRoot })).stdout.trim();
  t.same(manifest.slotlab, { version: JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version, commit: head }, 'the manifest names the slotlab that made the run (version, commit as git says it)');
  for (const record of printed) {
    for (const file of [record.flight.registers, record.flight.pages]) t.ok(file && fs.existsSync(path.join(runsDir, file)), `iteration ${record.iteration}: a lost guest's forensics file ${file} is beside the records`);
  }
});

t.test('run prints the result table', NEEDS_KVM, async (t) => {
  const runsDir = tempDir(t, 'slotlab-runs-');
  const result = await slotlab(['run', 'pam-qmp', '--build', 'debian-7.2', '--build', 'debian-bpo-10.0', '--repetitions', '1', '--mutations', '300'], {
    env: { SLOTLAB_RUNS_DIR: runsDir },
  });
  t.equal(result.exitCode, 0, result.stderr as string);
  t.match(result.stdout, /build\s+iter\s+mutations\s+outcome/);
  t.match(result.stdout, /debian-7\.2\s+0\s+\d+\/300\s+guest-lost\s+internal-error/);
  t.match(result.stdout, /debian-bpo-10\.0\s+0\s+300\/300\s+survived\s+mutations/);
  t.match(result.stdout, /KVM internal error\. Suberror: 1/);
  t.match(result.stdout, new RegExp(`pam-qmp / debian-7\\.2${whereSuffix()}\\s+1/1\\s+race\\s+race ok`), 'the verdict table follows');
  t.match(result.stdout, new RegExp(`pam-qmp / debian-bpo-10\\.0${whereSuffix()}\\s+0/1\\s+inconclusive \\(\\d+ more iterations\\)\\s+safe \\?`), '300 mutations cannot prove safety');
  t.match(result.stdout, new RegExp(`records: ${runsDir}/`));
});

t.test('bad input: one clear error and exit code 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['run', 'pam-qmp', '--build', 'nope'], /unknown build 'nope'; known builds: debian-7\.2, debian-bpo-10\.0, 7\.2-stock, 7\.2-paused-vcpu, 7\.2-atomic-ioctl/],
    [['run', 'no-such-suite', '--build', 'debian-7.2'], /no-such-suite\.yaml: no such suite file; name one of control-idle, dimm-hotplug, dirty-log, firmware-boot, linux-hotplug, pam-bystander, pam-guest, pam-paged, pam-qmp, pam-shadow-exec, smram-q35, virtio-mem-resize/],
    [['run', '--all', 'pam-qmp', '--build', 'debian-7.2'], /--all runs every suite in suites\/; name no suite/],
    [['run', 'pam-qmp', '--build', 'debian-7.2', '--image', '/no/such/image'], /--image \/no\/such\/image: cannot be read; give a multiboot image file/],
    [['run', 'pam-qmp', '--build', 'debian-7.2', '--image', 'package.json'], /--image package\.json: has no multiboot header/],
    [['publish', '--from', 'x', '--repetitions', '2'], /--from publishes stored runs as they are/],
    [['run', 'pam-qmp'], /run needs at least one --build/],
    [['run', 'pam-qmp', '--build', 'debian-7.2', '--mutations', 'many'], /--mutations needs a positive integer, not 'many'/],
    [['run', 'pam-qmp', '--build', 'debian-7.2', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ];
  for (const [args, message] of cases) {
    const result = await slotlab(args);
    t.equal(result.exitCode, 2, args.join(' '));
    t.match(result.stderr, message);
    t.notMatch(result.stderr, /internal error|    at /, 'no stack trace');
  }
});

t.test('a bad suite file names the field and the file', async (t) => {
  const dir = tempDir(t, 'slotlab-suite-');
  const file = path.join(dir, 'broken.yaml');
  fs.writeFileSync(file, fs.readFileSync('suites/pam-qmp.yaml', 'utf8').replace('cpus: 3', 'cpus: three'));
  const result = await slotlab(['run', file, '--build', 'debian-7.2']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, `${file}: field machine.cpus`);
});

t.test('a QEMU that aborts at start stops the run with its output, and the attempt is recorded', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-suite-');
  const file = path.join(dir, 'aborts.yaml');
  fs.writeFileSync(file, fs.readFileSync('suites/pam-qmp.yaml', 'utf8').replace('memoryMiB: 256', 'memoryMiB: 256\n  options: { no-such-property: "on" }'));
  const result = await slotlab(['run', file, '--build', 'debian-7.2', '--repetitions', '3'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /QEMU (exited before connecting to QMP|exited during start-up)/);
  t.match(result.stderr, /no-such-property/);
  const runFile = fs.readdirSync(dir).find((name) => name.endsWith('.jsonl'))!;
  const records = readRecords(path.join(dir, runFile));
  t.equal(records.length, 1, 'the failed attempt is kept and the run stops');
  t.equal(records[0]!.error?.code, 'QEMU_START_FAILED');
});

/** A multiboot image of the user's own that knows nothing of the spin contract: one vCPU, one jmp $. */
async function foreignImage(dir: string): Promise<string> {
  const source = path.join(dir, 'foreign.asm');
  fs.writeFileSync(
    source,
    [
      'bits 32',
      'org 0x400000',
      'dd 0x1badb002, 0x00010000, -(0x1badb002 + 0x00010000)',
      'dd 0x400000, 0x400000, 0, 0, entry',
      'entry: cli',
      'here: jmp here',
      '',
    ].join('\n'),
  );
  const image = path.join(dir, 'foreign.bin');
  await execa('nasm', ['-f', 'bin', '-o', image, source]);
  return image;
}

t.test('--image: a foreign image still gets loss detection, with progress unknown', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const image = await foreignImage(dir);
  const result = await slotlab(['run', 'pam-qmp', '--image', image, '--build', 'debian-7.2', '--build', 'debian-bpo-10.0', '--repetitions', '1', '--mutations', '300', '--json'], {
    env: { SLOTLAB_RUNS_DIR: dir },
  });
  t.equal(result.exitCode, 0, String(result.stderr));
  const records = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  const stock = records.find((record) => record.build.name === 'debian-7.2')!;
  t.equal(stock.outcome, 'guest-lost', 'the race takes the foreign guest too');
  t.equal(stock.progressKnown, false);
  t.match(stock.failure, { emulationFailure: true, suberror: 1 });
  t.ok(stock.failure!.instructionPointer! >= 0x400000 && stock.failure!.instructionPointer! < 0x400100, `RIP 0x${stock.failure!.instructionPointer?.toString(16)} is in the image's loop`);
  t.equal(stock.failure!.vcpu, 0, 'the failing vCPU from info registers');
  const fixed = records.find((record) => record.build.name === 'debian-bpo-10.0')!;
  t.match(fixed, { outcome: 'survived', progressKnown: false, progressPerSecond: null, mutationsApplied: 300 });
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, `${stock.runId}.manifest.json`), 'utf8'));
  t.equal(manifest.overrides.image, image, 'the manifest names the image');
});

// 7.2-paused-vcpu: the Linux suites run nested here, where QEMU 10 as L2 now and then resets its guest by itself (see suites/README.md).
t.test('run --all runs every suite once, with the limits given', NEEDS_KVM, async (t) => {
  const dir = tempDir(t, 'slotlab-runs-');
  const result = await slotlab(['run', '--all', '--build', '7.2-paused-vcpu', '--repetitions', '1', '--mutations', '4', '--duration', '3', '--json'], { env: { SLOTLAB_RUNS_DIR: dir } });
  t.equal(result.exitCode, 0, String(result.stderr));
  const records = String(result.stdout).trim().split('\n').map((line) => JSON.parse(line) as IterationRecord);
  const suites = ['control-idle', 'dimm-hotplug', 'dirty-log', 'firmware-boot', 'linux-hotplug', 'pam-bystander', 'pam-guest', 'pam-paged', 'pam-qmp', 'pam-shadow-exec', 'smram-q35', 'virtio-mem-resize', 'weeds'];
  t.same(records.map((record) => record.suite.name).sort(), suites);
  t.notOk(records.some((record) => record.outcome === 'guest-lost' && record.suite.name !== 'weeds'), 'the fixed build loses no guest to a memory-map change');
  t.match(records.find((record) => record.suite.name === 'weeds'), { outcome: 'guest-lost', expected: 'stopped', failure: { instructionPointerHex: '0xc0000000' } }, 'and stops the one sent into the weeds');
  t.same(records.filter((record) => record.outcome === 'stalled').map((record) => record.suite.name), [], 'every guest kept running, even over a short mutation phase');
  t.ok(records.every((record) => record.outcome !== 'error' || record.error?.code === 'GUEST_PAGING_UNAVAILABLE'), 'the only possible error is a host without guest paging');
  t.equal(fs.readdirSync(dir).filter((name) => name.endsWith('.jsonl')).length, suites.length, 'one run per suite');
});
