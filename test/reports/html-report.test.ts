// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { tempDir } from '../fixtures/temp-dir.js';
import { renderHtml } from '../../orchestrator/reports/html-report.js';
import { fixedReport } from '../fixtures/report-model.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

t.test('snapshot', async (t) => {
  t.matchSnapshot(renderHtml(fixedReport()));
});

t.test('hostile strings from QEMU output and build names are escaped', async (t) => {
  const html = renderHtml(fixedReport());
  t.notMatch(html, /<script>alert/);
  t.match(html, /&lt;script&gt;alert\(&quot;pwned&quot;\)&lt;\/script&gt; &amp; more/);
  t.notMatch(html, /<b>"x"<\/b>/);
  t.match(html, /patched-&lt;b&gt;&quot;x&quot;&lt;\/b&gt;/);
  t.equal(html.match(/<script>/g)?.length, 1, 'only the report\'s own script');
});

t.test('self-contained: nothing is loaded from elsewhere', async (t) => {
  const html = renderHtml(fixedReport());
  t.notMatch(html, /\b(?:src|href)=/);
  t.notMatch(html, /@import|url\(/);
});

t.test('provenance is one click away: one <details> per cell', async (t) => {
  const html = renderHtml(fixedReport());
  t.match(html, /<details><summary>pam-qmp on debian-7\.2: QEMU emulator version 7\.2\.22/);
  t.match(html, new RegExp(`<code>${'b'.repeat(64)}</code>`));
});

t.test('headless Chromium renders the charts without script errors', { skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: run npm run setup -- --tests` }, async (t) => {
  const dir = tempDir(t, 'slotlab-html-');
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, renderHtml(fixedReport()));
  const profile = path.join(dir, 'profile');
  const dom = await execa(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--dump-dom', `file://${file}`], { reject: false, timeout: 120_000 });
  t.equal(dom.exitCode, 0, dom.exitCode === 0 ? 'chromium --dump-dom exits 0' : dom.stderr.slice(-2000));
  t.match(dom.stdout, /<body data-cells="3" data-charts-rendered="8">/, 'the report script ran and found every series and bar');
  t.equal(dom.stdout.match(/<svg class="chart"/g)?.length, 3, 'two charts for the one suite plus the progress bars');
  const png = path.join(dir, 'report.png');
  const shot = await execa(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--screenshot=${png}`, '--window-size=1280,1600', `file://${file}`], { reject: false, timeout: 120_000 });
  t.equal(shot.exitCode, 0, shot.exitCode === 0 ? 'chromium --screenshot exits 0' : shot.stderr.slice(-2000));
  const image = fs.readFileSync(png);
  t.equal(image.subarray(1, 4).toString(), 'PNG');
  t.ok(image.length > 20_000, `a screenshot with content (${image.length} bytes)`);
  if (process.env.SLOTLAB_KEEP_SCREENSHOT) fs.copyFileSync(png, process.env.SLOTLAB_KEEP_SCREENSHOT);
});
