// The loss panel page (runs inside a VS Code webview; bundled to dist/webview/panel.js). Charts use uPlot,
// which keeps up with 100,000+ points. Colours come from the VS Code theme's CSS variables, re-read when the
// theme changes. New points are batched and drawn at most once per animation frame.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { HostToPanel, PanelEpoch, PanelRun, PanelStep, PanelToHost } from './messages';

declare function acquireVsCodeApi(): { postMessage(m: PanelToHost): void; setState(s: unknown): void; getState(): unknown };
const vscode = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage() {}, setState() {}, getState: () => undefined };

const runs = new Map<string, PanelRun>();
let liveId: string | undefined;
const SMOOTH = 0.98;

const $ = (id: string) => document.getElementById(id)!;
const css = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
function palette() {
  return {
    fg: css('--vscode-editor-foreground', '#cccccc'),
    grid: css('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    raw: css('--vscode-charts-blue', '#3794ff'),
    smooth: css('--vscode-charts-orange', '#d18616'),
    valid: css('--vscode-charts-green', '#89d185'),
    others: [css('--vscode-charts-purple', '#b180d7'), css('--vscode-charts-red', '#f14c4c'), css('--vscode-charts-yellow', '#cca700'), css('--vscode-descriptionForeground', '#999999')],
  };
}

function smoothed(ys: ArrayLike<number>): number[] {
  const out: number[] = new Array(ys.length);
  let m = 0, w = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (Number.isFinite(y)) { m = SMOOTH * m + (1 - SMOOTH) * y; w = SMOOTH * w + (1 - SMOOTH); }
    out[i] = w > 0 ? m / w : NaN;
  }
  return out;
}

let lossPlot: uPlot | undefined;
let validPlot: uPlot | undefined;
let predictionPlot: uPlot | undefined;

function axes(p: ReturnType<typeof palette>, xLabel: string, yLabel: string): uPlot.Axis[] {
  const a = { stroke: p.fg, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 } };
  return [{ ...a, label: xLabel }, { ...a, label: yLabel }];
}

/**
 * Loss chart data: one x axis of steps shared by every run; the live run raw and smoothed, earlier runs
 * smoothed. Built in full when the set of runs changes; streamed steps of the live run are appended in
 * place (amortised O(1) a point), so 100,000 points stay cheap.
 */
interface LossColumns { xs: number[]; index: Map<number, number>; cols: (number | null)[][]; series: uPlot.Series[]; liveRaw: number; liveSmooth: number; ema: { m: number; w: number } }
let columns: LossColumns | undefined;

function buildLoss(): LossColumns {
  const p = palette();
  const list = [...runs.values()];
  const xsSet = new Set<number>();
  for (const r of list) for (const s of r.steps) xsSet.add(s.step);
  const xs = [...xsSet].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const cols: (number | null)[][] = [];
  const series: uPlot.Series[] = [{ label: 'step' }];
  let other = 0, liveRaw = -1, liveSmooth = -1;
  const ema = { m: 0, w: 0 };
  for (const r of list) {
    const sm = smoothed(r.steps.map((s) => s.loss));
    const ys = new Array<number | null>(xs.length).fill(null);
    if (r.runId === liveId) {
      const rawYs = new Array<number | null>(xs.length).fill(null);
      r.steps.forEach((s, i) => { rawYs[index.get(s.step)!] = Number.isFinite(s.loss) ? s.loss : null; ys[index.get(s.step)!] = sm[i]; });
      for (const s of r.steps) if (Number.isFinite(s.loss)) { ema.m = SMOOTH * ema.m + (1 - SMOOTH) * s.loss; ema.w = SMOOTH * ema.w + (1 - SMOOTH); }
      liveRaw = cols.length; cols.push(rawYs);
      series.push({ label: `${r.runId} loss`, stroke: p.raw, width: 1 });
      liveSmooth = cols.length; cols.push(ys);
      series.push({ label: `${r.runId} smoothed`, stroke: p.smooth, width: 2 });
    } else {
      r.steps.forEach((s, i) => { ys[index.get(s.step)!] = sm[i]; });
      cols.push(ys);
      series.push({ label: `${r.runId} (smoothed)`, stroke: p.others[other++ % p.others.length], width: 1.5, dash: [6, 4] });
    }
  }
  return { xs, index, cols, series, liveRaw, liveSmooth, ema };
}

