// tier: unit
import t from 'tap';
import { barChart, lineChart } from '../../orchestrator/reports/svg-charts.js';

t.test('a step chart has one path per series, escaped names and a legend', async (t) => {
  const svg = lineChart(
    [
      { name: 'a<b>', points: [[0, 1], [5, 0.5], [10, 0]] },
      { name: 'c', points: [[0, 1], [5000, 1]] },
    ],
    { title: 'T&T', xLabel: 'x', yLabel: 'y', logX: true, yMax: 1, steps: true },
  );
  t.equal(svg.match(/<path /g)?.length, 2);
  t.match(svg, /<title>a&lt;b&gt;<\/title>/);
  t.match(svg, /aria-label="T&amp;T"/);
  const first = /<path d="([^"]+)"/.exec(svg)![1]!;
  t.equal(first.split(' ').length, 5, 'steps: a horizontal then a vertical segment per change');
  t.match(svg, />1k</, 'log ticks');
});

t.test('bars scale to the largest value', async (t) => {
  const svg = barChart(
    [
      { colour: 0, name: 'x', value: 100, label: '100/s' },
      { colour: 1, name: 'y', value: 50, label: '50/s' },
    ],
    'rates',
  );
  const widths = [...svg.matchAll(/<rect x="200" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  t.equal(widths.length, 2);
  t.equal(widths[1]! * 2, widths[0]);
});
