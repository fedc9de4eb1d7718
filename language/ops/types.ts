// What every op definition provides: its documentation (hover, completion, signature help) and its shape
// rule (the checker calls `infer` with the op's arguments already resolved).
import type { Diagnostic, Dim, QuickFix, Range, Related, Shape, StateValue, TextEdit } from '../types';

export interface ParamInfo {
  name: string;
  /** 'tensor' | 'size' | 'int' | 'float' | 'bool' | 'string' | 'dim' | 'dims' | 'state' | 'name' */
  type: string;
  default?: string;
  /** For `name` params: the allowed identifiers. */
  choices?: string[];
  doc: string;
}

export interface OpInfo {
  name: string;
  signature: string;
  doc: string;
  rule: string;
  params: ParamInfo[];
  /** Output names: ['out'] or ['out', 'state'] for recurrent ops. */
  outputs: string[];
}

export interface Report {
  code: Diagnostic['code'];
  message: string;
  range?: Range;
  fix?: string;
  quickFixes?: QuickFix[];
  related?: Related[];
}

export interface LayoutOrigin {
  kind: 'transpose' | 'reshape' | 'input';
  /** The statement or declaration, for related information. */
  range: Range;
  /** The input's name (kind 'input'). */
  name?: string;
}

export interface OpCtx {
  op: string;
  callRange: Range;
  /** The argument's expression range, or the call's range when the argument is absent. */
  argRange(param: string): Range;
  has(param: string): boolean;
  tensor(param: string): Shape | undefined;
  /** The operand as written (`x`, `enc.h`). */
  operandText(param: string): string;
  /** Where the operand was defined, for related information. */
  operandDefinition(param: string): Range | undefined;
  /**
   * Where the operand's dimension order comes from, following first operands back: the nearest `transpose`
   * or `reshape` that reordered it, else the `input` declaration it started from.
   */
  layoutOrigin(param: string): LayoutOrigin | undefined;
  stateArg(param: string): StateValue | Shape | undefined;
  dim(param: string): Dim | undefined;
  num(param: string): number;
  bool(param: string): boolean;
  str(param: string): string;
  dims(param: string): { dim: Dim; factors: Dim[]; range: Range; text: string }[] | undefined;
  lookupDim(name: string): Dim | undefined;
  report(r: Report): void;
  /** An edit replacing the argument's text (or inserting `param = text` when it is absent). */
  setArg(param: string, text: string): TextEdit;
}

export interface OpResult {
  shape?: Shape;
  state?: StateValue;
  /** Shapes of the outputs after the first, for ops with more than one tensor output (attention's weights). */
  extra?: Shape[];
  params?: number;
  paramRule?: string;
}

export interface OpDef {
  info: OpInfo;
  infer(ctx: OpCtx): OpResult | undefined;
}
