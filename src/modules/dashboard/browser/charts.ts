// Charts drawn by uPlot (served by corral from its own copy: /dashboard/assets/uPlot.iife.min.js).
// Each chart keeps its host element; a new frame sets new data, a resize resizes it, and printing
// (or leaving print) redraws it in the print palette, read from the page's CSS custom properties.

import type { SeriesAxis } from './frame.js';

export interface Line {
  label: string;
  values: Array<number | null>;
  /** A CSS custom property of the palette (`--p1`, `--children` …). */
  color: string;
  /** Canvas dash pattern: lines differ by dash as well as colour … */
  dash?: number[];
  /** … and so do their legend's markers. */
  legend?: 'solid' | 'dashed' | 'dotted' | 'double';
  width?: number;
}

interface Common {
  /** Read by screen readers instead of the canvas: what the chart shows, in words. */
  summary: string;
  /** Height in rem (the page's type scales with the screen, so do the charts). */
  height: number;
}

export interface TimeChart extends Common {
  kind: 'time';
  axis: SeriesAxis;
  lines: Line[];
  /** The y axis' unit, shown as its label ("open incidents", "minutes"). */
  unit: string;
  /** A tick and a date under each point (weeks), instead of ticks uPlot spaces itself. */
  tickEachPoint?: boolean;
}

export interface BarChart extends Common {
  kind: 'bars';
  labels: string[];
  values: Array<number | null>;
  color: string;
  unit: string;
}

export interface Sparkline extends Common {
  kind: 'spark';
  axis: SeriesAxis;
  lines: Line[];
}

export type ChartSpec = TimeChart | BarChart | Sparkline;

const charts = new Set<Chart>();

const rem = () => parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
const color = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/** Points actually drawn (suppressed or missing values are not): the page's tests read it. */
function pointsIn(spec: ChartSpec): number {
  const values = spec.kind === 'bars' ? spec.values : spec.lines.flatMap((l) => l.values);
  return values.filter((v) => v !== null).length;
}

export class Chart {
  private plot: uPlot | undefined;
  private spec: ChartSpec;
  /** The type size it was drawn at: a wall screen's larger type needs larger axis labels, not just a larger canvas. */
  private drawnAt = 0;
  private readonly resize = new ResizeObserver(() => this.fit());

  constructor(
    private readonly host: HTMLElement,
    spec: ChartSpec,
  ) {
    this.spec = spec;
    host.setAttribute('role', 'img');
    this.draw();
    this.resize.observe(host);
    charts.add(this);
  }

  /** New data: drawn in place when the series are the same, rebuilt when they are not. */
  update(spec: ChartSpec): void {
    const same = this.plot && shapeOf(spec) === shapeOf(this.spec);
    this.spec = spec;
    if (same && this.plot) {
      this.plot.setData(dataOf(spec));
      this.label();
    } else this.draw();
  }

  /** Redraws from scratch: a new palette (print) or a new shape of data. */
  draw(): void {
    this.plot?.destroy();
    this.drawnAt = rem();
    this.plot = new uPlot(optionsOf(this.spec, this.size()), dataOf(this.spec), this.host);
    this.label();
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    charts.delete(this);
  }

  private label(): void {
    this.host.setAttribute('aria-label', this.spec.summary);
    this.host.dataset.points = String(pointsIn(this.spec));
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(this.spec.kind === 'spark' ? 60 : 200, Math.floor(this.host.clientWidth)), height: Math.round(this.spec.height * rem()) };
  }

  private fit(): void {
    if (!this.plot) return;
    if (rem() !== this.drawnAt) return this.draw();
    const size = this.size();
    if (Math.abs(size.width - this.plot.width) > 2 || Math.abs(size.height - this.plot.height) > 2) this.plot.setSize(size);
  }
}

/** Redraws every chart: the palette changed (print media on or off). */
export function redrawAll(): void {
  for (const chart of charts) chart.draw();
}

function shapeOf(spec: ChartSpec): string {
  return spec.kind === 'bars' ? `bars:${spec.labels.join('\u0000')}` : `${spec.kind}:${spec.lines.map((l) => l.label).join('\u0000')}:${spec.lines[0]?.values.length ?? 0}`;
}

function dataOf(spec: ChartSpec): uPlot.AlignedData {
  if (spec.kind === 'bars') return [spec.values.map((_, i) => i), spec.values];
  const start = Date.parse(spec.axis.from) / 1000;
  const length = Math.max(0, ...spec.lines.map((l) => l.values.length));
  const xs = Array.from({ length }, (_, i) => start + i * spec.axis.bucketSeconds);
  return [xs, ...spec.lines.map((l) => l.values)];
}

