// The op table: every model op of language.md, one file per family.
import { attention } from './attention';
import { dense } from './dense';
import { dropout, layer_norm, relu, sigmoid, softmax, tanh } from './elementwise';
import { embedding, one_hot } from './ids';
import { gru, lstm, rnn } from './recurrent';
import { max, mean, sum } from './reduce';
import { concat, reshape, transpose } from './shape';
import { first, last, repeat } from './sequence';
import type { OpDef, OpInfo } from './types';

export const OP_DEFS: Record<string, OpDef> = {
  embedding, one_hot, lstm, gru, rnn, dense, dropout, relu, tanh, sigmoid, softmax, layer_norm,
  last, first, mean, max, sum, repeat, concat, reshape, transpose, attention,
};

export const OPS: Record<string, OpInfo> = Object.fromEntries(Object.entries(OP_DEFS).map(([k, v]) => [k, v.info]));
export const RECURRENT_OPS = new Set(['lstm', 'gru', 'rnn']);
export { recurrentParams } from './recurrent';
export type { OpDef, OpInfo, ParamInfo, OpCtx, OpResult } from './types';
