import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { UNLIMITED_MUTATIONS } from '../../orchestrator/suites/suite-schema.js';
import { SuiteError, listSuites, loadSuite, parseSuite, suiteFile } from '../../orchestrator/suites/load-suite.js';

const valid = fs.readFileSync('suites/pam-qmp.yaml', 'utf8');

t.test('pam-qmp is what the suite promises', async (t) => {
  const { suite, sha256 } = loadSuite('pam-qmp');
  t.equal(suite.machine.type, 'pc');
  t.equal(suite.machine.cpus, 3);
  t.equal(suite.guest.codeAddress, 0x100000);
  t.same(suite.mutator, { kind: 'pam-toggle', register: 0x59, values: [0x10, 0x30], batch: 100 });
  t.same(suite.stop, { mutations: 5000, durationSeconds: 30 });
  t.equal(suite.repetitions, 3);
  t.same(suite.expect, { stock: 'race', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe' });
  t.equal(suite.safeBelow, 0.001);
  t.match(sha256, /^[0-9a-f]{64}$/);
  t.ok(listSuites().includes('pam-qmp'));
});

t.test('control-idle mutates nothing and is limited by duration alone', async (t) => {
  const { suite } = loadSuite('control-idle');
  t.same(suite.mutator, { kind: 'none', checkEverySeconds: 0.1 });
  t.equal(suite.stop.mutations, UNLIMITED_MUTATIONS, 'no mutation count: the default');
  t.same(suite.expect, { stock: 'safe', 'paused-vcpu': 'safe', 'atomic-ioctl': 'safe' });
  t.same(listSuites(), ['control-idle', 'pam-guest', 'pam-qmp']);
});

t.test('pam-guest: the guest mutates, two values', async (t) => {
  const { suite } = loadSuite('pam-guest');
  t.same(suite.mutator, { kind: 'pam-guest', register: 0x59, values: [0x10, 0x30], checkEverySeconds: 0.1 });
  t.equal(suite.stop.mutations, 20000);
  const text = fs.readFileSync('suites/pam-guest.yaml', 'utf8').replace('values: [0x10, 0x30]', 'values: [0x10, 0x30, 0x00]');
  t.throws(() => parseSuite(text, '/x/pam-guest.yaml'), { message: /field mutator\.values/ });
});

t.test('a suite is found by stem or by path', async (t) => {
  t.match(suiteFile('pam-qmp'), /suites\/pam-qmp\.yaml$/);
  t.equal(suiteFile('./x/y.yaml'), path.resolve('x/y.yaml'));
});

const broken: [string, string, RegExp][] = [
  ['a wrong type', valid.replace('cpus: 3', 'cpus: three'), /field machine\.cpus: .*number/],
  ['an unknown field', valid.replace('repetitions: 3', 'repetitions: 3\nrepetitons: 4'), /\(top level\).*repetitons/],
  ['a missing field', valid.replace(/  durationSeconds: 30\n/, ''), /field stop\.durationSeconds/],
  ['a bad list element', valid.replace('values: [0x10, 0x30]', 'values: [0x10, 300]'), /field mutator\.values\[1\]/],
  ['an unknown mutator', valid.replace('kind: pam-toggle', 'kind: pam-flip'), /field mutator\.kind/],
  ['a field of another mutator', valid.replace('kind: pam-toggle', 'kind: none'), /field mutator: .*register/],
  ['broken YAML', 'machine: [', /not valid YAML/],
  ['an unknown build family', valid.replace('  stock: race', '  stok: race'), /field expect/],
  ['an unknown expectation', valid.replace('  stock: race', '  stock: racy'), /field expect\.stock/],
];
for (const [what, text, message] of broken) {
  t.test(`${what} is one error naming the file and field`, async (t) => {
    const error = (() => {
      try {
        parseSuite(text, '/x/broken.yaml');
      } catch (caught) {
        return caught;
      }
    })() as SuiteError;
    t.type(error, SuiteError);
    t.equal(error.code, 'BAD_SUITE');
    t.match(error.message, /^\/x\/broken\.yaml: /);
    t.match(error.message, message);
  });
}

t.test('a missing file lists the suites there are', async (t) => {
  t.throws(() => loadSuite('nope'), { code: 'BAD_SUITE', message: /no such suite file; name one of .*pam-qmp/ });
});

t.test('a suite in suites/ must be named like its file', async (t) => {
  t.throws(() => parseSuite(valid.replace('name: pam-qmp', 'name: other'), path.resolve('suites/pam-qmp.yaml')), /must equal the file name 'pam-qmp'/);
  const dir = tempDir(t, 'slotlab-suite-');
  fs.writeFileSync(path.join(dir, 'mine.yaml'), valid);
  t.equal(loadSuite(path.join(dir, 'mine.yaml')).suite.name, 'pam-qmp', 'a suite elsewhere may keep its name');
});
