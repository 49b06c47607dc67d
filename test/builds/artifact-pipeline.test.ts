// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { type ArtifactRecipe, installArtifact, produceArtifact, readInstalledArtifact } from '../../orchestrator/builds/artifact-pipeline.js';
import { runBuildStep } from '../../orchestrator/builds/build-step.js';
import type { BuildProgressEvent } from '../../orchestrator/builds/build-types.js';
import { tempDir } from '../fixtures/temp-dir.js';

/** A tiny real build: `sh` writes a source file, "configures" it and "compiles" it into an output. */
function shellRecipe(root: string, calls: string[], options: { failCompile?: boolean } = {}): ArtifactRecipe<{ name: string; sha: string; builtIn: string }> {
  const work = path.join(root, 'work');
  const logs = path.join(work, 'logs', 'demo');
  const dir = path.join(root, 'installed', 'demo', 'key1');
  const step = (name: string, script: string) => runBuildStep({ build: 'demo', step: 'compile', command: 'sh', args: ['-c', script], cwd: work, logFile: path.join(logs, `${name}.log`) });
  return {
    name: 'demo',
    packages: [],
    workDir: work,
    logsDir: logs,
    installDir: dir,
    installed: () => readInstalledArtifact(dir, ['bin/demo']),
    async prepare() {
      calls.push('prepare');
      await step('prepare', 'echo source > src.txt');
    },
    async configure() {
      calls.push('configure');
      await step('configure', 'echo configured >> src.txt');
    },
    async compile({ progress }) {
      calls.push('compile');
      progress?.({ build: 'demo', phase: 'compile', done: 1, total: 1 });
      await step('compile', options.failCompile ? 'echo "error: no" && exit 4' : 'cp src.txt demo.out');
    },
    outputs: () => [{ from: path.join(work, 'demo.out'), to: 'bin/demo', mode: 0o755 }],
    async provenance(staging) {
      calls.push('provenance');
      return { name: 'demo', sha: fs.readFileSync(path.join(staging, 'bin/demo'), 'utf8'), builtIn: dir };
    },
  };
}

t.test('steps in order, then an install keyed by inputs with logs and provenance; a second call is a cache hit', async (t) => {
  const root = tempDir(t);
  const calls: string[] = [];
  const events: BuildProgressEvent[] = [];
  const lines: string[] = [];
  const recipe = shellRecipe(root, calls);
  const made = await produceArtifact(recipe, (line) => lines.push(line), (event) => events.push(event));
  t.same(calls, ['prepare', 'configure', 'compile', 'provenance']);
  t.same(made, { name: 'demo', sha: 'source\nconfigured\n', builtIn: recipe.installDir });
  t.equal(fs.readFileSync(path.join(recipe.installDir, 'bin/demo'), 'utf8'), 'source\nconfigured\n');
  t.equal(fs.statSync(path.join(recipe.installDir, 'bin/demo')).mode & 0o777, 0o755);
  t.same(JSON.parse(fs.readFileSync(path.join(recipe.installDir, 'provenance.json'), 'utf8')), made);
  t.same(fs.readdirSync(path.join(recipe.installDir, 'logs')).sort(), ['compile.log', 'configure.log', 'prepare.log']);
  t.notOk(fs.existsSync(`${recipe.installDir}.partial`), 'no staging left');
  t.same(events.map((event) => event.phase), ['compile', 'install']);
  t.match(lines.at(-1), /^demo: built in \d+ s -> .*installed\/demo\/key1$/);
  t.notOk(fs.existsSync(path.join(recipe.workDir, 'lock')), 'the work folder is unlocked');
  calls.length = 0;
  t.same(await produceArtifact(recipe, () => undefined), made);
  t.same(calls, [], 'nothing ran for an installed artifact');
});

t.test('a failed step installs nothing and releases the work folder', async (t) => {
  const root = tempDir(t);
  const calls: string[] = [];
  const recipe = shellRecipe(root, calls, { failCompile: true });
  await t.rejects(produceArtifact(recipe, () => undefined), { code: 'BUILD_STEP_FAILED', exitCode: 4, outputTail: /error: no/, logFile: path.join(recipe.logsDir, 'compile.log') });
  t.same(calls, ['prepare', 'configure', 'compile']);
  t.notOk(fs.existsSync(recipe.installDir));
  t.equal(recipe.installed(), undefined);
  t.notOk(fs.existsSync(path.join(recipe.workDir, 'lock')));
});

t.test('an install that dies before its rename leaves nothing that looks installed', async (t) => {
  const root = tempDir(t);
  const file = path.join(root, 'out');
  fs.writeFileSync(file, 'x');
  const dir = path.join(root, 'artifact');
  await t.rejects(
    installArtifact(dir, [{ from: file, to: 'bin/x' }], undefined, async () => {
      throw new Error('crash while writing provenance');
    }),
    /crash/,
  );
  t.notOk(fs.existsSync(dir), 'the artifact folder does not exist');
  t.equal(readInstalledArtifact(dir, ['bin/x']), undefined);
  t.equal(readInstalledArtifact(`${dir}.partial`, ['bin/x']), undefined, 'the staging folder has no provenance');
  // A folder with provenance but a missing file is not installed either.
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'provenance.json'), '{"name":"x"}');
  t.equal(readInstalledArtifact(dir, ['bin/x']), undefined);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin/x'), '');
  t.same(readInstalledArtifact(dir, ['bin/x']), { name: 'x' });
});
