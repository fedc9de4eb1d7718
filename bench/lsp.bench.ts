// Language-server latency on a generated 2,000-line experiment, through the real bundled server over
// stdio: didChange -> publishDiagnostics, hover, inlay hints and completion, over repeated edits. Prints
// median and p95 in milliseconds (targets: diagnostics p95 < 50 ms, hover and inlay hints < 10 ms); never
// asserts. Diagnostics are measured with the debounce set to 0 (the editor default adds 120 ms on purpose).
// Usage: node --import tsx bench/lsp.bench.ts [--runs N] [--warmup N] [--lines N]
// Profile the server itself: UNROLL_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (NODE_OPTIONS refuses it).
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { analyze } from '../language/index';
import { contextFromText } from '../server/document';
import { completion } from '../server/features/completion';
import { hover } from '../server/features/hover';
import { inlayHints } from '../server/features/inlayHints';
import { DEFAULT_SETTINGS, SERVER_NODE_ARGS } from '../server/protocol';
import { LspClient } from '../test/server/lsp';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : d;
};
const RUNS = arg('runs', 60);
// Edits before measuring: the first few after opening run cold code (JIT) and a young heap still growing to
// its working size. They are reported on their own row instead of inflating the steady-state p95.
const WARMUP = arg('warmup', 5);
const LINES = arg('lines', 2000);

/** A long but realistic model: a stack of dense / activation / recurrent statements, with comments. */
export function generateExperiment(lines: number): { text: string; statementLines: number[] } {
  const head = ['experiment bench_big', '', 'dims {', '  hidden = 64', '  wide = 128', '}', '', 'data sine {', '  seq_len = 20', '  samples = 64', '  batch = 8', '}', '', 'model {',
    '  input x: float[batch, time, 1]', '  input y: float[batch, time, 1]', '  h0 = dense(x, hidden)'];
  const tail = (last: string) => ['  out = dense(' + last + ', 1)', '}', '', 'train {', '  loss = mse(out, y)', '  optimizer = adam(lr = 1e-3)', '  epochs = 1', '}', ''];
  const body: string[] = [];
  const statementLines: number[] = [];
  let i = 1;
  while (head.length + body.length + tail('x').length < lines) {
    const prev = `h${i - 1}`;
    const k = i % 10;
    if (k === 0) { body.push(`  # block ${i / 10}`); }
    const line = k === 1 ? `  h${i}, _ = lstm(${prev}, hidden)`
      : k === 4 ? `  h${i} = dense(${prev}, wide, activation = relu)`
        : k === 5 ? `  h${i} = dense(${prev}, hidden)`
          : k === 6 ? `  h${i} = dropout(${prev}, 0.1)`
            : k === 8 ? `  h${i}, _ = gru(${prev}, hidden)`
              : `  h${i} = tanh(${prev})`;
    statementLines.push(head.length + body.length);
    body.push(line);
    i++;
  }
  const text = [...head, ...body, ...tail(`h${i - 1}`)].join('\n');
  return { text, statementLines };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
};