const dateOf = (seconds: number) => new Date(seconds * 1000).toLocaleDateString([], { day: 'numeric', month: 'short' });
const timeOf = (seconds: number) => new Date(seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** Tick labels in the reader's locale, 24-hour, with the date under the first tick of each day. */
const timeTicks: uPlot.Axis.DynamicValues = (_u, splits, _axis, _space, incr) =>
  splits.map((at, i) => {
    if (incr >= 86_400) return dateOf(at);
    const before = splits[i - 1];
    const newDay = before === undefined || dateOf(before) !== dateOf(at);
    return newDay ? `${timeOf(at)}\n${dateOf(at)}` : timeOf(at);
  });

/** A date under each point while they fit, else under every second or third, always the latest. */
const everyPoint =
  (base: number): uPlot.Axis.DynamicValues =>
  (u, splits) => {
    const every = Math.max(1, Math.ceil((base * 4.5) / (u.bbox.width / devicePixelRatio / Math.max(1, splits.length))));
    return splits.map((at, i) => ((splits.length - 1 - i) % every === 0 ? dateOf(at) : ''));
  };

const aroundPoints =
  (step: number): uPlot.Scale.Range =>
  (_u, min, max) => [min - step / 2, max + step / 2];

function optionsOf(spec: ChartSpec, size: { width: number; height: number }): uPlot.Options {
  const base = rem();
  const font = `${Math.round(base * 0.78)}px system-ui, "Segoe UI", Roboto, Arial, sans-serif`;
  const axis = (extra: uPlot.Axis = {}): uPlot.Axis => ({
    stroke: color('--muted'),
    font,
    labelFont: font,
    grid: { stroke: color('--grid'), width: 1 },
    ticks: { stroke: color('--grid'), width: 1 },
    ...extra,
  });
  // Counts are whole: no tick at 0.5 incidents.
  const counts = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
  const fromZero: uPlot.Scale.Range = (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.15) : 1];
  switch (spec.kind) {
    case 'spark':
      return {
        ...size,
        legend: { show: false },
        cursor: { show: false },
        padding: [4, 2, 2, 2],
        scales: { x: { time: true }, y: { range: fromZero } },
        axes: [{ show: false }, { show: false }],
        series: [{}, ...spec.lines.map((l) => seriesOf(l, false))],
      };
    case 'time':
      return {
        ...size,
        legend: { show: true, live: false, markers: { width: 3, dash: (_u, i) => spec.lines[i - 1]?.legend ?? 'solid' } },
        cursor: { show: true, drag: { x: false, y: false } },
        // A date under each point: room at both ends, so the first and the latest are not cut in half.
        scales: { x: { time: true, ...(spec.tickEachPoint ? { range: aroundPoints(spec.axis.bucketSeconds) } : {}) }, y: { range: fromZero } },
        axes: [
          axis({
            space: base * 4.5,
            size: base * 2.8,
            values: spec.tickEachPoint ? everyPoint(base) : timeTicks,
            ...(spec.tickEachPoint ? { splits: (u: uPlot) => [...(u.data[0] ?? [])] } : {}),
          }),
          axis({ label: spec.unit, labelSize: base * 1.4, size: base * 3.2, incrs: counts, values: (_u, splits) => splits.map((v) => String(v)) }),
        ],
        series: [{ label: 'Time' }, ...spec.lines.map((l) => seriesOf(l, (spec.lines[0]?.values.length ?? 0) <= 31))],
      };
    case 'bars': {
      const bars = uPlot.paths.bars?.({ size: [0.6, base * 4] });
      return {
        ...size,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, spec.labels.length - 0.5)] }, y: { range: fromZero } },
        axes: [
          axis({ splits: () => spec.labels.map((_, i) => i), values: (_u, splits) => splits.map((i) => spec.labels[i] ?? ''), grid: { show: false }, rotate: spec.labels.length > 4 ? -25 : 0, size: base * (spec.labels.length > 4 ? 5.5 : 2.6) }),
          axis({ label: spec.unit, labelSize: base * 1.4, size: base * 3.2, incrs: counts }),
        ],
        series: [{}, { label: spec.unit, stroke: color(spec.color), fill: color(spec.color), width: 1, ...(bars ? { paths: bars } : {}), points: { show: false } }],
      };
    }
    default:
      return spec satisfies never;
  }
}

function seriesOf(line: Line, points: boolean): uPlot.Series {
  const stroke = color(line.color);
  return {
    label: line.label,
    stroke,
    width: line.width ?? 2,
    ...(line.dash ? { dash: line.dash } : {}),
    spanGaps: false,
    points: { show: points, size: 7, stroke, fill: stroke },
  };
}
