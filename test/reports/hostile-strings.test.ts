// tier: unit
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { Parser } from 'tap-parser';
import { renderReport } from '../../orchestrator/reports/render.js';
import { escapeMarkdownCell } from '../../orchestrator/reports/escape.js';
import { renderTable } from '../../orchestrator/reports/run-table.js';
import { MARKUP, hostile, hostileRecords, hostileReport } from '../fixtures/hostile.js';
import { tempDir } from '../fixtures/temp-dir.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const model = hostileReport();
const CELLS = model.cells.length;

/** Encodes as UTF-8 and back unchanged: no lone surrogate, nothing a strict decoder refuses. */
function validUtf8(text: string): boolean {
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'utf8')) === text && !/[\ud800-\udfff](?<![\ud800-\udbff][\udc00-\udfff])/.test(text.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''));
}

/** The hostile string's first line as a one-line format shows it: markup as is, the line break as a visible \n. */
const shown = (field: string) => `${MARKUP} ${field}\\nsecond line`;

t.test('fixture: one cell holds the hostile strings, beside the fixed ones', async (t) => {
  t.equal(CELLS, 4);
  t.ok(model.cells.some((cell) => cell.build === hostile('build') && cell.suite === hostile('suite')));
});

t.test('text: one table row per cell, no control characters, the text shown on one line', async (t) => {
  const text = renderReport(model, 'text');
  t.ok(validUtf8(text), 'valid UTF-8');
  // eslint-disable-next-line no-control-regex
  t.notMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control character but the line break');
  const lines = text.split('\n');
  const dashes = lines.findIndex((line) => /^-+ {2}/.test(line));
  const rows = lines.slice(dashes + 1, lines.indexOf('', dashes));
  t.equal(rows.length, CELLS, 'one row per cell');
  t.ok(lines[0]!.startsWith(shown('title')) && lines[0]!.endsWith('\\n\\x07\\x1b[31m f\ufffd\ufffd(\ufffd\ufffd\ufffdg \ufffd end'), `the title on one line: ${JSON.stringify(lines[0])}`);
  for (const field of ['build', 'suite', 'version', 'cpu', 'kernel', 'run']) t.ok(text.includes(shown(field)), `${field} shown`);
  t.ok(text.includes(`UNEXPECTED: ${MARKUP} error\n`), 'an error by its first line');
});

