// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BuildStepError, ninjaProgress, runBuildStep } from '../../orchestrator/builds/build-step.js';
import { tempDir } from '../fixtures/temp-dir.js';

t.test('a step logs its command and output and passes its lines on', async (t) => {
  const dir = tempDir(t);
  const logFile = path.join(dir, 'logs', 'configure.log');
  const lines: string[] = [];
  await runBuildStep({ build: 'b', step: 'configure', command: 'sh', args: ['-c', 'echo out; echo err >&2'], cwd: dir, logFile, onLine: (line) => lines.push(line) });
  t.same(lines.sort(), ['err', 'out']);
  const log = fs.readFileSync(logFile, 'utf8');
  t.match(log, /^\$ \(cd .* && sh -c echo out; echo err >&2\)\n/);
  t.match(log, /out\n/);
  await runBuildStep({ build: 'b', step: 'configure', command: 'echo', args: ['second'], cwd: dir, logFile });
  t.match(fs.readFileSync(logFile, 'utf8'), /out\n[\s\S]*second\n$/, 'appended');
});

t.test('a failing step names the step, its exit, its last lines and its log', async (t) => {
  const dir = tempDir(t);
  const logFile = path.join(dir, 'compile.log');
  const script = 'for i in $(seq 1 40); do echo line$i; done; echo "fatal: no" >&2; exit 3';
  const error = await runBuildStep({ build: '7.2-x', step: 'compile', command: 'sh', args: ['-c', script], cwd: dir, logFile }).catch((e: unknown) => e);
  t.type(error, BuildStepError);
  const failure = error as BuildStepError;
  t.equal(failure.code, 'BUILD_STEP_FAILED');
  t.equal(failure.step, 'compile');
  t.equal(failure.exitCode, 3);
  t.equal(failure.logFile, logFile);
  t.match(failure.message, /^build 7\.2-x: compile failed \(exit code 3 after \d+\.\d s\)/);
  t.match(failure.message, /fatal: no\nfull log: .*compile\.log$/);
  t.notMatch(failure.tail, /line15\n/, 'only the tail');
  t.match(fs.readFileSync(logFile, 'utf8'), /line1\n/, 'the log has everything');
});

t.test('a step killed by a signal says so', async (t) => {
  const dir = tempDir(t);
  const error = await runBuildStep({ build: 'b', step: 'compile', command: 'sh', args: ['-c', 'kill -TERM $$'], cwd: dir, logFile: path.join(dir, 'l') }).catch((e: unknown) => e);
  t.match((error as BuildStepError).message, /compile failed \(signal SIGTERM/);
});

t.test("ninja's [n/N] prefix is progress", async (t) => {
  t.same(ninjaProgress('[12/1387] Compiling C object x.o'), { done: 12, total: 1387 });
  t.equal(ninjaProgress('ninja: build stopped: subcommand failed.'), undefined);
});