/** Appends the live run's new steps; false when they do not fit the axis (then rebuild). */
function appendLive(steps: PanelStep[]): boolean {
  const c = columns;
  if (!c || c.liveRaw < 0) return false;
  for (const s of steps) {
    let i = c.index.get(s.step);
    if (i === undefined) {
      if (c.xs.length && s.step < c.xs[c.xs.length - 1]) return false;
      i = c.xs.length;
      c.xs.push(s.step);
      c.index.set(s.step, i);
      for (const col of c.cols) col.push(null);
    }
    const ok = Number.isFinite(s.loss);
    if (ok) { c.ema.m = SMOOTH * c.ema.m + (1 - SMOOTH) * s.loss; c.ema.w = SMOOTH * c.ema.w + (1 - SMOOTH); }
    c.cols[c.liveRaw][i] = ok ? s.loss : null;
    c.cols[c.liveSmooth][i] = c.ema.w > 0 ? c.ema.m / c.ema.w : null;
  }
  return true;
}

const lossAligned = (c: LossColumns) => [c.xs, ...c.cols] as unknown as uPlot.AlignedData;

function validData(): { data: uPlot.AlignedData; series: uPlot.Series[] } {
  const p = palette();
  const live = liveId ? runs.get(liveId) : [...runs.values()].pop();
  const eps = live?.epochs ?? [];
  const xs = eps.map((e) => e.epoch);
  const series: uPlot.Series[] = [{ label: 'epoch' }, { label: 'train loss', stroke: p.raw, width: 2, points: { show: true } }, { label: 'valid loss', stroke: p.valid, width: 2, points: { show: true } }];
  const data: (number | null)[][] = [eps.map((e) => e.trainLoss), eps.map((e) => e.validLoss ?? null)];
  return { data: [xs, ...data] as unknown as uPlot.AlignedData, series };
}

/** The shown run's latest validation prediction against the truth (regressions only). */
function predictionData(): { data: uPlot.AlignedData; series: uPlot.Series[]; title: string } | undefined {
  const p = palette();
  const live = liveId ? runs.get(liveId) : [...runs.values()].pop();
  const q = live?.prediction;
  if (!q || !q.truth.length) return undefined;
  const xs = q.truth.map((_, i) => i);
  const series: uPlot.Series[] = [{ label: 'value' }, { label: `${q.target} (truth)`, stroke: p.valid, width: 2 }, { label: `${q.output} (predicted)`, stroke: p.smooth, width: 2, dash: [6, 3] }];
  return { data: [xs, q.truth, q.predicted] as unknown as uPlot.AlignedData, series, title: `Prediction on validation data (epoch ${q.epoch})` };
}

function drawPrediction(p: ReturnType<typeof palette>) {
  predictionPlot?.destroy();
  predictionPlot = undefined;
  const d = predictionData();
  $('prediction-box').hidden = !d;
  if (!d) return;
  $('prediction-title').textContent = d.title;
  predictionPlot = new uPlot({ width: width($('prediction')), height: 200, series: d.series, axes: axes(p, 'validation data, in order', 'value'), scales: { x: { time: false } } }, d.data, $('prediction'));
}

function width(el: HTMLElement) { return Math.max(200, el.clientWidth || 600); }

function rebuild() {
  const p = palette();
  lossPlot?.destroy();
  validPlot?.destroy();
  columns = buildLoss();
  lossPlot = new uPlot({ width: width($('loss')), height: 260, series: columns.series, axes: axes(p, 'step', 'loss'), scales: { x: { time: false } }, legend: { show: true } }, lossAligned(columns), $('loss'));
  const v = validData();
  validPlot = new uPlot({ width: width($('valid')), height: 200, series: v.series, axes: axes(p, 'epoch', 'loss'), scales: { x: { time: false } } }, v.data, $('valid'));
  drawPrediction(p);
  renderInfo();
}

let frame = 0;
let needRebuild = false;
function schedule(full: boolean) {
  needRebuild ||= full;
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    if (needRebuild || !lossPlot || !validPlot) { needRebuild = false; rebuild(); return; }
    if (columns) lossPlot.setData(lossAligned(columns));
    validPlot.setData(validData().data);
    renderInfo();
  });
}

function fmt(n: number | undefined, digits = 4): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(digits);
}

