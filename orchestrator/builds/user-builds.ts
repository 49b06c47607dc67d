import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { z } from 'zod';
import { SlotlabError } from '../errors.js';
import { cacheRoot } from '../paths.js';
import { ensurePackages } from '../setup/system-packages.js';
import { BUILD_PACKAGES, buildEnv, configureLine } from './build-config.js';
import { withBuildLock } from './build-lock.js';
import { BuildNotReadyError } from './build-errors.js';
import { incrementalNinjaBuild } from './build-step.js';
import { BUILD_FAMILIES, type BuildDefinition, type BuildFamily, type BuildLog, type BuildProgress, type ResolvedBuild } from './build-types.js';
import { qemuVersionLine, sha256File } from './provenance.js';

export class UserBuildError extends SlotlabError {
  constructor(detail: string) {
    super('USER_BUILD', detail);
  }
}

const entrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user-binary'), name: z.string(), family: z.enum(BUILD_FAMILIES), binary: z.string() }),
  z.object({ kind: z.literal('user-source'), name: z.string(), family: z.enum(BUILD_FAMILIES), sourceDir: z.string() }),
]);
export type UserBuildEntry = z.infer<typeof entrySchema>;

export function userBuildsFile(): string {
  return path.join(cacheRoot(), 'user-builds.json');
}

export function readUserBuilds(): UserBuildEntry[] {
  const file = userBuildsFile();
  if (!fs.existsSync(file)) return [];
  const parsed = z.array(entrySchema).safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new UserBuildError(`${file} is not a list of registered builds (${parsed.error.issues[0]?.message}); fix or delete it`);
  return parsed.data;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Adds or replaces a registered build; `reserved` are the names of built-in builds. */
export function registerUserBuild(entry: UserBuildEntry, reserved: readonly string[]): void {
  if (!NAME.test(entry.name)) throw new UserBuildError(`build name '${entry.name}' must be letters, digits, '.', '_' or '-' (at most 64)`);
  if (reserved.includes(entry.name)) throw new UserBuildError(`'${entry.name}' is a built-in build; pick another --name`);
  if (entry.kind === 'user-binary' && !isExecutable(entry.binary)) throw new UserBuildError(`--qemu-bin ${entry.binary} is not an executable file`);
  if (entry.kind === 'user-source' && !fs.existsSync(path.join(entry.sourceDir, 'configure'))) {
    throw new UserBuildError(`--qemu-src ${entry.sourceDir} has no configure script: give the top of a QEMU source tree`);
  }
  const entries = readUserBuilds().filter((other) => other.name !== entry.name);
  entries.push(entry);
  fs.mkdirSync(path.dirname(userBuildsFile()), { recursive: true });
  fs.writeFileSync(userBuildsFile(), JSON.stringify(entries, null, 2) + '\n');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function userSourceDir(name: string): string {
  return path.join(cacheRoot(), 'qemu-user', name);
}

async function gitDescription(dir: string): Promise<string> {
  const head = await execa('git', ['-C', dir, 'rev-parse', 'HEAD'], { reject: false, stdin: 'ignore' });
  if (head.exitCode !== 0) return dir;
  const dirty = await execa('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { reject: false, stdin: 'ignore' });
  return `${dir} at git ${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes)' : ''}`;
}

/** Configures once, then lets ninja rebuild incrementally in `<cache>/qemu-user/<name>/build`. */
async function buildUserSource(entry: Extract<UserBuildEntry, { kind: 'user-source' }>, log: BuildLog, progress?: BuildProgress): Promise<void> {
  await ensurePackages(BUILD_PACKAGES, log);
  const dir = userSourceDir(entry.name);
  await withBuildLock(dir, async () => {
    const build = path.join(dir, 'build');
    const logs = path.join(dir, 'logs');
    fs.rmSync(logs, { recursive: true, force: true });
    const env = buildEnv(dir);
    const started = Date.now();
    const configure = await incrementalNinjaBuild({ build: entry.name, src: entry.sourceDir, buildDir: build, env, logs, progress, log });
    progress?.({ build: entry.name, phase: 'install' });
    fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
    fs.copyFileSync(path.join(build, 'qemu-system-x86_64'), path.join(dir, 'bin/qemu-system-x86_64.new'));
    fs.renameSync(path.join(dir, 'bin/qemu-system-x86_64.new'), path.join(dir, 'bin/qemu-system-x86_64'));
    fs.writeFileSync(
      path.join(dir, 'built.json'),
      JSON.stringify({ source: await gitDescription(entry.sourceDir), configure, builtAt: new Date().toISOString(), buildSeconds: Math.round((Date.now() - started) / 1000) }) + '\n',
    );
  });
}

function userDefinition(entry: UserBuildEntry): BuildDefinition {
  const family: BuildFamily = entry.family;
  return {
    name: entry.name,
    family,
    description: entry.kind === 'user-binary' ? `registered binary ${entry.binary}` : `registered source tree ${entry.sourceDir}, built with slotlab's configure flags`,
    inSetup: false,
    async prepare(log, progress) {
      if (entry.kind === 'user-source') await buildUserSource(entry, log, progress);
    },
    async resolve(): Promise<ResolvedBuild> {
      if (entry.kind === 'user-binary') {
        if (!isExecutable(entry.binary)) throw new UserBuildError(`registered build ${entry.name}: ${entry.binary} is gone; register it again with --qemu-bin`);
        return {
          name: entry.name,
          binary: entry.binary,
          env: {},
          dataDirs: [],
          provenance: { name: entry.name, family, kind: 'user-binary', source: entry.binary, binary: entry.binary, version: await qemuVersionLine(entry.binary, {}), sha256: sha256File(entry.binary) },
        };
      }
      const dir = userSourceDir(entry.name);
      const binary = path.join(dir, 'bin/qemu-system-x86_64');
      if (!fs.existsSync(binary) || !fs.existsSync(path.join(dir, 'built.json'))) throw new BuildNotReadyError(entry.name, `${entry.sourceDir} not built yet`, `slotlab build ${entry.name}`);
      const built = JSON.parse(fs.readFileSync(path.join(dir, 'built.json'), 'utf8')) as { source: string; configure?: string; builtAt: string; buildSeconds: number };
      return {
        name: entry.name,
        binary,
        env: {},
        dataDirs: [],
        provenance: {
          name: entry.name,
          family,
          kind: 'user-source',
          source: built.source,
          binary,
          version: await qemuVersionLine(binary, {}),
          sha256: sha256File(binary),
          configure: built.configure ?? configureLine(),
          builtAt: built.builtAt,
          buildSeconds: built.buildSeconds,
        },
      };
    },
  };
}

export function userBuilds(): BuildDefinition[] {
  return readUserBuilds().map(userDefinition);
}
