import t from 'tap';
import { ProcessError, SlotlabError, errorMessage } from '../orchestrator/errors.js';
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