function renderInfo() {
  const live = liveId ? runs.get(liveId) : undefined;
  const el = $('info');
  el.textContent = '';
  if (!live) { el.textContent = runs.size ? 'Earlier runs loaded. Train to see a live run.' : 'No runs yet. Run "Unroll: Train" on an experiment.'; return; }
  const last: PanelStep | undefined = live.steps[live.steps.length - 1];
  const recent = live.steps.slice(-20).filter((s) => s.tokensPerSec);
  const tps = recent.length ? recent.reduce((a, s) => a + (s.tokensPerSec ?? 0), 0) / recent.length : undefined;
  const msAvg = recent.length ? recent.reduce((a, s) => a + (s.ms ?? 0), 0) / recent.length : undefined;
  const left = live.totalSteps && last ? live.totalSteps - last.step : undefined;
  const eta = left !== undefined && msAvg ? (left * msAvg) / 1000 : undefined;
  const lastEpoch: PanelEpoch | undefined = live.epochs[live.epochs.length - 1];
  const rows: [string, string][] = [
    ['run', live.runId], ['status', live.status ?? 'running'], ...(live.message ? [['', live.message] as [string, string]] : []), ['epoch', last ? String(last.epoch) : '–'],
    ['step', last ? `${last.step}${live.totalSteps ? ' / ' + live.totalSteps : ''}` : '–'], ['loss', fmt(last?.loss)],
    ['tokens/s', fmt(tps, 3)], ['ETA', eta === undefined ? '–' : eta < 60 ? `${Math.round(eta)}s` : `${Math.floor(eta / 60)}m${String(Math.round(eta % 60)).padStart(2, '0')}s`],
  ];
  if (lastEpoch) {
    rows.push(['valid loss', fmt(lastEpoch.validLoss)]);
    for (const [k, v] of Object.entries(lastEpoch.valid ?? {})) rows.push([`valid ${k}`, fmt(v)]);
  }
  const table = document.createElement('table');
  table.id = 'status';
  for (const [k, v] of rows) { const tr = table.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = v; }
  el.appendChild(table);
  const settings = document.createElement('table');
  settings.id = 'settings';
  for (const [k, v] of Object.entries(live.settings)) { const tr = settings.insertRow(); tr.insertCell().textContent = k; tr.insertCell().textContent = String(v); }
  const h = document.createElement('h3'); h.textContent = 'settings';
  el.append(h, settings);
  const samples = $('samples');
  samples.textContent = '';
  for (const s of (live.samples ?? []).slice(-5).reverse()) {
    const pre = document.createElement('pre');
    pre.textContent = `epoch ${s.epoch}: ${s.text}`;
    samples.appendChild(pre);
  }
}

function onMessage(m: HostToPanel) {
  switch (m.type) {
    case 'runs':
      runs.clear();
      for (const r of m.runs) runs.set(r.runId, { ...r, steps: [...r.steps], epochs: [...r.epochs] });
      liveId = m.runs.find((r) => r.live)?.runId;
      schedule(true);
      break;
    case 'steps': {
      const r = runs.get(m.runId);
      if (!r) return;
      for (const s of m.steps) r.steps.push(s);
      schedule(!(m.runId === liveId && appendLive(m.steps)));
      break;
    }
    case 'epoch': { const r = runs.get(m.runId); if (r) { r.epochs.push(m.epoch); schedule(false); } break; }
    case 'status': { const r = runs.get(m.runId); if (r) { r.status = m.status; r.message = m.message; schedule(false); } break; }
    case 'sample': { const r = runs.get(m.runId); if (r) { (r.samples ??= []).push({ epoch: m.epoch, text: m.text }); schedule(false); } break; }
    case 'prediction': { const r = runs.get(m.runId); if (r) { r.prediction = m.prediction; schedule(true); } break; }
  }
  vscode.setState({ runs: [...runs.values()], liveId });
}

window.addEventListener('message', (e: MessageEvent<HostToPanel>) => onMessage(e.data));
// VS Code switches the theme by changing the body's class; redraw with the new colours.
new MutationObserver(() => schedule(true)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => schedule(true));
const saved = vscode.getState() as { runs: PanelRun[]; liveId?: string } | undefined;
if (saved?.runs) { for (const r of saved.runs) runs.set(r.runId, r); liveId = saved.liveId; }
schedule(true);
vscode.postMessage({ type: 'ready' });
// For tests and debugging: what the charts hold and which colours they use.
(window as unknown as { __unrollPanel: unknown }).__unrollPanel = {
  points: () => (lossPlot ? lossPlot.data[0].length : 0),
  seriesLabels: () => (lossPlot ? lossPlot.series.map((s) => String(s.label)) : []),
  strokes: () => (lossPlot ? lossPlot.series.slice(1).map((s, i) => (typeof s.stroke === 'function' ? (s.stroke as (u: uPlot, i: number) => unknown)(lossPlot!, i + 1) : s.stroke)) : []),
  validPoints: () => (validPlot ? validPlot.data[0].length : 0),
  predictionPoints: () => (predictionPlot ? predictionPlot.data[0].length : 0),
  info: () => $('info').textContent,
};
