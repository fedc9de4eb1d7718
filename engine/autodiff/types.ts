// Contracts between the reverse-mode driver (gradients.ts) and the per-op rules in rules/.
import type { Attr, Dim, Graph, GraphNode } from '../onnx/graph';

/**
 * A gradient contribution to one input. Plain value names are added as they are; the two deferred kinds let
 * the driver merge the contributions of many nodes into few large ops (an unrolled RNN uses the same weight and
 * bias at every step): same-shaped `unbroadcast` terms are summed first and reduced once, `matmulWeight` terms
 * (dW = A^T dY, or its transpose dY^T A for a weight stored [out, in]) are concatenated along the rows and
 * become one Gemm.
 */
export type Contribution =
  | string
  | { unbroadcast: string; to: Dim[] }
  | { matmulWeight: { a: string; dy: string; transposed?: boolean } };

export interface GradContext {
  g: Graph;
  node: GraphNode;
  /** Inputs and outputs of the node. */
  x: string[];
  y: string[];
  /** Gradient flowing into each output; undefined where that output does not reach the loss. */
  dy: (string | undefined)[];
  /** Which inputs need a gradient (depend on a `wrt` value and are float). */
  needs: boolean[];
  /** Static dims of a value (numbers or symbolic names); throws a clear error when unknown. */
  dims(v: string): Dim[];
  /** Static numeric shape of a value; throws when a dim is symbolic or unknown. */
  shape(v: string): number[];
  /** An op on forward values, emitted once per graph however many rules ask for it (e.g. W^T). */
  cached(type: string, inputs: string[], attrs?: Record<string, Attr>): string;
}

export type GradRule = (c: GradContext) => (Contribution | undefined)[];
