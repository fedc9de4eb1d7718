/// <reference lib="dom" />
// The loss panel page in headless Chromium: fed recorded metrics, the charts hold the points, the theme's
// colours apply (and follow a theme change), 100,000 points load, and a screenshot is saved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, copyFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { panelHtml, makeNonce } from '../../client/webview/html';
import type { HostToPanel, PanelRun } from '../../client/webview/messages';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env.CHROMIUM_PATH ?? ''].find((p) => p && existsSync(p));
const required = process.env.UNROLL_REQUIRE_BROWSER === '1';
const OUT = path.join(ROOT, 'test-results', 'webview');

function recordedRun(runId: string, steps: number, live: boolean, offset = 0): PanelRun {
  const s = [];
  for (let i = 1; i <= steps; i++) s.push({ epoch: 1 + Math.floor((i - 1) / 100), step: i, loss: 3 * Math.exp(-i / 150) + 0.4 + offset + 0.1 * Math.sin(i), tokensPerSec: 12000, ms: 25 });
  const epochs = Array.from({ length: Math.floor(steps / 100) }, (_, e) => ({ epoch: e + 1, step: (e + 1) * 100, trainLoss: 3 * Math.exp(-(e + 1) * 100 / 150) + 0.4, validLoss: 3 * Math.exp(-(e + 1) * 100 / 150) + 0.5, valid: { accuracy: 0.5 + e * 0.05 } }));
  return { runId, experiment: 'char_lm', settings: { optimizer: 'adam', lr: 0.001, batch: 32, device: 'cpu' }, steps: s, epochs, live, totalSteps: live ? 1000 : undefined, status: live ? 'running' : 'completed' };
}

async function openPanel(page: Page): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'unroll-panel-'));
  const js = path.join(ROOT, 'dist', 'webview', 'panel.js');
  const cssFile = path.join(ROOT, 'dist', 'webview', 'panel.css');
  assert.ok(existsSync(js) && existsSync(cssFile), 'dist/webview/panel.js and panel.css must be built (node esbuild.mjs)');
  copyFileSync(js, path.join(dir, 'panel.js'));
  copyFileSync(cssFile, path.join(dir, 'panel.css'));
  const html = panelHtml({ scriptUri: 'panel.js', styleUri: 'panel.css', cspSource: 'file:', nonce: makeNonce() });
  // VS Code injects its theme as CSS variables on <html> and a class on <body>: do the same.
  const themed = html.replace('<html lang="en">', '<html lang="en" style="--vscode-editor-foreground: rgb(220, 220, 220); --vscode-editor-background: rgb(30, 30, 30); --vscode-charts-blue: rgb(10, 20, 250); --vscode-charts-orange: rgb(250, 120, 10);">').replace('<body>', '<body class="vscode-dark">');
  writeFileSync(path.join(dir, 'index.html'), themed);
  // A string, not a function: tsx would add helpers (__name) to a function's source that the page lacks.
  await page.addInitScript({ content: `window.__posted = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), setState() {}, getState: () => undefined });` });
  await page.goto(pathToFileURL(path.join(dir, 'index.html')).href);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
}

const send = (page: Page, m: HostToPanel) => page.evaluate((msg) => window.postMessage(msg, '*'), m);
const panel = <T>(page: Page, fn: string) => page.evaluate((f) => ((window as unknown as { __unrollPanel: Record<string, () => unknown> }).__unrollPanel[f])(), fn) as Promise<T>;

