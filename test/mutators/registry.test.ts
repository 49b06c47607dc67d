// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { HOST_CONTEXT } from '../../orchestrator/run-context.js';
import { MUTATORS, MUTATOR_KINDS, mutatorPlugin, mutatorSchema } from '../../orchestrator/mutators/registry.js';
import { repoRoot } from '../../orchestrator/paths.js';
import { parseSuite } from '../../orchestrator/suites/load-suite.js';

/** Files of the mutators folder that are machinery, not a kind. */
const MACHINERY = ['mutator.ts', 'registry.ts', 'mutation-loop.ts', 'watch-loop.ts'];

t.test('one plugin per kind, and every kind file of the folder is registered', async (t) => {
  t.equal(new Set(MUTATOR_KINDS).size, MUTATORS.length, 'kinds are unique');
  const files = fs.readdirSync(path.join(repoRoot, 'orchestrator', 'mutators')).filter((name) => name.endsWith('.ts') && !MACHINERY.includes(name));
  t.same([...files.map((name) => name.replace(/\.ts$/, ''))].sort(), [...MUTATOR_KINDS].sort(), 'a file per kind, named after it');
  for (const kind of MUTATOR_KINDS) t.equal(mutatorPlugin({ kind } as never).kind, kind);
});

t.test("the suite schema takes its mutators from the registry: every kind parses, an unknown one is refused", async (t) => {
  const minimal: Record<string, unknown> = {
    'pam-toggle': {},
    'config-toggle': { register: 0x72, values: [0x0a, 0x4a] },
    'pam-guest': {},
    'dirty-log': {},
    'dimm-churn': {},
    'virtio-mem-resize': { device: 'vm0', sizesMiB: [0, 128] },
    mixed: { mutators: [{ kind: 'pam-toggle' }, { kind: 'config-toggle', register: 0x72, values: [0, 1] }] },
    none: {},
  };
  for (const kind of MUTATOR_KINDS) {
    const parsed = mutatorSchema.safeParse({ kind, ...(minimal[kind] as object) });
    t.ok(parsed.success, `${kind}: ${parsed.success ? 'parses' : JSON.stringify(parsed.error.issues[0])}`);
  }
  const suite = (kind: string) => `name: x\ndescription: x\nmachine: { type: pc, cpus: 2, memoryMiB: 128 }\nguest: { image: spin }\nmutator: { kind: ${kind} }\nstop: { durationSeconds: 1 }\nrepetitions: 1\n`;
  t.throws(() => parseSuite(suite('teleport'), '/x/x.yaml'), { code: 'BAD_SUITE', message: /field mutator\.kind/ });
  t.doesNotThrow(() => parseSuite(suite('none'), '/x/x.yaml'));
});

t.test('an in-guest mutator says it needs the spin mailbox, and refuses to run without one', async (t) => {
  t.same(MUTATORS.filter((plugin) => 'needsMailbox' in plugin && plugin.needsMailbox).map((plugin) => plugin.kind), ['pam-guest', 'weeds']);
  const plugin = mutatorPlugin({ kind: 'pam-guest', register: 0x59, values: [0x10, 0x30], checkEverySeconds: 0.1 });
  await t.rejects(
    plugin.run({ kind: 'pam-guest', register: 0x59, values: [0x10, 0x30], checkEverySeconds: 0.1 }, { qmp: undefined as never, limits: { mutations: 1, durationMs: 1 }, hooks: { lost: () => false, checkpoint: async () => true }, tally: { attempted: 0, applied: 0, latenciesUs: [], startedAtMs: 0, endedAtMs: undefined, stoppedBy: undefined }, seed: 0, timeouts: HOST_CONTEXT.timeouts }),
    { code: 'NO_MAILBOX' },
  );  const weeds = mutatorPlugin({ kind: 'weeds', vcpu: 1, address: 0xc000_0000, checkEverySeconds: 0.1 });
  await t.rejects(
    weeds.run({ kind: 'weeds', vcpu: 1, address: 0xc000_0000, checkEverySeconds: 0.1 }, { qmp: undefined as never, limits: { mutations: 1, durationMs: 1 }, hooks: { lost: () => false, checkpoint: async () => true }, tally: { attempted: 0, applied: 0, latenciesUs: [], startedAtMs: 0, endedAtMs: undefined, stoppedBy: undefined }, seed: 0, timeouts: HOST_CONTEXT.timeouts }),
    { code: 'NO_MAILBOX', message: /weeds mutator configures the spin guest's NMI handler/ },
  );
});
