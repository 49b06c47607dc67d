import { CELL_FAMILIES } from '../results/provenance.js';
import { listSuites, loadSuite } from '../suites/load-suite.js';

/** One line per suite: name, description, and the expected outcome per cell family. */
export function suitesCommand(): number {
  const names = listSuites();
  const width = Math.max(...names.map((name) => name.length));
  for (const name of names) {
    const { suite } = loadSuite(name);
    const expect = CELL_FAMILIES.map((family) => `${family} ${suite.expect[family] ?? '-'}`).join(', ');
    process.stdout.write(`${name.padEnd(width)}  ${suite.description}\n${' '.repeat(width)}  ${suite.machine.type}, ${suite.machine.cpus} vCPUs, mutator ${suite.mutator.kind}; expect: ${expect}\n`);
  }
  return 0;
}
