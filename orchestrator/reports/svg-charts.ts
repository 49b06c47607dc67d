import { escapeHtml } from './escape.js';

export interface Series {
  name: string;
  points: [number, number][];
}

interface Axes {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Plot x on a log10(1 + x) scale. */
  logX?: boolean;
  yMax?: number;
  /** Draw as steps (survival curves) rather than straight segments. */
  steps?: boolean;
}

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { left: 56, right: 170, top: 28, bottom: 40 };
/** Legends sit right of the plot, where they cannot hide a line. */
const LEGEND_X = WIDTH - MARGIN.right + 14;
const PALETTE = ['#c0392b', '#2471a3', '#1e8449', '#7d3c98', '#b9770e', '#566573'];

function fmt(n: number): string {
  return Number(n.toFixed(1)).toString();
}

function tickLabel(value: number): string {
  if (value >= 1_000_000) return `${value / 1_000_000}M`;
  if (value >= 1000) return `${value / 1000}k`;
  return String(Math.round(value * 100) / 100);
}

/** A line (or step) chart of several series, with axes, ticks and a legend; one self-contained <svg>. */
export function lineChart(series: readonly Series[], axes: Axes): string {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const xMax = Math.max(1, ...xs);
  const yMax = axes.yMax ?? Math.max(1e-9, ...series.flatMap((s) => s.points.map(([, y]) => y)));
  const tx = (x: number) => (axes.logX ? Math.log10(1 + x) / Math.log10(1 + xMax) : x / xMax);
  const px = (x: number) => MARGIN.left + tx(x) * (WIDTH - MARGIN.left - MARGIN.right);
  const py = (y: number) => HEIGHT - MARGIN.bottom - (y / yMax) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const out = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(axes.title)}">`,
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(axes.title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${py(0)}" x2="${WIDTH - MARGIN.right}" y2="${py(0)}" class="axis"/>`,
    `<line x1="${MARGIN.left}" y1="${py(0)}" x2="${MARGIN.left}" y2="${MARGIN.top}" class="axis"/>`,
  ];
  const xTicks = axes.logX ? logTicks(xMax) : [0, xMax / 4, xMax / 2, (3 * xMax) / 4, xMax];
  for (const tick of xTicks) {
    out.push(`<text x="${fmt(px(tick))}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle" class="tick">${tickLabel(tick)}</text>`);
  }
  for (const tick of [0, yMax / 2, yMax]) {
    out.push(`<text x="${MARGIN.left - 6}" y="${fmt(py(tick) + 4)}" text-anchor="end" class="tick">${tickLabel(tick)}</text>`);
  }
  out.push(`<text x="${WIDTH / 2}" y="${HEIGHT - 6}" text-anchor="middle" class="label">${escapeHtml(axes.xLabel)}</text>`);
  out.push(`<text x="12" y="${HEIGHT / 2}" text-anchor="middle" class="label" transform="rotate(-90 12 ${HEIGHT / 2})">${escapeHtml(axes.yLabel)}</text>`);
  series.forEach((s, index) => {
    const colour = PALETTE[index % PALETTE.length]!;
    const points: [number, number][] = [];
    s.points.forEach(([x, y], i) => {
      if (axes.steps && i > 0) points.push([x, s.points[i - 1]![1]]);
      points.push([x, y]);
    });
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(px(x))},${fmt(py(y))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2" class="series"><title>${escapeHtml(s.name)}</title></path>`);
    out.push(`<rect x="${LEGEND_X}" y="${MARGIN.top + index * 16}" width="10" height="10" fill="${colour}"/>`);
    out.push(`<text x="${LEGEND_X + 15}" y="${MARGIN.top + index * 16 + 9}" class="legend">${escapeHtml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

function logTicks(max: number): number[] {
  const ticks = [0];
  for (let value = 1; value <= max; value *= 10) ticks.push(value);
  return ticks;
}

export interface Bar {
  /** Palette index, to match the colour a line chart gave the same build. */
  colour: number;
  name: string;
  value: number;
  label: string;
}

/** Horizontal bars, one per item, scaled to the largest. */
export function barChart(bars: readonly Bar[], title: string): string {
  const rowHeight = 22;
  const height = MARGIN.top + bars.length * rowHeight + 12;
  const max = Math.max(1e-9, ...bars.map((bar) => bar.value));
  const left = 200;
  const out = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<text x="${WIDTH / 2}" y="16" text-anchor="middle" class="title">${escapeHtml(title)}</text>`,
  ];
  bars.forEach((bar, index) => {
    const y = MARGIN.top + index * rowHeight;
    const width = (bar.value / max) * (WIDTH - left - 120);
    out.push(`<text x="${left - 6}" y="${y + 14}" text-anchor="end" class="tick">${escapeHtml(bar.name)}</text>`);
    out.push(`<rect x="${left}" y="${y + 3}" width="${fmt(width)}" height="${rowHeight - 8}" fill="${PALETTE[bar.colour % PALETTE.length]}" class="bar"><title>${escapeHtml(bar.label)}</title></rect>`);
    out.push(`<text x="${fmt(left + width + 6)}" y="${y + 14}" class="tick">${escapeHtml(bar.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
