import fs from 'node:fs';
import path from 'node:path';
import type { BuildLog, BuildProgress, BuildProvenance } from '../builds/build-types.js';
import { type RevisionTree, buildRevision } from '../builds/revision-build.js';
import { type KernelRevisionTree, buildKernelRevision } from '../kernels/kernel-revision-build.js';
import { findKernel } from '../kernels/kernel-registry.js';
import { runUnderKernel } from '../nested/kernel-run.js';
import type { KernelProvenance } from '../kernels/kernel-types.js';
import type { RunContext } from '../run-context.js';
import type { LinuxBoot } from '../runner/linux-guest.js';
import type { LiveReporter } from '../reporters/reporter.js';
import { readRun } from '../results/run-store.js';
import { makePlan } from '../runner/plan.js';
import { runPlan } from '../runner/run-plan.js';
import type { LoadedSuite } from '../suites/load-suite.js';
import type { BisectCandidate, BisectSubject } from './flaky-bisect.js';
import type { Revision } from './git-revisions.js';

/** A subject that also says what exactly each tested version was. */
export interface ProvenancedSubject extends BisectSubject {
  provenance(candidate: BisectCandidate): { build?: BuildProvenance; kernel?: KernelProvenance };
}

export interface SuiteSettings {
  loaded: LoadedSuite;
  mutations?: number;
  /** Hears each step's run (reporters/). */
  reporter?: LiveReporter;
  /** The run context every step's run gets (default: this host). */
  context?: RunContext;
  /** A Linux guest's files, for steps run on this host (resolved before the bisection). */
  linux?: LinuxBoot;
}

export function revisionCandidates(revisions: readonly Revision[]): BisectCandidate[] {
  return revisions.map((revision) => ({ id: revision.sha, label: `${revision.sha.slice(0, 12)} ${revision.subject}` }));
}

function plan(settings: SuiteSettings, build: string, iterations: number, untilLost: boolean) {
  return makePlan(settings.loaded, [build], { repetitions: iterations, mutations: settings.mutations, untilLost: untilLost || undefined });
}

/** QEMU commits: each built in the tree's one incremental build folder, then run on this host's KVM. */
export function qemuRevisionSubject(tree: RevisionTree, revisions: readonly Revision[], settings: SuiteSettings, log: BuildLog, progress?: BuildProgress): ProvenancedSubject {
  const builds = new Map<string, BuildProvenance>();
  return {
    candidates: revisionCandidates(revisions),
    async measure(candidate, iterations, untilLost) {
      const build = await buildRevision(tree, candidate.id, log, progress);
      builds.set(candidate.id, build.provenance);
      const output = await runPlan(plan(settings, build.name, iterations, untilLost), { builds: [build], reporter: settings.reporter, context: settings.context, linux: settings.linux });
      return { records: output.records, runId: output.runId };
    },
    provenance: (candidate) => ({ build: builds.get(candidate.id) }),
  };
}

/** Kernels (names or bzImage paths), oldest first: each booted as L1 and running `build` on the suite. */
export function kernelSubject(kernels: readonly BisectCandidate[], build: string, settings: SuiteSettings, onLine?: (line: string) => void): ProvenancedSubject {
  const provenances = new Map<string, KernelProvenance>();
  return {
    candidates: kernels,
    async measure(candidate, iterations, untilLost) {
      provenances.set(candidate.id, (await findKernel(candidate.id).resolve()).provenance);
      const output = await runUnderKernel({ plan: plan(settings, build, iterations, untilLost), kernel: candidate.id, onLine });
      const records = readRun(output.runId).records;
      records.forEach((record, index) => settings.reporter?.iteration?.(record, index + 1, records.length));
      return { records, runId: output.runId };
    },
    provenance: (candidate) => ({ kernel: provenances.get(candidate.id) }),
  };
}

/** Kernel commits built with the user's command, each then run like a kernel of a list. */
export function kernelRevisionSubject(tree: KernelRevisionTree, revisions: readonly Revision[], build: string, settings: SuiteSettings, log: BuildLog, onLine?: (line: string) => void): ProvenancedSubject {
  const byPath = kernelSubject([], build, settings, onLine);
  const bzImages = new Map<string, string>();
  return {
    candidates: revisionCandidates(revisions),
    async measure(candidate, iterations, untilLost) {
      const bzImage = await buildKernelRevision(tree, candidate.id, log);
      bzImages.set(candidate.id, bzImage);
      return byPath.measure({ id: bzImage, label: candidate.label }, iterations, untilLost);
    },
    provenance: (candidate) => {
      const bzImage = bzImages.get(candidate.id);
      return bzImage ? byPath.provenance({ id: bzImage, label: candidate.label }) : {};
    },
  };
}

/** `--kernels`: a comma-separated list of kernel names or bzImage paths, or a folder of bzImages (in natural name order). */
export function kernelList(spec: string): BisectCandidate[] {
  if (!spec.includes(',') && fs.existsSync(spec) && fs.statSync(spec).isDirectory()) {
    return fs
      .readdirSync(spec)
      .filter((name) => fs.statSync(path.join(spec, name)).isFile())
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((name) => ({ id: path.resolve(spec, name), label: name }));
  }
  return spec
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => (item.includes('/') ? { id: path.resolve(item), label: path.basename(item) } : { id: item, label: item }));
}
