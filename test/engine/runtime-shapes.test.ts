// The shapes the engine reports when a run starts (compileExperiment().shapes, sent as runStarted.shapes and
// forwarded to the server) must agree with the checker's static shapes, names included: a disagreement is a
// `runtime-shape` warning in the editor, so a naming slip in the engine (e.g. `enc.h`'s hidden dimension
// reported by its size) shows up there as a false alarm on every example that uses it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { compileExperiment } from '../../engine/compile/index';
import { loadDataset } from '../../engine/data/index';
import { contextFromText } from '../../server/document';
import { runtimeShapeDiagnostics } from '../../server/features/diagnostics';
import { RuntimeShapes } from '../../server/runtime';
import { inlayHints } from '../../server/features/inlayHints';
import { DEFAULT_SETTINGS } from '../../server/protocol';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

describe('runtime shapes of every example agree with the static shapes', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.rnn'))) {
    it(`${file}: no runtime-shape warning; a dimension is reported by its name, or '' when it has none`, async () => {
      const path = join(EXAMPLES, file);
      const uri = pathToFileURL(path).href;
      const text = readFileSync(path, 'utf8');
      const host = createFsDataHost({ workspaceRoot: EXAMPLES });
      let a = analyze(text, { uri, path, host });
      for (let i = 0; i < 600 && a.pending; i++) {
        await new Promise((r) => setTimeout(r, 50));
        a = analyze(text, { uri, path, host });
      }
      const ds = await loadDataset(a.data!, { seed: 42, baseDir: EXAMPLES });
      const shapes = compileExperiment(a, ds.dims).shapes(ds.dims);
      for (const [name, dims] of Object.entries(shapes)) {
        for (const [dim, size] of dims) assert.ok(/^[A-Za-z_][\w*+]*$/.test(dim) || dim === '', `${file}: ${name} reports dimension ${JSON.stringify(dim)} of size ${size}: ${JSON.stringify(dims)}`);
      }
      // Where the checker knows a dimension's name, the engine reports the same one.
      for (const [key, dims] of Object.entries(shapes)) {
        const [base] = key.split('.');
        const v = a.values.get(base) as { kind?: string; dims?: { name?: string }[]; h?: { dims: { name?: string }[] } } | undefined;
        const stat = v?.kind === 'state' ? v.h : v; // .h and .c share the state's shape
        if (!stat?.dims) continue;
        const want = stat.dims.map((d) => d.name ?? '');
        assert.deepEqual(dims.map(([n], i) => (want[i] === '' ? '' : n)), want, `${file}: ${key} ran as ${JSON.stringify(dims)}`);
      }
      const runtime = new RuntimeShapes();
      assert.ok(runtime.update({ uri, runId: 'test', shapes }));
      const ctx = contextFromText(text, uri, host);
      assert.deepEqual(runtimeShapeDiagnostics(ctx, runtime).map((d) => d.message), []);
    });
  }
});

describe('attention weights are a runtime shape the editor shows', () => {
  it('pronounce.rnn: the engine reports w as [batch, tgt, src]; hints show it beside the context, static and as it ran', async () => {
    const path = join(EXAMPLES, 'pronounce.rnn');
    const uri = pathToFileURL(path).href;
    const text = readFileSync(path, 'utf8');
    const host = createFsDataHost({ workspaceRoot: EXAMPLES, maxSyncBytes: 1e9 });
    const a = analyze(text, { uri, path, host });
    const ds = await loadDataset(a.data!, { seed: 42, baseDir: EXAMPLES });
    const shapes = compileExperiment(a, ds.dims).shapes(ds.dims);
    assert.deepEqual(shapes.w, [['batch', ds.dims.batch], ['tgt', ds.dims.tgt], ['src', ds.dims.src]]);
    const runtime = new RuntimeShapes();
    runtime.update({ uri, runId: 'r1', shapes });
    const ctx = contextFromText(text, uri, host);
    const line = text.split('\n').findIndex((l) => /^\s*c, w = attention/.test(l));
    const hints = inlayHints(ctx, { start: { line: 0, character: 0 }, end: { line: 99, character: 0 } }, DEFAULT_SETTINGS, runtime).filter((h) => h.position.line === line);
    const { batch, tgt, src } = ds.dims;
    // One hint per output and per run.
    assert.deepEqual(hints.map((h) => h.label), [
      `: [batch ${batch}, tgt ${tgt}, hidden 128]`, `ran: [batch ${batch}, tgt ${tgt}, hidden 128]`,
      `w: [batch ${batch}, tgt ${tgt}, src ${src}]`, `ran: w [batch ${batch}, tgt ${tgt}, src ${src}]`,
    ]);
    // A weights shape that disagrees is a runtime-shape warning naming w.
    runtime.update({ uri, runId: 'r1', shapes: { ...shapes, w: [['batch', batch], ['tgt', tgt], ['src', src + 1]] } });
    assert.deepEqual(runtimeShapeDiagnostics(ctx, runtime).map((d) => d.message.split(' in run')[0]), [`\`w\` ran as [batch ${batch}, tgt ${tgt}, src ${src + 1}]`]);
  });
});
