// tier: unit
import t from 'tap';
import { renderJunit } from '../../orchestrator/reports/junit-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderJunit(fixedReport()));
});

t.test('one test case per cell; the contradicted one fails', async (t) => {
  const xml = renderJunit(fixedReport());
  t.match(xml, /<testsuites name="slotlab" tests="3" failures="1">/);
  t.equal(xml.match(/<testcase /g)?.length, 3);
  t.equal(xml.match(/<failure /g)?.length, 1);
  t.match(xml, /name="patched-&lt;b&gt;&quot;x&quot;&lt;\/b&gt;">\n\s+<failure message="pam-qmp on patched-&lt;b&gt;/);
});
