import { createHash } from 'node:crypto';
import type { BuildProvenance, KernelProvenance, PatchProvenance } from '../results/provenance.js';
import type { IterationRecord } from '../results/record.js';
import type { CellStats } from '../stats/cell-stats.js';
import { CONFIDENCE } from '../stats/cell-stats.js';
import { hostText, verdictText } from './format.js';
import { type ReportModel, cellRecords } from './report-model.js';

/**
 * KernelCI's common report format (KCIDB I/O schema v5.3): one checkout per QEMU or kernel
 * source with its patch series, one build per QEMU build and per kernel under test, one test
 * per (suite, build, kernel) cell under the path `slotlab.<suite>`. Submitting it is
 * `kcidb-submit`'s part (credentials from KernelCI); this writes the document.
 */
export const KCIDB_VERSION = { major: 5, minor: 3 } as const;

export interface KcidbOptions {
  /** The submitter's origin: every id starts with `<origin>:` (lower case, digits, underscore). */
  origin?: string;
  /** Where this repository's files are served, e.g. `https://github.com/o/slotlab/raw/<commit>`: the patches' URLs start there (default: `file:` and the path in the repository). */
  sourceUrl?: string;
}

export const DEFAULT_ORIGIN = 'slotlab';
const ORIGIN_PATTERN = /^[a-z0-9_]+$/;

type Json = Record<string, unknown>;

/** Like KCIDB's own: sha256 over the newline-terminated sha256 of each patch, in order. */
export function patchsetHash(patches: readonly PatchProvenance[]): string {
  return createHash('sha256').update(patches.map((patch) => `${patch.sha256}\n`).join('')).digest('hex');
}

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);
/** An id part or a path part: KCIDB's path parts allow [a-zA-Z0-9_-] only. */
const part = (text: string) => text.replace(/[^a-zA-Z0-9_-]+/g, '_');

/** The repository path of a series patch: QEMU's under qemu-patches/<base>/, a kernel's under qemu-patches/linux-<base>/. */
function patchPath(tree: 'qemu' | 'linux', base: string | undefined, variant: string | undefined, name: string): string {
  const folder = tree === 'qemu' ? `qemu-patches/${base}` : `qemu-patches/linux-${base}`;
  return name.includes('/') ? `${folder}/${name}` : `${folder}/${variant}/${name}`;
}

interface Source {
  tree: 'qemu' | 'linux';
  source: string;
  base: string | undefined;
  variant: string | undefined;
  patches: readonly PatchProvenance[];
}

export function renderKcidb(model: ReportModel, options: KcidbOptions = {}): string {
  return JSON.stringify(kcidbDocument(model, options), null, 2) + '\n';
}

