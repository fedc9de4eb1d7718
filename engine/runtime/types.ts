// The shapes the runtime consumes from the compiler (engine/compile), written structurally so the runtime can
// be tested with small hand-built models; the real CompiledModel is assignable to ModelLike.

export type DType = 'float32' | 'int64' | 'int32' | 'bool';
export type InitKind = 'xavier' | 'uniform' | 'normal' | 'zeros' | 'ones' | 'lstm_forget_bias';

export interface ParamSpec { name: string; shape: number[]; init: { kind: InitKind; scale?: number } }
export interface GraphIO { inputs: { name: string; dtype: DType; shape: number[] }[]; outputs: string[] }

export interface ModelLike {
  params: ParamSpec[];
  optimizerSlots: string[];
  /** Optional (`carry_state`): recurrent-state inputs of the training step that start at zeros and are fed
   *  back from the step's `<name>:next` outputs, like the weights. */
  carried?: { name: string; shape: number[] }[];
  trainStep(dims: Record<string, number>): { bytes: Uint8Array; io: GraphIO };
  forward(dims: Record<string, number>, opts?: { withLoss?: boolean; stateInputs?: boolean }): { bytes: Uint8Array; io: GraphIO };
  shapes(dims: Record<string, number>): Record<string, [string, number][]>;
  /** Optional: the parameters of a graph at these sizes (length grouping checks they do not change). */
  paramsAt?(dims: Record<string, number>): ParamSpec[];
}

// The data set as the runtime reads it: the loaders' own types (engine/data/types.ts), under the names the
// runtime has always used.
export type { HostTensor, Batch, Vocab as VocabLike, Dataset as DatasetLike } from '../data/types';
