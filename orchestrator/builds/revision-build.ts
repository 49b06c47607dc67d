import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheRoot } from '../paths.js';
import { type ArtifactRecipe, produceArtifact } from './artifact-pipeline.js';
import { BUILD_PACKAGES, CONFIGURE_FLAGS, buildEnv, configureLine } from './build-config.js';
import { INSTALLED_BINARY, buildKey, installDir, readInstalled } from './build-cache.js';
import { ninjaCompile, ninjaConfigure, runBuildStep } from './build-step.js';
import type { BuildFamily, BuildLog, BuildProgress, BuildProvenance, ResolvedBuild } from './build-types.js';
import type { SeriesPatch } from './patch-series.js';
import { qemuVersionLine, sha256File } from './provenance.js';

/** A QEMU git tree whose commits are built one by one (bisection). */
export interface RevisionTree {
  /** The user's repository; never written to. */
  src: string;
  /** Prefix of each commit's build name (`<name>@<short sha>`). */
  name: string;
  family: BuildFamily;
  /** Applied on top of every commit (e.g. a build fix the old commits need). */
  patches: readonly SeriesPatch[];
}

/** `<cache>/qemu-bisect/<tree>/`: a shared clone of the tree (src/) and its one incremental build folder (build/). */
export function revisionWorkDir(src: string): string {
  const id = createHash('sha256').update(fs.realpathSync(src)).digest('hex').slice(0, 12);
  return path.join(cacheRoot(), 'qemu-bisect', `${path.basename(fs.realpathSync(src))}-${id}`);
}

export function revisionBuildName(tree: RevisionTree, sha: string): string {
  return `${tree.name}@${sha.slice(0, 12)}`;
}

function revisionKey(tree: RevisionTree, sha: string): string {
  return buildKey({ sourceVersion: `git ${sha}`, patches: tree.patches, configureFlags: CONFIGURE_FLAGS });
}

function resolved(provenance: BuildProvenance): ResolvedBuild {
  return { name: provenance.name, binary: provenance.binary, env: {}, dataDirs: [], provenance };
}

/** The build of `sha` (with the tree's patches) if it is in the cache. */
export function cachedRevisionBuild(tree: RevisionTree, sha: string): ResolvedBuild | undefined {
  const provenance = readInstalled(installDir(revisionBuildName(tree, sha), revisionKey(tree, sha)));
  return provenance && resolved(provenance);
}

/** Commit `sha` of a QEMU tree as a recipe of the artifact pipeline: one shared clone and one incremental build folder per tree. */
export function revisionRecipe(tree: RevisionTree, sha: string): ArtifactRecipe<BuildProvenance> {
  const name = revisionBuildName(tree, sha);
  const work = revisionWorkDir(tree.src);
  const src = path.join(work, 'src');
  const build = path.join(work, 'build');
  const logs = path.join(work, 'logs', sha.slice(0, 12));
  const env = buildEnv(work);
  const key = revisionKey(tree, sha);
  const dir = installDir(name, key);
  const job = { build: name, src, buildDir: build, env, logs };
  let configured = configureLine();
  const git = (args: string[]) => runBuildStep({ build: name, env, step: 'checkout', command: 'git', args, cwd: work, logFile: path.join(logs, 'checkout.log') });
  return {
    name,
    packages: BUILD_PACKAGES,
    workDir: work,
    logsDir: logs,
    installDir: dir,
    installed: () => cachedRevisionBuild(tree, sha)?.provenance,
    async prepare({ log, progress }) {
      progress?.({ build: name, phase: 'checkout' });
      if (!fs.existsSync(path.join(src, '.git'))) {
        fs.rmSync(src, { recursive: true, force: true });
        await git(['clone', '--quiet', '--shared', '--no-checkout', fs.realpathSync(tree.src), src]);
      }
      // Files that differ between commits are rewritten, the rest keep their times: ninja rebuilds only what changed.
      await git(['-C', src, 'checkout', '--quiet', '--force', '--detach', sha]);
      await git(['-C', src, 'clean', '--quiet', '-fdx']);
      for (const patch of tree.patches) {
        log(`${name}: applying ${patch.name}`);
        await runBuildStep({ build: name, env, step: 'patch', command: 'git', args: ['-C', src, 'apply', '-p1', patch.file], cwd: work, logFile: path.join(logs, 'patch.log') });
      }
    },
    async configure({ log, progress }) {
      configured = await ninjaConfigure({ ...job, progress, log });
    },
    compile: ({ progress }) => ninjaCompile({ ...job, progress }),
    outputs: () => [{ from: path.join(build, 'qemu-system-x86_64'), to: INSTALLED_BINARY }],
    async provenance(staging, { startedAt }) {
      return {
        name,
        family: tree.family,
        kind: 'user-source',
        source: `${fs.realpathSync(tree.src)} at git ${sha}`,
        binary: path.join(dir, INSTALLED_BINARY),
        version: await qemuVersionLine(path.join(staging, INSTALLED_BINARY), {}),
        sha256: sha256File(path.join(staging, INSTALLED_BINARY)),
        patches: tree.patches.map(({ name: patch, sha256 }) => ({ name: patch, sha256 })),
        configure: configured,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - startedAt) / 1000),
        cacheKey: key,
      };
    },
  };
}

/**
 * Builds commit `sha` of the tree: checks it out in a clone that shares the
 * user's object store (their working tree and refs stay untouched), applies
 * the patches, configures once and lets ninja rebuild what the commit changed.
 * Each commit's binary is cached by (commit, patches, configure flags), so
 * revisiting a commit costs nothing. Failures throw BuildStepError.
 */
export async function buildRevision(tree: RevisionTree, sha: string, log: BuildLog, progress?: BuildProgress): Promise<ResolvedBuild> {
  return resolved(await produceArtifact(revisionRecipe(tree, sha), log, progress));
}
