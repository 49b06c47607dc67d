import { BUILD_FAMILIES } from '../builds/build-types.js';
import { listSuites, loadSuite } from '../suites/load-suite.js';

/** One line per suite: name, description, and the expected outcome per build family. */
export function suitesCommand(): number {
  const names = listSuites();
  const width = Math.max(...names.map((name) => name.length));
  for (const name of names) {
    const { suite } = loadSuite(name);
    const expect = BUILD_FAMILIES.map((family) => `${family} ${suite.expect[family] ?? '-'}`).join(', ');
    process.stdout.write(`${name.padEnd(width)}  ${suite.description}\n${' '.repeat(width)}  ${suite.machine.type}, ${suite.machine.cpus} vCPUs, mutator ${suite.mutator.kind}; expect: ${expect}\n`);
  }
  return 0;
}