export function kcidbDocument(model: ReportModel, options: KcidbOptions = {}): Json {
  const origin = options.origin ?? DEFAULT_ORIGIN;
  if (!ORIGIN_PATTERN.test(origin)) throw new Error(`KCIDB origin '${origin}': use lower-case letters, digits and '_' only (the name KernelCI gave your submissions)`);
  const urlOf = (file: string) => (options.sourceUrl ? `${options.sourceUrl.replace(/\/$/, '')}/${file}` : `file:${file}`);
  const checkouts = new Map<string, Json>();
  const builds = new Map<string, Json>();

  const checkoutOf = (source: Source): string => {
    const hash = source.patches.length > 0 ? patchsetHash(source.patches) : undefined;
    const id = `${origin}:${source.tree}.${short(`${source.source}\n${hash ?? ''}`)}`;
    if (!checkouts.has(id)) {
      checkouts.set(id, {
        id,
        origin,
        tree_name: source.tree,
        ...(hash
          ? {
              // KCIDB's resource names are local file names (no '/'): the series folder is flattened into the name; misc.patches keeps it.
              patchset_files: source.patches.map((patch) => ({ name: patch.name.replace(/\//g, '-'), url: urlOf(patchPath(source.tree, source.base, source.variant, patch.name)) })),
              patchset_hash: hash,
            }
          : {}),
        valid: true,
        comment: source.source,
        misc: { source: source.source, ...(source.base ? { base: source.base } : {}), patches: source.patches.map((patch) => ({ name: patch.name, sha256: patch.sha256 })) },
      });
    }
    return id;
  };

  const qemuBuildOf = (build: BuildProvenance): string => {
    const id = `${origin}:qemu.${part(build.name)}.${build.sha256.slice(0, 12)}`;
    if (!builds.has(id)) {
      const checkout_id = checkoutOf({ tree: 'qemu', source: build.source, base: build.base, variant: build.variant, patches: build.patches ?? [] });
      builds.set(id, {
        id,
        origin,
        checkout_id,
        architecture: 'x86_64',
        ...(build.configure ? { command: build.configure } : {}),
        config_name: build.variant ?? build.kind,
        ...(build.builtAt ? { start_time: build.builtAt } : {}),
        ...(build.buildSeconds !== undefined ? { duration: build.buildSeconds } : {}),
        status: 'PASS',
        comment: `${build.name}: ${build.version}`,
        misc: { name: build.name, family: build.family, kind: build.kind, version: build.version, sha256: build.sha256, ...(build.cacheKey ? { cache_key: build.cacheKey } : {}) },
      });
    }
    return id;
  };

  const kernelBuildOf = (kernel: KernelProvenance): string => {
    const id = `${origin}:linux.${part(kernel.name)}.${kernel.sha256.slice(0, 12)}`;
    if (!builds.has(id)) {
      const checkout_id = checkoutOf({ tree: 'linux', source: kernel.source, base: kernel.base, variant: kernel.variant, patches: kernel.patches ?? [] });
      builds.set(id, {
        id,
        origin,
        checkout_id,
        architecture: 'x86_64',
        config_name: kernel.variant ?? kernel.kind,
        ...(kernel.builtAt ? { start_time: kernel.builtAt } : {}),
        ...(kernel.buildSeconds !== undefined ? { duration: kernel.buildSeconds } : {}),
        status: 'PASS',
        comment: `kernel under test ${kernel.name}`,
        misc: { name: kernel.name, kind: kernel.kind, sha256: kernel.sha256, ...(kernel.configSha256 ? { config_sha256: kernel.configSha256 } : {}) },
      });
    }
    return id;
  };

  const tests = model.cells.map((cell) => {
    const records = cellRecords(model, cell);
    const kernel = records[0]?.host.kernelUnderTest;
    const kernelBuild = kernel ? kernelBuildOf(kernel) : undefined;
    const runIds = [...new Set(records.map((record) => record.runId))].sort();
    const where = kernel ? part(kernel.name) : 'host';
    return {
      id: `${origin}:${part(cell.suite)}.${part(cell.build.split(' @ ')[0]!)}.${where}.${short(runIds.join('\n'))}`,
      origin,
      build_id: qemuBuildOf(cell.provenance),
      path: `slotlab.${part(cell.suite)}`,
      status: testStatus(cell),
      ...timing(records),
      environment: environmentOf(records[0]!.host, cell),
      number: lossNumber(cell),
      comment: `${cell.suite} on ${cell.build}: ${verdictText(cell.verdict)}${cell.expected ? `, expected ${cell.expected}` : ''}`,
      misc: testMisc(cell, runIds, kernelBuild),
    };
  });

  return { version: { ...KCIDB_VERSION }, checkouts: [...checkouts.values()], builds: [...builds.values()], tests };
}

/**
 * PASS: the verdict matches the suite's expectation. FAIL: it contradicts it. MISS: no
 * iteration ran (every one a harness error). ERROR: too few ran to decide because iterations
 * failed. DONE: a measurement without an expectation (e.g. stock on firmware-boot), or
 * inconclusive without harness errors.
 */
export function testStatus(cell: CellStats): 'PASS' | 'FAIL' | 'ERROR' | 'MISS' | 'DONE' {
  if (cell.iterations === 0) return 'MISS';
  if (cell.agrees === true) return 'PASS';
  if (cell.agrees === false) return 'FAIL';
  return cell.errors > 0 && cell.verdict.kind === 'inconclusive' ? 'ERROR' : 'DONE';
}

function timing(records: readonly IterationRecord[]): { start_time?: string; duration?: number } {
  if (records.length === 0) return {};
  const start = records.map((record) => record.startedAt).sort()[0]!;
  const seconds = records.reduce((sum, record) => sum + record.durationMs, 0) / 1000;
  return { start_time: start, duration: Math.round(seconds * 1000) / 1000 };
}

function environmentOf(host: IterationRecord['host'], cell: CellStats): Json {
  const { kernelUnderTest, ...machine } = host;
  return {
    comment: kernelUnderTest ? `inside kernel under test ${kernelUnderTest.name} (L1 under TCG${cell.shadowPaging ? ', shadow paging' : ''}): ${hostText(host)}` : hostText(host),
    misc: { ...machine, ...(kernelUnderTest ? { kernel_under_test: kernelUnderTest.name } : {}) },
  };
}

/** The loss rate per the verdict's exposure unit (mutations; iterations for suites that mutate nothing). */
function lossNumber(cell: CellStats): Json {
  const perMutation = cell.mutationsApplied > 0 && !(cell.verdict.kind === 'safe' && cell.verdict.unit === 'iteration');
  const interval = perMutation ? cell.lossPerMutation : cell.lossPerIteration;
  return { value: interval.estimate, unit: perMutation ? 'losses/mutation' : 'losses/iteration' };
}

function testMisc(cell: CellStats, runIds: string[], kernelBuild: string | undefined): Json {
  return {
    family: cell.family,
    expected: cell.expected,
    verdict: cell.verdict.kind,
    verdict_text: verdictText(cell.verdict),
    agrees: cell.agrees,
    iterations: cell.iterations,
    losses: cell.losses,
    survived: cell.survived,
    stalled: cell.stalled,
    livelocks: cell.livelocks,
    errors: cell.errors,
    mutations_applied: cell.mutationsApplied,
    confidence: CONFIDENCE,
    loss_per_iteration: cell.lossPerIteration,
    loss_per_mutation: cell.lossPerMutation,
    safe_below: cell.safeBelow,
    run_ids: runIds,
    ...(kernelBuild ? { kernel_build_id: kernelBuild } : {}),
  };
}
