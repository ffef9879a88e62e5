/** A small line chart as a standalone SVG document: axes, ticks, labels, legend. No dependencies. */

export interface Point {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: Point[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** 'log' spaces the x values by their logarithm (e.g. 1 to 200 connections). */
  xScale?: 'linear' | 'log';
  /** Tick values of the x axis; default: every x of the data. */
  xTicks?: number[];
  /** A horizontal reference line, e.g. a goal. */
  reference?: { y: number; label: string };
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const MARGIN = { top: 40, right: 20, bottom: 50, left: 70 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2 or 5 times a power of ten: the step of about `count` ticks from 0 to max. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 5, 10].find((candidate) => candidate * power >= raw) ?? 10;
  return multiple * power;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000}M`;
  if (Math.abs(value) >= 1_000 && value % 1_000 === 0) return `${value / 1_000}k`;
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const points = spec.series.flatMap((series) => series.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const log = spec.xScale === 'log';
  const xs = spec.xTicks ?? [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const toX = (value: number) => (log ? Math.log10(Math.max(value, 1e-9)) : value);
  const xMin = Math.min(...xs.map(toX), ...points.map((p) => toX(p.x)));
  const xMax = Math.max(...xs.map(toX), ...points.map((p) => toX(p.x)));
  const yTop = Math.max(...points.map((p) => p.y), spec.reference?.y ?? 0, 0);
  const yStep = niceStep(yTop || 1);
  const yMax = Math.ceil((yTop || 1) / yStep) * yStep;
  const px = (value: number) => MARGIN.left + (xMax === xMin ? plotWidth / 2 : ((toX(value) - xMin) / (xMax - xMin)) * plotWidth);
  const py = (value: number) => MARGIN.top + plotHeight - (value / yMax) * plotHeight;
  const n = (value: number) => value.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (let value = 0; value <= yMax + yStep / 2; value += yStep) {
    const y = n(py(value));
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotWidth}" y2="${y}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(value)}</text>`,
    );
  }
  for (const value of xs) {
    const x = n(px(value));
    parts.push(
      `<line x1="${x}" y1="${MARGIN.top + plotHeight}" x2="${x}" y2="${MARGIN.top + plotHeight + 5}" stroke="black"/>`,
      `<text x="${x}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${formatTick(value)}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${MARGIN.left + plotWidth}" y2="${MARGIN.top + plotHeight}" stroke="black"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  if (spec.reference) {
    const y = n(py(spec.reference.y));
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y}" x2="${MARGIN.left + plotWidth}" y2="${y}" stroke="#555" stroke-dasharray="6 4"/>`,
      `<text x="${MARGIN.left + 4}" y="${Number(y) - 4}" fill="#555">${escapeXml(spec.reference.label)}</text>`,
    );
  }
  spec.series.forEach((series, index) => {
    const color = COLORS[index % COLORS.length];
    const drawn = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    if (drawn.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${drawn.map((p) => `${n(px(p.x))},${n(py(p.y))}`).join(' ')}"/>`);
    }
    for (const p of drawn) parts.push(`<circle cx="${n(px(p.x))}" cy="${n(py(p.y))}" r="3" fill="${color}"/>`);
    const legendY = MARGIN.top + 8 + index * 16;
    const legendX = MARGIN.left + plotWidth - 210;
    parts.push(
      `<line x1="${legendX}" y1="${legendY}" x2="${legendX + 18}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${legendX + 24}" y="${legendY}" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}
