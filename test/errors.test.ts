// tier: unit
import t from 'tap';
import { execa } from 'execa';
import { ProcessError, SlotlabError, errorMessage, processFailure } from '../orchestrator/errors.js';
import { PrivateAptError } from '../orchestrator/builds/private-apt.js';
import { ImageBuildError } from '../orchestrator/images/build-images.js';
import { PackageInstallError } from '../orchestrator/setup/system-packages.js';
import { GuestBootLostError, QemuStartError } from '../orchestrator/machine/machine-errors.js';
import { BuildStepError } from '../orchestrator/builds/build-step.js';

t.test('errors carry a stable code and their class name', async (t) => {
  class SomethingError extends SlotlabError {
    constructor() {
      super('SOMETHING', 'something happened; do this');
    }
  }
  const error = new SomethingError();
  t.equal(error.code, 'SOMETHING');
  t.equal(error.name, 'SomethingError');
  t.equal(errorMessage(error), 'something happened; do this');
  t.equal(errorMessage('plain'), 'plain');
});

t.test('every process failure is a ProcessError carrying the same fields', async (t) => {
  const failure = { command: ['qemu-system-x86_64', '-S'], exitCode: 1, signal: undefined, durationMs: 12, outputTail: 'no KVM' };
  const start = new QemuStartError(failure, 'exited during start-up');
  const lost = new GuestBootLostError(failure, 'the banner', 'panic');
  const step = new BuildStepError('7.2-x', 'compile', '/logs/compile.log', 'error: x', 2, undefined, 1500, ['ninja', 'qemu-system-x86_64']);
  for (const error of [start, lost, step]) {
    t.type(error, ProcessError);
    t.type(error, SlotlabError);
  }
  t.match(start, { code: 'QEMU_START_FAILED', ...failure, logFile: undefined });
  t.match(lost, { code: 'GUEST_BOOT_LOST', ...failure });
  t.match(step, { code: 'BUILD_STEP_FAILED', command: ['ninja', 'qemu-system-x86_64'], exitCode: 2, durationMs: 1500, outputTail: 'error: x', logFile: '/logs/compile.log' });
});

t.test("execa's result is mapped once to the failure shape, which apt's, dpkg's and the image builders' errors carry", async (t) => {
  const result = await execa('sh', ['-c', 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do echo line$i; done; echo oops >&2; exit 3'], { reject: false, all: true });
  const failure = processFailure(result);
  t.same(failure.command, ['sh', '-c', 'for', 'i', 'in', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14;', 'do', 'echo', 'line$i;', 'done;', 'echo', 'oops', '>&2;', 'exit', '3']);
  t.equal(failure.exitCode, 3);
  t.equal(failure.signal, undefined);
  t.ok(failure.durationMs >= 0);
  t.equal(failure.outputTail.split('\n').length, 12, 'the last 12 lines');
  t.match(failure.outputTail, /line14\noops$/);
  t.same(processFailure(result, { argv: ['sh', '-c', 'x'], tailLines: 2, logFile: '/l' }), { command: ['sh', '-c', 'x'], exitCode: 3, signal: undefined, durationMs: failure.durationMs, outputTail: 'line14\noops', logFile: '/l' });
  const killed = processFailure(await execa('sh', ['-c', 'kill -9 $$'], { reject: false, all: true }));
  t.equal(killed.signal, 'SIGKILL');
  for (const error of [new PrivateAptError('apt-get update', failure), new PackageInstallError(['nasm'], failure), new ImageBuildError('spin', 'nasm exited with 3', failure)]) {
    t.type(error, ProcessError, error.name);
    t.match(error, { exitCode: 3, outputTail: failure.outputTail });
  }
  t.match(new PackageInstallError(['nasm'], failure).message, /apt-get could not install nasm:\n(.*\n)*line14\noops\nRun slotlab as root/);
  t.match(new ImageBuildError('spin', 'nasm is not available'), { command: [], outputTail: 'nasm is not available', exitCode: undefined });
});