async function main() {
  const { text, statementLines } = generateExperiment(LINES);
  const lineCount = text.split('\n').length;
  const check = analyze(text, { uri: 'file:///bench/big.rnn' });
  const errors = check.diagnostics.filter((d) => d.severity === 1);
  console.log(`experiment: ${lineCount} lines, ${check.model.length} model statements, ${check.diagnostics.length} diagnostics (${errors.length} errors)${errors[0] ? `: first ${errors[0].message}` : ''}`);

  // The core alone, in this process, for reference.
  const core: number[] = [];
  for (let r = 0; r < Math.min(RUNS, 30); r++) { const t = performance.now(); analyze(text, { uri: 'file:///bench/big.rnn' }); core.push(performance.now() - t); }

  // The handlers alone on an analysed version (no JSON-RPC, no process hop): what the server itself costs.
  const ctx = contextFromText(text, 'file:///bench/big.rnn');
  void ctx.syntax;
  const own = { hover: [] as number[], inlay: [] as number[], completion: [] as number[] };
  for (let r = 0; r < Math.max(RUNS, 50); r++) {
    const line = statementLines[(r * 37) % statementLines.length];
    let s = performance.now();
    hover(ctx, { line, character: 3 });
    own.hover.push(performance.now() - s);
    s = performance.now();
    inlayHints(ctx, { start: { line: Math.max(0, line - 50), character: 0 }, end: { line: line + 50, character: 0 } }, DEFAULT_SETTINGS);
    own.inlay.push(performance.now() - s);
    s = performance.now();
    completion(ctx, { line, character: text.split('\n')[line].indexOf('= ') + 2 });
    own.completion.push(performance.now() - s);
  }

  const c = await LspClient.start({ unroll: { diagnostics: { debounceMs: 0 } } });
  const uri = 'file:///bench/big.rnn';
  await c.open(uri, text, 1);
  await c.diagnosticsFor(uri, 1, 60000);
  const lines = text.split('\n');
  const warm = { first: [] as number[], rest: [] as number[] };
  const t = { diagnostics: [] as number[], hoverCold: [] as number[], hover: [] as number[], inlayViewport: [] as number[], inlayFull: [] as number[], completion: [] as number[], semantic: [] as number[] };
  const sink: typeof t = { diagnostics: [], hoverCold: [], hover: [], inlayViewport: [], inlayFull: [], completion: [], semantic: [] };
  let version = 1;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const r = i - WARMUP;
    // During warm-up the same work runs; its figures go to `sink`, except the diagnostics latency.
    const m = r >= 0 ? t : sink;
    // Edit: flip a dropout rate in the middle of the model (every statement after it re-checks).
    const line = statementLines[Math.floor(statementLines.length / 2) + (i % 7) * 10 - 30];
    const old = lines[line];
    const next = old.includes('0.1') ? old.replace('0.1', '0.2') : old.endsWith(')') ? old.slice(0, -1) + ' )' : old + ' ';
    lines[line] = next;
    version++;
    const t0 = performance.now();
    await c.change(uri, version, [{ range: { start: { line, character: 0 }, end: { line, character: old.length } }, text: next }]);
    await c.diagnosticsFor(uri, version, 60000);
    if (r >= 0) t.diagnostics.push(performance.now() - t0);
    else (i === 0 ? warm.first : warm.rest).push(performance.now() - t0);

    // A person hovers some time after typing: let the server finish this version's follow-up work first.
    await new Promise((res) => setTimeout(res, 30));
    const target = statementLines[(i * 37) % statementLines.length];
    const pos = { line: target, character: 3 };
    let s = performance.now();
    await c.request('textDocument/hover', { textDocument: { uri }, position: pos });
    m.hover.push(performance.now() - s);

    const top = Math.max(0, target - 50);
    s = performance.now();
    await c.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: top, character: 0 }, end: { line: top + 100, character: 0 } } });
    m.inlayViewport.push(performance.now() - s);
    s = performance.now();
    await c.request('textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: lineCount, character: 0 } } });
    m.inlayFull.push(performance.now() - s);

    // Completion of an op after `name = ` on the statement's line (the `=` is at a known column).
    const eq = lines[target].indexOf('= ') + 2;
    s = performance.now();
    await c.request('textDocument/completion', { textDocument: { uri }, position: { line: target, character: eq } });
    m.completion.push(performance.now() - s);

    s = performance.now();
    await c.request('textDocument/semanticTokens/full', { textDocument: { uri } });
    m.semantic.push(performance.now() - s);

    // Hover immediately after an edit: with the debounce at 0 the server analyses the new version on the
    // change, so the hover waits for that analysis (with the editor's debounce the hover itself would run it).
    version++;
    lines[line] = old;
    await c.change(uri, version, [{ range: { start: { line, character: 0 }, end: { line, character: next.length } }, text: old }]);
    s = performance.now();
    await c.request('textDocument/hover', { textDocument: { uri }, position: pos });
    m.hoverCold.push(performance.now() - s);
    await c.diagnosticsFor(uri, version, 60000);
  }
  await c.stop();

  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; ${RUNS} edits after ${WARMUP} warm-up edits; the server is single-threaded; server flags: ${[...SERVER_NODE_ARGS, process.env.UNROLL_SERVER_NODE_ARGS ?? ''].join(' ').trim()} (as the client starts it)`);
  const rows: [string, number[], string][] = [
    ['core analyze() in-process', core, ''],
    ['handler only: hover', own.hover, 'in-process, no JSON-RPC'],
    ['handler only: inlay hints, 100 lines', own.inlay, 'in-process, no JSON-RPC'],
    ['handler only: completion', own.completion, 'in-process, no JSON-RPC'],
    ['first edit after open (cold)', warm.first, 'not in the p95 below'],
    ['warm-up edits 2..N', warm.rest, 'not in the p95 below'],
    ['didChange -> publishDiagnostics', t.diagnostics, 'target p95 < 50'],
    ['hover (30 ms after diagnostics)', t.hover, 'target < 10'],
    ['hover right after an edit', t.hoverCold, 'includes analysing the new version'],
    ['inlay hints, 100-line viewport', t.inlayViewport, 'target < 10'],
    ['inlay hints, whole file', t.inlayFull, ''],
    ['completion (ops)', t.completion, ''],
    ['semantic tokens, whole file', t.semantic, ''],
  ];
  console.log(`${'measure'.padEnd(38)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  (ms)`);
  for (const [name, xs, note] of rows) {
    if (!xs.length) continue; // e.g. no warm-up edits
    const s2 = stats(xs);
    console.log(`${name.padEnd(38)} ${s2.median.toFixed(2).padStart(8)} ${s2.p95.toFixed(2).padStart(8)} ${s2.max.toFixed(2).padStart(8)}  ${note}`);
  }
}

// Run only as a script: the generator is importable (profiling, tests) without starting the bench.
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
