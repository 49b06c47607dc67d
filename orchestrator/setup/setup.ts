import { knownBuilds } from '../builds/build-registry.js';
import type { BuildDefinition, BuildProgress } from '../builds/build-types.js';
import { IMAGE_NAMES, buildImage } from '../images/build-images.js';
import { L1_PACKAGES, buildL1Initramfs } from '../images/l1-image.js';
import { buildLinuxGuestInitramfs } from '../images/linux-guest-image.js';
import { KERNELS, findKernel } from '../kernels/kernel-registry.js';
import type { KernelDefinition } from '../kernels/kernel-types.js';
import { kvmProblem } from '../machine/machine.js';
import { NESTED_KERNEL } from '../runner/linux-guest.js';
import { ensurePackages } from './system-packages.js';

/** Debian packages the main job needs on top of a bare Debian 12. */
export const SYSTEM_PACKAGES = ['qemu-system-x86', 'nasm', 'util-linux', 'dpkg-dev'] as const;
/** And what the tests need besides: a browser to render the HTML report, git for the bisection histories, python3 to run a reproducer. */
export const TEST_PACKAGES = ['chromium', 'git', 'python3'] as const;

export interface SetupOptions {
  /** Everything the tests use: every built-in build and kernel, every image, the test packages. */
  forTests?: boolean;
  /** Every kernel under test besides (implied by forTests). */
  kernels?: boolean;
  /** The builds the main job runs (without forTests only these are built; anything else is built when a command first asks for it). */
  builds?: readonly string[];
  /** Whether this host's KVM can run the guests itself; where it cannot, the main job's nested fallback kernel is set up too. */
  kvmUsable?: boolean;
}

/** One step of setup and what it took: `.ci/run` and `npm run bench` print these. */
export interface SetupStep {
  step: string;
  seconds: number;
  /** Already in place (nothing built, fetched or installed). */
  cached: boolean;
}

/** The line setup prints for a step, and the one its readers parse (`setup step <name>: <s> s (cached|done)`). */
export function setupStepLine(step: SetupStep): string {
  return `setup step ${step.step}: ${step.seconds.toFixed(1)} s (${step.cached ? 'cached' : 'done'})`;
}

export function parseSetupStepLine(line: string): SetupStep | undefined {
  const match = /setup step (\S+): ([\d.]+) s \((cached|done)\)/.exec(line);
  return match ? { step: match[1]!, seconds: Number(match[2]), cached: match[3] === 'cached' } : undefined;
}

/** The builds and kernels a setup of these options prepares, in order (no side effect: doctor and the tests read it). */
export function setupScope(options: SetupOptions): { builds: BuildDefinition[]; kernels: KernelDefinition[]; images: boolean; l1Initramfs: boolean; linuxGuest: boolean } {
  const all = knownBuilds().filter((candidate) => candidate.inSetup);
  const builds = options.forTests ? all : all.filter((build) => (options.builds ?? all.map((each) => each.name)).includes(build.name));
  const nested = options.kvmUsable === false;
  const kernels = options.forTests || options.kernels ? [...KERNELS] : nested ? [findKernel(NESTED_KERNEL)] : [];
  return { builds, kernels, images: true, l1Initramfs: Boolean(options.forTests || options.kernels || nested), linuxGuest: Boolean(options.forTests) };
}

/**
 * Installs, downloads and builds what the command needs; each step is a no-op
 * when already done, and each says what it took. Returns the steps.
 */
export async function setup(log: (line: string) => void, options: SetupOptions = {}): Promise<SetupStep[]> {
  const kvmUsable = options.kvmUsable ?? kvmProblem() === undefined;
  const scope = setupScope({ ...options, kvmUsable });
  const steps: SetupStep[] = [];
  const timed = async (step: string, work: () => Promise<boolean>) => {
    const started = performance.now();
    const cached = await work();
    const done = { step, seconds: (performance.now() - started) / 1000, cached };
    steps.push(done);
    log(setupStepLine(done));
  };
  const progress =
    (kind: string): BuildProgress =>
    (event) => {
      if (event.phase !== 'compile' || event.done === undefined) log(`${kind} ${event.build}: ${event.phase}`);
      else if (event.total !== undefined && event.done % 200 === 0) log(`${kind} ${event.build}: compile ${event.done}/${event.total}`);
    };
  // Every package the scope's steps will ask for, in one apt-get: the builds' and kernels' own calls then find them.
  const packages = [...SYSTEM_PACKAGES, ...(options.forTests ? TEST_PACKAGES : []), ...scope.builds.flatMap((build) => build.packages ?? []), ...(scope.l1Initramfs ? L1_PACKAGES : []), ...scope.kernels.flatMap((kernel) => kernel.packages ?? [])];
  await timed('packages', async () => (await ensurePackages([...new Set(packages)], log)).length === 0);
  for (const build of scope.builds) {
    await timed(`build:${build.name}`, async () => {
      let worked = false;
      await build.prepare(
        (line) => {
          worked = true;
          log(line);
        },
        (event) => {
          worked = true;
          progress('build')(event);
        },
      );
      const resolved = await build.resolve();
      log(`build ${resolved.name}: ${resolved.provenance.version}`);
      return !worked;
    });
  }
  await timed('images', async () => {
    let cached = true;
    for (const name of IMAGE_NAMES) {
      const image = await buildImage(name);
      cached &&= image.cached;
      log(`image ${name}: ${image.path}${image.cached ? ' (cached)' : ' (built)'}`);
    }
    if (scope.l1Initramfs) {
      const initramfs = await buildL1Initramfs(log);
      cached &&= initramfs.cached;
      log(`image l1-initramfs (kernel under test's init, busybox, kvm-probe): ${initramfs.path}${initramfs.cached ? ' (cached)' : ' (built)'}`);
    }
    if (scope.linuxGuest) {
      const guestInitramfs = await buildLinuxGuestInitramfs(log);
      cached &&= guestInitramfs.cached;
      log(`image linux-guest (the Linux guest's init, busybox): ${guestInitramfs.path}${guestInitramfs.cached ? ' (cached)' : ' (built)'}`);
    }
    return cached;
  });
  for (const kernel of scope.kernels) {
    await timed(`kernel:${kernel.name}`, async () => {
      let worked = false;
      await kernel.prepare(
        (line) => {
          worked = true;
          log(line);
        },
        (event) => {
          worked = true;
          progress('kernel')(event);
        },
      );
      log(`kernel ${kernel.name}: ${(await kernel.resolve()).bzImage}`);
      return !worked;
    });
  }
  const total = steps.reduce((sum, step) => sum + step.seconds, 0);
  log(`setup steps: ${steps.length}, ${total.toFixed(1)} s in all${scope.builds.length < knownBuilds().filter((b) => b.inSetup).length ? ' (the other builds and kernels are built when a command first asks for them)' : ''}`);
  return steps;
}
