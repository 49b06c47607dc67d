import { execa } from 'execa';
import { SlotlabError } from '../errors.js';

export class PackageInstallError extends SlotlabError {
  constructor(packages: string[], output: string) {
    super(
      'PACKAGE_INSTALL_FAILED',
      `apt-get could not install ${packages.join(' ')}:\n${output.split('\n').slice(-12).join('\n')}\n` +
        `Run slotlab as root on Debian 12 with its package archive reachable, or install them yourself.`,
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

/** Installs whatever of `packages` is missing, from the system's own apt sources. */
export async function ensurePackages(packages: readonly string[], log: (line: string) => void): Promise<string[]> {
  const missing = await missingPackages(packages);
  if (missing.length === 0) return [];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const update = await execa('apt-get', ['update'], { env, reject: false, all: true, stdin: 'ignore' });
  if (update.exitCode !== 0) throw new PackageInstallError(missing, update.all ?? '');
  const install = await execa('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    env,
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  if (install.exitCode !== 0) throw new PackageInstallError(missing, install.all ?? '');
  return missing;
}
