// tier: unit
import t from 'tap';
import { renderTap } from '../../orchestrator/reports/tap-report.js';
import { fixedReport } from '../fixtures/report-model.js';

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderTap(fixedReport()));
});

t.test('TAP 14 with the contradicted cell not ok', async (t) => {
  const lines = renderTap(fixedReport()).split('\n');
  t.same(lines.slice(0, 2), ['TAP version 14', '1..3']);
  t.match(lines[2], /^ok 1 - pam-qmp on debian-7\.2: race \(expected race\)$/);
  t.match(lines[3], /^ok 2 - pam-qmp on debian-bpo-10\.0: safe \(p < .* per mutation at 95%\) \(expected safe\)$/);
  t.match(lines[4], /^not ok 3 - pam-qmp on patched-<b>"x"<\/b>: race \(expected safe\)$/);
});
