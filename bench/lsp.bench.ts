// Language-server latency on a generated 2,000-line experiment, through the real bundled server over
// stdio with default settings: didChange -> publishDiagnostics, hover, inlay hints and completion, over
// repeated edits; then typing (bursts of ten keystrokes) on the 2,000-line file and on a 20,000-line one,
// timed from the last keystroke to its diagnostics. Prints median and p95 in milliseconds (targets:
// diagnostics p95 < 50 ms on 2,000 lines, < 400 ms after a burst on 20,000 lines with no backlog; hover and
// inlay hints < 10 ms); never asserts.
// Usage: node --import tsx bench/lsp.bench.ts [--runs N] [--warmup N] [--lines N] [--bursts N] [--big-lines N]
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
const BURSTS = arg('bursts', 30); // enough that the p95 is steady state, not the first bursts after opening
const BIG_LINES = arg('big-lines', 20000);
/** Between keystrokes of a burst: a fast typist (about 12 characters a second). */
const KEY_INTERVAL_MS = 80;

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

/** `--typing-only`: just the typing bursts on both files (comparing server flags quickly). */
async function typingOnly() {
  const small = generateExperiment(LINES);
  const big = generateExperiment(BIG_LINES);
  for (const [name, e] of [[`${LINES} lines`, small], [`${BIG_LINES} lines`, big]] as const) {
    const r = await typingBursts(e.text, e.statementLines, BURSTS);
    const st = stats(r.latency);
    console.log(`typing, ${name}: last key -> diagnostics median ${st.median.toFixed(1)} p95 ${st.p95.toFixed(1)} max ${st.max.toFixed(1)} ms; checks per burst ${r.checks.join(',')}; RSS ${r.memory?.rssMb.toFixed(0)} MB, peak ${r.memory?.peakMb.toFixed(0)} MB`);
  }
}

async function main() {
  if (process.argv.includes('--typing-only')) return typingOnly();
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

  const c = await LspClient.start({});
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

    // Hover immediately after an edit: while checks are fast the server analyses the new version on the
    // change, so the hover waits for that analysis.
    version++;
    lines[line] = old;
    await c.change(uri, version, [{ range: { start: { line, character: 0 }, end: { line, character: next.length } }, text: old }]);
    s = performance.now();
    await c.request('textDocument/hover', { textDocument: { uri }, position: pos });
    m.hoverCold.push(performance.now() - s);
    await c.diagnosticsFor(uri, version, 60000);
  }
  const mem = c.memory();
  await c.stop();
  const typing = await typingBursts(text, statementLines, BURSTS);
  const big = generateExperiment(BIG_LINES);
  const typingBig = await typingBursts(big.text, big.statementLines, BURSTS);

  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; ${RUNS} edits after ${WARMUP} warm-up edits; the server is single-threaded; server flags: ${process.env.UNROLL_SERVER_PLAIN_NODE === '1' ? '(none: UNROLL_SERVER_PLAIN_NODE=1)' : `${SERVER_NODE_ARGS.join(' ')} (as the client starts it)`} ${process.env.UNROLL_SERVER_NODE_ARGS ?? ''}`);
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
    [`typing: last key -> diagnostics, ${lineCount} lines`, typing.latency, `${BURSTS} bursts of 10 keys ${KEY_INTERVAL_MS} ms apart`],
    [`typing: checks per burst, ${lineCount} lines`, typing.checks, 'diagnostics published per 10 keys'],
    [`typing: last key -> diagnostics, ${big.text.split('\n').length} lines`, typingBig.latency, 'target p95 < 400, no backlog'],
    [`typing: checks per burst, ${big.text.split('\n').length} lines`, typingBig.checks, 'diagnostics published per 10 keys'],
  ];
  console.log(`${'measure'.padEnd(38)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  (ms)`);
  const mb = (m?: { rssMb: number; peakMb: number }) => (m ? `RSS ${m.rssMb.toFixed(0)} MB, peak ${m.peakMb.toFixed(0)} MB` : 'n/a');
  console.log(`server memory after the edits above (${(WARMUP + RUNS) * 2} edits, 2,000 lines): ${mb(mem)}; after typing on 2,000 lines: ${mb(typing.memory)}; on ${BIG_LINES.toLocaleString('en-US')} lines: ${mb(typingBig.memory)}`);
  for (const [name, xs, note] of rows) {
    if (!xs.length) continue; // e.g. no warm-up edits
    const s2 = stats(xs);
    console.log(`${name.padEnd(38)} ${s2.median.toFixed(2).padStart(8)} ${s2.p95.toFixed(2).padStart(8)} ${s2.max.toFixed(2).padStart(8)}  ${note}`);
  }
}

/**
 * Bursts of ten keystrokes (a character typed into a comment at the end of a statement, KEY_INTERVAL_MS
 * apart), default settings: the time from the last keystroke to the diagnostics of its version, and how many
 * versions were checked on the way (a backlog shows as latency growing with the check time times the keys).
 */
export async function typingBursts(text: string, statementLines: number[], bursts: number): Promise<{ latency: number[]; checks: number[]; memory?: { rssMb: number; peakMb: number } }> {
  const c = await LspClient.start({});
  const uri = 'file:///bench/typing.rnn';
  await c.open(uri, text, 1);
  await c.diagnosticsFor(uri, 1, 120000);
  const lines = text.split('\n');
  const out: { latency: number[]; checks: number[]; memory?: { rssMb: number; peakMb: number } } = { latency: [], checks: [] };
  let version = 1;
  for (let b = 0; b < bursts + 1; b++) {
    const line = statementLines[Math.floor(statementLines.length / 2) + b];
    const before = c.published.length;
    let t0 = 0;
    for (let k = 0; k < 10; k++) {
      const at = lines[line].length;
      lines[line] += k === 0 ? ' #x' : 'x';
      version++;
      t0 = performance.now();
      await c.change(uri, version, [{ range: { start: { line, character: at }, end: { line, character: at } }, text: k === 0 ? ' #x' : 'x' }]);
      if (k < 9) await new Promise((r) => setTimeout(r, KEY_INTERVAL_MS));
    }
    await c.diagnosticsFor(uri, version, 120000);
    if (b > 0) { // the first burst warms the server up
      out.latency.push(performance.now() - t0);
      out.checks.push(c.published.slice(before).filter((p) => p.uri === uri).length);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  out.memory = c.memory();
  if (process.env.UNROLL_TRACE_CHECKS === '1') process.stderr.write(c.errorOutput);
  await c.stop();
  return out;
}

// Run only as a script: the generator is importable (profiling, tests) without starting the bench.
if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