test('loss panel draws recorded metrics with the theme colours, follows a theme change and holds 100,000 points', { skip: !CHROMIUM && !required ? 'Chromium not found (apt-get install chromium); set UNROLL_REQUIRE_BROWSER=1 to make this a failure' : false, timeout: 120_000 }, async () => {
  assert.ok(CHROMIUM, 'Chromium is required (UNROLL_REQUIRE_BROWSER=1) but was not found; install it with apt-get install chromium');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await openPanel(page);

    // A live run plus an earlier run to compare.
    await send(page, { type: 'runs', runs: [recordedRun('run-2', 300, true), recordedRun('run-1', 500, false, 0.2)] });
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { points(): number } }).__unrollPanel.points() === 500);
    const labels = await panel<string[]>(page, 'seriesLabels');
    assert.deepEqual(labels.slice(1), ['run-2 loss', 'run-2 smoothed', 'run-1 (smoothed)']);
    assert.equal(await panel<number>(page, 'validPoints'), 3, 'one point per recorded epoch of the live run');

    // Streamed steps and an epoch arrive.
    await send(page, { type: 'steps', runId: 'run-2', steps: [{ epoch: 4, step: 501, loss: 0.5, tokensPerSec: 13000, ms: 24 }] });
    await send(page, { type: 'epoch', runId: 'run-2', epoch: { epoch: 4, step: 400, trainLoss: 0.6, validLoss: 0.7, valid: { accuracy: 0.71 } } });
    await send(page, { type: 'sample', runId: 'run-2', epoch: 4, text: 'The quick brown fox' });
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { points(): number } }).__unrollPanel.points() === 501);
    const info = await panel<string>(page, 'info');
    assert.match(info, /tokens\/s/);
    assert.match(info, /valid accuracy/);
    assert.match(await page.locator('#samples').innerText(), /The quick brown fox/);
    assert.match(info, /ETA1[23]s/, 'the ETA is the steps left (499) times the recent step time (about 25 ms)');
    assert.match(info, /optimizeradam.*lr0\.001/, 'the run\'s settings are listed');
    // A failed run says why in the panel.
    await send(page, { type: 'status', runId: 'run-2', status: 'failed', message: 'the engine process exited (signal SIGKILL)' });
    await page.waitForFunction(() => /exited \(signal SIGKILL\)/.test((window as unknown as { __unrollPanel: { info(): string } }).__unrollPanel.info()));
    assert.match(await panel<string>(page, 'info'), /statusfailed.*signal SIGKILL/);

    // Theme colours: the live raw series uses --vscode-charts-blue.
    const before = await panel<string[]>(page, 'strokes');
    assert.equal(before[0], 'rgb(10, 20, 250)');
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'panel-dark.png'), fullPage: true });
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-charts-blue', 'rgb(0, 128, 0)');
      document.documentElement.style.setProperty('--vscode-editor-background', 'rgb(255, 255, 255)');
      document.documentElement.style.setProperty('--vscode-editor-foreground', 'rgb(0, 0, 0)');
      document.body.className = 'vscode-light';
    });
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { strokes(): string[] } }).__unrollPanel.strokes()[0] === 'rgb(0, 128, 0)');
    await page.screenshot({ path: path.join(OUT, 'panel-light.png'), fullPage: true });

    // 100,000 points: sent in chunks as the engine would, drawn within animation frames.
    const t0 = Date.now();
    await send(page, { type: 'runs', runs: [recordedRun('big', 0, true)] });
    for (let start = 1; start <= 100_000; start += 10_000) {
      const steps = Array.from({ length: 10_000 }, (_, i) => ({ epoch: 1, step: start + i, loss: 2 + Math.sin((start + i) / 500) }));
      await send(page, { type: 'steps', runId: 'big', steps });
    }
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { points(): number } }).__unrollPanel.points() === 100_000, undefined, { timeout: 60_000 });
    console.log(`# 100,000 points loaded and drawn in ${Date.now() - t0} ms (headless Chromium, this machine)`);
    await page.screenshot({ path: path.join(OUT, 'panel-100k.png') });
    assert.deepEqual(errors, [], 'no page errors or CSP violations');
  } finally {
    await browser.close();
  }
});

test('a regression run shows its prediction against the truth on validation data; a run without one shows no such chart', { skip: !CHROMIUM && !required ? 'Chromium not found (apt-get install chromium)' : false, timeout: 60_000 }, async () => {
  assert.ok(CHROMIUM, 'Chromium is required (UNROLL_REQUIRE_BROWSER=1) but was not found; install it with apt-get install chromium');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await openPanel(page);
    await send(page, { type: 'runs', runs: [recordedRun('lm', 100, true)] });
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { points(): number } }).__unrollPanel.points() === 100);
    assert.equal(await page.locator('#prediction-box').isHidden(), true, 'a language model has no prediction chart');

    const truth = Array.from({ length: 200 }, (_, i) => Math.sin(i * Math.PI / 20));
    const predicted = truth.map((v, i) => 0.9 * Math.sin((i - 1) * Math.PI / 20));
    const sine = { ...recordedRun('sine-1', 75, true), experiment: 'sine' };
    await send(page, { type: 'runs', runs: [sine] });
    await send(page, { type: 'prediction', runId: 'sine-1', prediction: { epoch: 1, output: 'out', target: 'y', truth, predicted } });
    await page.waitForFunction(() => (window as unknown as { __unrollPanel: { predictionPoints(): number } }).__unrollPanel.predictionPoints() === 200);
    assert.equal(await page.locator('#prediction-box').isVisible(), true);
    assert.match(await page.locator('#prediction-title').innerText(), /Prediction on validation data \(epoch 1\)/);
    assert.match(await page.locator('#prediction').innerText(), /y \(truth\)[\s\S]*out \(predicted\)/, 'the legend names the target and the prediction');
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: path.join(OUT, 'panel-prediction.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
