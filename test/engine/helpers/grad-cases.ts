// Finite-difference cases for every gradient rule (shared by gradients.test.ts and device checks).
import type { Graph } from '../../../engine/onnx/graph';
import type { FdCase } from './fd';

const i64 = (g: Graph, v: number[], dims?: number[]) => g.constInt64(v, dims);

// Every registered rule needs at least one case here; gradients.test.ts fails when one is missing.
export const CASES: Record<string, FdCase[]> = {
  Abs: [{ name: 'abs', inputs: [{ dims: [3, 4], gen: 'away0' }], build: (g, [x]) => g.op1('Abs', [x]) }],
  Add: [
    { name: 'add broadcast row', inputs: [{ dims: [3, 4] }, { dims: [4] }], build: (g, [a, b]) => g.op1('Add', [a, b]) },
    { name: 'add broadcast column', inputs: [{ dims: [2, 3, 4] }, { dims: [3, 1] }], build: (g, [a, b]) => g.op1('Add', [a, b]) },
  ],
  Cast: [{ name: 'cast float to float', inputs: [{ dims: [3, 2] }], build: (g, [x]) => g.op1('Cast', [x], { to: 1 }) }],
  Clip: [
    // 'distinct' inputs are a ramp -0.6, -0.5, ..., 0.5: the bounds sit halfway between two values
    { name: 'clip with min and max', inputs: [{ dims: [3, 4], gen: 'distinct' }], build: (g, [x]) => g.op1('Clip', [x, g.constFloat(-0.25), g.constFloat(0.35)]) },
    { name: 'clip with max only', inputs: [{ dims: [3, 4], gen: 'distinct' }], build: (g, [x]) => g.op1('Clip', [x, '', g.constFloat(0.15)]) },
  ],
  Concat: [{ name: 'concat axis 1', inputs: [{ dims: [2, 3] }, { dims: [2, 2] }], build: (g, [a, b]) => g.op1('Concat', [a, b], { axis: 1 }) }],
  Div: [
    { name: 'div broadcast', inputs: [{ dims: [3, 4] }, { dims: [4], gen: 'pos' }], build: (g, [a, b]) => g.op1('Div', [a, b]) },
    { name: 'div denominator only', inputs: [{ dims: [3], gen: 'pos' }], build: (g, [b]) => g.op1('Div', [g.constFloat([1, 2, 3]), b]) },
  ],
  Dropout: [{ name: 'dropout in inference mode is the identity', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('Dropout', [x, g.constFloat(0.3)]) }],
  Exp: [{ name: 'exp', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('Exp', [x]) }],
  Expand: [{ name: 'expand [3,1] to [2,3,4]', inputs: [{ dims: [3, 1] }], build: (g, [x]) => g.op1('Expand', [x, i64(g, [2, 3, 4])]) }],
  Flatten: [{ name: 'flatten axis 2', inputs: [{ dims: [2, 3, 4] }], build: (g, [x]) => g.op1('Flatten', [x], { axis: 2 }) }],
  Gather: [
    { name: 'embedding lookup with repeated ids', inputs: [{ dims: [5, 3] }], build: (g, [e]) => g.op1('Gather', [e, i64(g, [0, 2, 2, 4, 2, 0], [2, 3])]) },
    {
      name: 'embedding lookup with int32 ids',
      inputs: [{ dims: [6, 2] }],
      build: (g, [e]) => g.op1('Gather', [e, g.constTensor({ dtype: 'int32', dims: [4], data: Int32Array.from([5, 1, 5, 0]) })]),
    },
    { name: 'one time step (constant scalar index)', inputs: [{ dims: [2, 4, 3] }], build: (g, [x]) => g.op1('Gather', [x, i64(g, [2], [])], { axis: 1 }) },
    { name: 'gather along axis 1 with a vector of ids', inputs: [{ dims: [2, 4, 3] }], build: (g, [x]) => g.op1('Gather', [x, i64(g, [3, 0, 3])], { axis: 1 }) },
  ],
  GatherElements: [
    { name: 'gather elements axis 1', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('GatherElements', [x, i64(g, [0, 0, 3, 1, 2, 1], [3, 2])], { axis: 1 }) },
  ],
  Gemm: [
    { name: 'gemm transB (linear layer)', inputs: [{ dims: [3, 4] }, { dims: [5, 4] }, { dims: [5] }], build: (g, [a, b, c]) => g.op1('Gemm', [a, b, c], { transB: 1 }) },
    { name: 'gemm transA alpha beta', inputs: [{ dims: [4, 3] }, { dims: [4, 5] }, { dims: [3, 1] }], build: (g, [a, b, c]) => g.op1('Gemm', [a, b, c], { transA: 1, alpha: 0.5, beta: 2 }) },
    { name: 'gemm transA transB', inputs: [{ dims: [4, 3] }, { dims: [5, 4] }], build: (g, [a, b]) => g.op1('Gemm', [a, b], { transA: 1, transB: 1, alpha: 1.5 }) },
  ],
  Identity: [{ name: 'identity', inputs: [{ dims: [2, 2] }], build: (g, [x]) => g.op1('Identity', [x]) }],
  Log: [{ name: 'log', inputs: [{ dims: [3, 4], gen: 'pos' }], build: (g, [x]) => g.op1('Log', [x]) }],
  LogSoftmax: [{ name: 'log softmax', inputs: [{ dims: [3, 5] }], build: (g, [x]) => g.op1('LogSoftmax', [x], { axis: -1 }) }],
  MatMul: [
    { name: 'matmul 3-D by weight', inputs: [{ dims: [2, 3, 4] }, { dims: [4, 5] }], build: (g, [a, b]) => g.op1('MatMul', [a, b]) },
    { name: 'matmul 2-D', inputs: [{ dims: [3, 4] }, { dims: [4, 5] }], build: (g, [a, b]) => g.op1('MatMul', [a, b]) },
    { name: 'matmul batched with broadcast batch', inputs: [{ dims: [1, 3, 4] }, { dims: [2, 4, 5] }], build: (g, [a, b]) => g.op1('MatMul', [a, b]) },
    { name: 'matmul vector by matrix', inputs: [{ dims: [4] }, { dims: [4, 5] }], build: (g, [a, b]) => g.op1('MatMul', [a, b]) },
    { name: 'matmul matrix by vector', inputs: [{ dims: [2, 3, 4] }, { dims: [4] }], build: (g, [a, b]) => g.op1('MatMul', [a, b]) },
  ],
  Max: [
    { name: 'max of two tensors with broadcast', inputs: [{ dims: [3, 4], gen: 'distinct' }, { dims: [4] }], build: (g, [a, b]) => g.op1('Max', [a, b]) },
    { name: 'max with a constant floor (clamped log)', inputs: [{ dims: [6], gen: 'distinct' }], build: (g, [a]) => g.op1('Max', [a, g.constFloat(0.02)]) },
  ],
  Min: [{ name: 'min of two tensors', inputs: [{ dims: [3, 4], gen: 'distinct' }, { dims: [3, 4], gen: 'distinct' }], build: (g, [a, b]) => g.op1('Min', [a, b]) }],
  Mul: [
    { name: 'mul broadcast', inputs: [{ dims: [3, 4] }, { dims: [3, 1] }], build: (g, [a, b]) => g.op1('Mul', [a, b]) },
    { name: 'mul x by itself', inputs: [{ dims: [3, 4] }], build: (g, [a]) => g.op1('Mul', [a, a]) },
  ],
  Neg: [{ name: 'neg', inputs: [{ dims: [4] }], build: (g, [x]) => g.op1('Neg', [x]) }],
  Pow: [
    { name: 'pow by constant 3', inputs: [{ dims: [3, 4], gen: 'pos' }], build: (g, [x]) => g.op1('Pow', [x, g.constFloat(3)]) },
    { name: 'pow by a tensor exponent', inputs: [{ dims: [3, 4], gen: 'pos' }, { dims: [4] }], build: (g, [a, b]) => g.op1('Pow', [a, b]) },
  ],
  Reciprocal: [{ name: 'reciprocal', inputs: [{ dims: [5], gen: 'pos' }], build: (g, [x]) => g.op1('Reciprocal', [x]) }],
  ReduceLogSumExp: [
    { name: 'logsumexp over the last axis', inputs: [{ dims: [3, 5] }], build: (g, [x]) => g.op1('ReduceLogSumExp', [x], { axes: [1], keepdims: 0 }) },
    { name: 'logsumexp keepdims over two axes', inputs: [{ dims: [2, 3, 4] }], build: (g, [x]) => g.op1('ReduceLogSumExp', [x], { axes: [0, 2], keepdims: 1 }) },
  ],
  ReduceMax: [{ name: 'max over axis 1', inputs: [{ dims: [3, 5], gen: 'distinct' }], build: (g, [x]) => g.op1('ReduceMax', [x], { axes: [1], keepdims: 0 }) }],
  ReduceMean: [{ name: 'mean over axes 0 and 2', inputs: [{ dims: [2, 3, 4] }], build: (g, [x]) => g.op1('ReduceMean', [x], { axes: [0, 2], keepdims: 1 }) }],
  ReduceMin: [{ name: 'min over axes 0 and 1 keepdims', inputs: [{ dims: [3, 2, 4], gen: 'distinct' }], build: (g, [x]) => g.op1('ReduceMin', [x], { axes: [0, 1], keepdims: 1 }) }],
  ReduceSum: [
    { name: 'sum over axis 1', inputs: [{ dims: [2, 3, 4] }], build: (g, [x]) => g.op1('ReduceSum', [x, i64(g, [1])], { keepdims: 0 }) },
    { name: 'sum over everything', inputs: [{ dims: [2, 3] }], build: (g, [x]) => g.op1('ReduceSum', [x], { keepdims: 0 }) },
  ],
  Relu: [{ name: 'relu', inputs: [{ dims: [3, 4], gen: 'away0' }], build: (g, [x]) => g.op1('Relu', [x]) }],
  Reshape: [{ name: 'reshape [2,6] to [3,4]', inputs: [{ dims: [2, 6] }], build: (g, [x]) => g.op1('Reshape', [x, i64(g, [3, -1])]) }],
  Sigmoid: [{ name: 'sigmoid', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('Sigmoid', [x]) }],
  Slice: [
    { name: 'slice step 1', inputs: [{ dims: [4, 6] }], build: (g, [x]) => g.op1('Slice', [x, i64(g, [1, 2]), i64(g, [3, 100]), i64(g, [0, 1])]) },
    { name: 'slice reversed (step -1) with negative starts', inputs: [{ dims: [4, 6] }], build: (g, [x]) => g.op1('Slice', [x, i64(g, [-2]), i64(g, [0]), i64(g, [1]), i64(g, [-1])]) },
  ],
  Softmax: [{ name: 'softmax last axis', inputs: [{ dims: [3, 5] }], build: (g, [x]) => g.op1('Softmax', [x], { axis: -1 }) }],
  Split: [
    { name: 'split both outputs used', inputs: [{ dims: [2, 5] }], build: (g, [x]) => g.op('Split', [x, i64(g, [2, 3])], { axis: 1 }, { outputs: 2 }) },
    { name: 'split with one output unused', inputs: [{ dims: [2, 5] }], build: (g, [x]) => g.op('Split', [x, i64(g, [2, 3])], { axis: 1 }, { outputs: 2 })[1] },
  ],
  Sqrt: [{ name: 'sqrt', inputs: [{ dims: [3, 4], gen: 'pos' }], build: (g, [x]) => g.op1('Sqrt', [x]) }],
  Squeeze: [{ name: 'squeeze axis 1', inputs: [{ dims: [3, 1, 4] }], build: (g, [x]) => g.op1('Squeeze', [x, i64(g, [1])]) }],
  Sub: [{ name: 'sub broadcast', inputs: [{ dims: [3, 4] }, { dims: [1, 4] }], build: (g, [a, b]) => g.op1('Sub', [a, b]) }],
  Sum: [{ name: 'variadic sum with broadcast', inputs: [{ dims: [3, 4] }, { dims: [4] }, { dims: [3, 1] }], build: (g, [a, b, c]) => g.op1('Sum', [a, b, c]) }],
  Tanh: [{ name: 'tanh', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('Tanh', [x]) }],
  Transpose: [{ name: 'transpose perm 2,0,1', inputs: [{ dims: [2, 3, 4] }], build: (g, [x]) => g.op1('Transpose', [x], { perm: [2, 0, 1] }) }],
  Unsqueeze: [{ name: 'unsqueeze axes 0 and 3', inputs: [{ dims: [3, 4] }], build: (g, [x]) => g.op1('Unsqueeze', [x, i64(g, [0, 3])]) }],
  Where: [
    {
      name: 'where with broadcast branches',
      inputs: [{ dims: [3, 4] }, { dims: [4] }],
      build: (g, [a, b]) => {
        const cond = g.constTensor({ dtype: 'bool', dims: [3, 4], data: Uint8Array.from([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]) });
        return g.op1('Where', [cond, a, b]);
      },
    },
  ],
};

