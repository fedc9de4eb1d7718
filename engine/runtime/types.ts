// The shapes the runtime consumes from the compiler (engine/compile) and the data loaders (engine/data),
// written structurally so the runtime can be tested with small hand-built models and datasets. They mirror
// the agreed engine interfaces exactly; the real CompiledModel and Dataset are assignable to them.

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
}

export interface HostTensor { dtype: 'int32' | 'float32'; dims: number[]; data: Int32Array | Float32Array }
export interface Batch { tensors: Record<string, HostTensor>; mask?: HostTensor; dims: Record<string, number>; tokens: number }

export interface VocabLike { tokens: string[]; index: Map<string, number>; pad?: number; unk?: number; bos?: number; eos?: number; kind: 'chars' | 'words' }

export interface DatasetLike {
  dims: Record<string, number>;
  vocab?: VocabLike;
  targetVocab?: VocabLike;
  labels?: string[];
  trainBatches(epoch: number): Iterable<Batch>;
  validBatches(): Iterable<Batch>;
  trainSize: number;
  validSize: number;
  encode(text: string): number[];
  decode(ids: number[]): string;
  save(): unknown;
  /** Optional: a batch holding `x` for these inputs (classify, pairs, arithmetic), for predict. */
  predictBatch?(texts: string[]): Batch;
}
