// WebGPU binds every input and output of a node as a storage buffer, and the spec guarantees only 8 per
// shader stage (onnxruntime failed a per-step Split with "storage buffers 17 > 16" on an H200). Every node of
// every graph the compiler writes (forward and training step) must stay within MAX_NODE_OPERANDS, also for
// long sequences; and narrowing must not change what the graph computes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { compileExperiment } from '../../engine/compile/index';
import { MAX_NODE_OPERANDS, narrowGraph } from '../../engine/compile/narrow';
import { Graph } from '../../engine/onnx/graph';
import { ONNX_PROTO } from '../../engine/onnx/onnxProto';
import { assertClose } from './layers-harness';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const ModelProto = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');

interface NodeProto { op_type: string; name: string; input?: string[]; output?: string[] }
function widest(bytes: Uint8Array): { node: string; operands: number } {
  const m = ModelProto.toObject(ModelProto.decode(bytes)) as { graph: { node: NodeProto[] } };
  let w = { node: '', operands: 0 };
  for (const n of m.graph.node) {
    const k = (n.input?.length ?? 0) + (n.output?.length ?? 0);
    if (k > w.operands) w = { node: `${n.op_type} ${n.name}`, operands: k };
  }
  return w;
}

async function analyzed(file: string) {
  const path = join(EXAMPLES, file);
  const host = createFsDataHost({ workspaceRoot: EXAMPLES });
  const text = readFileSync(path, 'utf8');
  let a = analyze(text, { uri: pathToFileURL(path).href, path, host });
  for (let i = 0; i < 600 && a.pending; i++) {
    await new Promise((r) => setTimeout(r, 50));
    a = analyze(text, { uri: pathToFileURL(path).href, path, host });
  }
  return a;
}

describe('WebGPU storage-buffer bound: no node has more than 8 inputs + outputs', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.rnn'))) {
    it(`${file}: the training step and the forward graph at time 24 (past the 16 where WebGPU failed)`, async () => {
      const a = await analyzed(file);
      assert.deepEqual(a.diagnostics.filter((d) => d.severity === 1).map((d) => d.message), []);
      // batch 2 keeps the graphs small; time 24 is past the 16 where WebGPU failed. Fixed data sizes
      // (arithmetic's src and tgt) stay as the data gives them.
      const dims: Record<string, number> = { batch: 2, time: 24 };
      const m = compileExperiment(a, dims);
      for (const [what, g] of [['train step', m.trainStep(dims)], ['forward', m.forward(dims, { withLoss: true })]] as const) {
        const w = widest(g.bytes);
        assert.ok(w.operands <= MAX_NODE_OPERANDS, `${file} ${what}: ${w.node} has ${w.operands} inputs + outputs`);
      }
    });
  }
});

describe('narrowGraph', () => {
  it('turns a 40-way Split and a 40-way Concat into trees of nodes within the bound that compute the same values', async () => {
    const build = (narrow: boolean) => {
      const g = new Graph('t');
      const x = g.input('x', 'float32', [2, 40, 3]);
      const parts = g.op('Split', [x], { axis: 1 }, { outputs: 40 });
      const scaled = parts.map((p, i) => g.op1('Mul', [p, g.constFloat(i + 1)]));
      g.output(g.alias(g.op1('Concat', scaled.reverse(), { axis: 1 }), 'y'));
      if (narrow) narrowGraph(g);
      return g.toBytes();
    };
    const wide = build(false), narrow = build(true);
    assert.ok(widest(wide).operands > MAX_NODE_OPERANDS, 'the unnarrowed graph is wide (the test would prove nothing otherwise)');
    assert.ok(widest(narrow).operands <= MAX_NODE_OPERANDS, `narrowed: ${JSON.stringify(widest(narrow))}`);
    const x = new ort.Tensor('float32', Float32Array.from({ length: 240 }, (_, i) => Math.sin(i)), [2, 40, 3]);
    const run = async (b: Uint8Array) => {
      const s = await ort.InferenceSession.create(b, { intraOpNumThreads: 1 });
      const y = (await s.run({ x })).y.data as Float32Array;
      await s.release();
      return y;
    };
    assertClose(await run(narrow), await run(wide), 'narrowed vs wide', 0, 0);
  });
});
