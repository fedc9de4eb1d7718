// embedding and one_hot: ids -> float features. The embedding's weight gradient is the autodiff's Gather
// rule (ScatterND with reduction = add, so repeated ids sum).
import type { LayerCtx, TVal } from './types';

export function embedding(ctx: LayerCtx, stmt: string, x: TVal, vocab: number, size: number, sizeName?: string): TVal {
  const w = ctx.param(`${stmt}.weight`, [vocab, size], ctx.initFor('embedding', size));
  const v = ctx.g.op1('Gather', [w, x.v], { axis: 0 });
  return { v, shape: [...x.shape, size], names: [...x.names, sizeName], masked: x.masked, elem: 'float' };
}

/** one_hot as Equal(ids, 0..vocab-1) cast to float: OneHot has no WebGPU kernel, these three ops do. */
export function oneHot(ctx: LayerCtx, x: TVal, vocab: number, vocabName?: string): TVal {
  const { g } = ctx;
  const range = g.constTensor({ dtype: g.dtypeOf(x.v), dims: [vocab], data: makeRange(g.dtypeOf(x.v), vocab) });
  const ids = g.op1('Unsqueeze', [x.v, g.constInt64([-1])]);
  const eq = g.op1('Equal', [ids, range]);
  const v = g.op1('Cast', [eq], { to: 1 });
  return { v, shape: [...x.shape, vocab], names: [...x.names, vocabName], masked: x.masked, elem: 'float' };
}

function makeRange(dtype: string, n: number): Int32Array | BigInt64Array {
  if (dtype === 'int64') return BigInt64Array.from({ length: n }, (_, i) => BigInt(i));
  return Int32Array.from({ length: n }, (_, i) => i);
}
