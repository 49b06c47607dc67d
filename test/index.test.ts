// tier: unit
import t from 'tap';
import * as slotlab from '../orchestrator/index.js';

t.test('the public API exports the entry points', async (t) => {
  for (const name of ['QmpClient', 'QemuMachine', 'RunStateWatch', 'runPlan', 'makePlan', 'loadSuite', 'readRun', 'allCellStats', 'renderReport', 'mutatorPlugin', 'liveReporter', 'cellFamily', 'attemptIteration', 'readPlanFile', 'launchQemu', 'QmpTranscript', 'parseTranscript', 'writeFlight', 'makeRepro', 'pickIteration']) {
    t.type((slotlab as Record<string, unknown>)[name], 'function', name);
  }
  t.equal(slotlab.RECORD_SCHEMA, 'slotlab.iteration/1');
  t.ok(slotlab.iterationRecordSchema.safeParse({}).success === false, 'the record validator is exported');
  t.ok(slotlab.MUTATORS.length > 0 && slotlab.REPORTER_NAMES.includes('json'), 'the registries are exported');
});