t.test('markdown: table rows keep their eleven cells, markup shown as text', async (t) => {
  const text = renderReport(model, 'md');
  t.ok(validUtf8(text), 'valid UTF-8');
  t.notMatch(text.replace(/`` .*? ``|`[^`\n]*`/g, ''), /<script/i, 'no raw HTML a renderer would act on, outside code spans');
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.startsWith('|---'));
  const rows = lines.slice(header + 1, lines.indexOf('', header));
  t.equal(rows.length, CELLS, 'one row per cell: no line break split a row');
  for (const row of rows) t.equal(row.split(/(?<!\\)\|/).length, 13, 'eleven cells: every pipe in the text is escaped');
  const markup = '&lt;script>alert("x")&lt;/script> & \\| ]]> # SKIP';
  for (const field of ['build', 'suite']) t.ok(rows.some((row) => row.includes(`${markup} ${field}\\nsecond line`)), `${field} shown escaped`);
  t.equal(lines.filter((line) => line.startsWith('- **')).length, 4, 'one line per build');
  t.ok(text.includes('`` <script>alert("x")</script> & | ]]> # SKIP binary`path\\nsecond line'), 'a binary path with a backtick in a longer code fence');
  t.equal(lines.filter((line) => line.startsWith('- `')).length, model.runs.length, 'one line per run');
  t.ok(text.includes(`${markup} cpu\\nsecond line`), 'host CPU shown escaped');
  t.ok(text.includes('safe (p < ') || !text.includes('safe ('), 'a bare < is left as it reads');
  t.equal(escapeMarkdownCell('a &amp; b &#60; <b> & c < 1 <!-- x'), 'a &amp;amp; b &amp;#60; &lt;b> & c < 1 &lt;!-- x', 'entities and tags neutralised, plain text left');
});

t.test('TAP: a parser sees one test point per cell, no directive the text did not mean', async (t) => {
  const text = renderReport(model, 'tap');
  t.ok(validUtf8(text), 'valid UTF-8');
  const parser = new Parser();
  const asserts: { ok: boolean; name: string; skip: unknown; todo: unknown }[] = [];
  const extra: string[] = [];
  parser.on('assert', (point: { ok: boolean; name: string; skip: unknown; todo: unknown }) => asserts.push(point));
  parser.on('extra', (line: string) => extra.push(line));
  const done = new Promise<{ ok: boolean; count: number; plan: { end: number } }>((resolve) => parser.on('complete', resolve));
  parser.end(text);
  const result = await done;
  t.equal(result.plan.end, CELLS);
  t.equal(asserts.length, CELLS, 'no line break made a test point of its own');
  t.same(extra, [], 'every line is TAP');
  t.same(asserts.filter((point) => point.skip || point.todo).map((point) => point.name), [], '"# SKIP" in a name is no directive');
  t.ok(asserts.some((point) => point.name.includes(`${MARKUP} suite\\nsecond line`) && point.name.includes(`${MARKUP} build\\nsecond line`)), 'the names as written');
});

t.test('JUnit: an XML parser reads it, and gets the names back as written', async (t) => {
  const text = renderReport(model, 'junit');
  t.ok(validUtf8(text), 'valid UTF-8');
  const dir = tempDir(t, 'slotlab-junit-');
  const file = path.join(dir, 'report.xml');
  fs.writeFileSync(file, text);
  const script = [
    'import json, sys, xml.etree.ElementTree as ET',
    'root = ET.parse(sys.argv[1]).getroot()',
    'cases = [{"suite": c.get("classname"), "name": c.get("name"), "failure": (c.find("failure").get("message") if c.find("failure") is not None else None), "out": c.findtext("system-out")} for c in root.iter("testcase")]',
    'print(json.dumps({"tests": root.get("tests"), "cases": cases}))',
  ].join('\n');
  const parsed = await execa('python3', ['-c', script, file], { reject: false });
  t.equal(parsed.exitCode, 0, `well-formed XML: ${parsed.stderr}`);
  const { tests, cases } = JSON.parse(parsed.stdout) as { tests: string; cases: { suite: string; name: string; failure: string | null; out: string }[] };
  t.equal(Number(tests), CELLS);
  t.equal(cases.length, CELLS);
  const hostileCase = cases.find((entry) => entry.name.startsWith(`${MARKUP} build\nsecond line`));
  t.ok(hostileCase, 'the build name, line break included, as written');
  t.ok(hostileCase!.suite.startsWith(`slotlab.${MARKUP} suite\nsecond line`), 'the suite name too');
  t.ok(hostileCase!.out.includes(`${MARKUP} version\nsecond line`), 'and the version in system-out');
  t.ok(hostileCase!.name.includes('\\x07') && hostileCase!.name.includes('\ufffd end'), 'characters XML cannot hold spelled out, not dropped');
});

t.test('JSON: every string comes back exactly', async (t) => {
  const text = renderReport(model, 'json');
  t.ok(validUtf8(text), 'valid UTF-8: a lone surrogate is escaped');
  const parsed = JSON.parse(text) as { title: string; cells: { build: string; suite: string; provenance: { version: string; binary: string } }[]; runs: { runId: string; host: { cpu: string } }[] };
  t.equal(parsed.title, hostile('title'));
  const cell = parsed.cells.find((entry) => entry.build === hostile('build'));
  t.ok(cell);
  t.equal(cell!.suite, hostile('suite'));
  t.equal(cell!.provenance.version, hostile('version'));
  t.equal(cell!.provenance.binary, hostile('binary`path'));
  const run = parsed.runs.find((entry) => entry.runId === hostile('run'));
  t.equal(run?.host.cpu, hostile('cpu'));
});

t.test('HTML: Chromium parses it with only the report\'s own script, and shows every field as text', async (t) => {
  const text = renderReport(model, 'html');
  t.ok(validUtf8(text), 'valid UTF-8');
  const dir = tempDir(t, 'slotlab-html-');
  const file = path.join(dir, 'report.html');
  fs.writeFileSync(file, text);
  const dom = await execa(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`, '--dump-dom', `file://${file}`], { reject: false, timeout: 120_000 });
  t.equal(dom.exitCode, 0, dom.stderr.slice(-2000));
  t.match(dom.stdout, new RegExp(`<body data-cells="${CELLS}" data-charts-rendered="\\d+">`), "the report's script ran to its end");
  t.equal(dom.stdout.match(/<script>/g)?.length, 1, 'no script but its own');
  t.equal(dom.stdout.match(/<table id="summary">/g)?.length, 1);
  // In the parsed DOM, text nodes come back serialized with &, < and > escaped.
  const markup = '&lt;script&gt;alert("x")&lt;/script&gt; &amp; | ]]&gt; # SKIP';
  for (const field of ['title', 'build', 'suite', 'version', 'source', 'binary`path', 'stderr', 'serial', 'guest-report', 'error', 'cpu', 'run', 'stop']) {
    t.ok(dom.stdout.includes(`${markup} ${field}\nsecond line`), `${field} shown as text`);
  }
  t.ok(dom.stdout.includes('\\x07\\x1b[31m'), 'control characters spelled out');
});

t.test("the terminal table of `slotlab run`: one row per record, nothing a terminal acts on", async (t) => {
  const records = hostileRecords();
  const text = renderTable(records);
  // eslint-disable-next-line no-control-regex
  t.notMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no escape sequence reaches the terminal');
  const lines = text.split('\n');
  t.equal(lines.slice(2, lines.indexOf('')).length, records.length, 'one row per record');
  t.ok(text.includes(shown('build')), 'the build name on one line');
});
