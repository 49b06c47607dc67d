import { execa } from 'execa';
import { type ProcessFailure, ProcessError, processFailure } from '../errors.js';

export class PackageInstallError extends ProcessError {
  constructor(packages: string[], failure: ProcessFailure) {
    super(
      'PACKAGE_INSTALL_FAILED',
      `apt-get could not install ${packages.join(' ')}:\n${failure.outputTail}\n` + `Run slotlab as root on Debian 12 with its package archive reachable, or install them yourself.`,
      failure,
    );
  }
}

export async function installedVersion(pkg: string): Promise<string | undefined> {
  const result = await execa('dpkg-query', ['-W', '-f', '${Status}\t${Version}', pkg], { reject: false });
  const [status, version] = result.stdout.split('\t');
  return result.exitCode === 0 && status === 'install ok installed' ? version : undefined;
}

export async function missingPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) if ((await installedVersion(pkg)) === undefined) missing.push(pkg);
  return missing;
}

let listsUpdated: Promise<ProcessFailure | undefined> | undefined;

/** Installs whatever of `packages` is missing, from the system's own apt sources. */
export async function ensurePackages(packages: readonly string[], log: (line: string) => void): Promise<string[]> {
  const missing = await missingPackages(packages);
  if (missing.length === 0) return [];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  // The package lists are read once per process: a setup installs in several steps.
  listsUpdated ??= execa('apt-get', ['update'], { env, reject: false, all: true, stdin: 'ignore' }).then((update) => (update.exitCode === 0 ? undefined : processFailure(update)));
  const updateFailure = await listsUpdated;
  if (updateFailure) {
    listsUpdated = undefined;
    throw new PackageInstallError(missing, updateFailure);
  }
  const install = await execa('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    env,
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  if (install.exitCode !== 0) throw new PackageInstallError(missing, processFailure(install));
  return missing;
}
