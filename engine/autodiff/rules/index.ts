// Every op type with a gradient rule, one file each. A test checks every entry against finite differences.
import { rule as Abs } from './Abs';
import { rule as Add } from './Add';
import { rule as Cast } from './Cast';
import { rule as Clip } from './Clip';
import { rule as Concat } from './Concat';
import { rule as Div } from './Div';
import { rule as Dropout } from './Dropout';
import { rule as Exp } from './Exp';
import { rule as Expand } from './Expand';
import { rule as Flatten } from './Flatten';
import { rule as Gather } from './Gather';
import { rule as GatherElements } from './GatherElements';
import { rule as Gemm } from './Gemm';
import { rule as Identity } from './Identity';
import { rule as Log } from './Log';
import { rule as LogSoftmax } from './LogSoftmax';
import { rule as MatMul } from './MatMul';
import { rule as Max } from './Max';
import { rule as Min } from './Min';
import { rule as Mul } from './Mul';
import { rule as Neg } from './Neg';
import { rule as Pow } from './Pow';
import { rule as Reciprocal } from './Reciprocal';
import { rule as ReduceLogSumExp } from './ReduceLogSumExp';
import { rule as ReduceMax } from './ReduceMax';
import { rule as ReduceMean } from './ReduceMean';
import { rule as ReduceMin } from './ReduceMin';
import { rule as ReduceSum } from './ReduceSum';
import { rule as Relu } from './Relu';
import { rule as Reshape } from './Reshape';
import { rule as Sigmoid } from './Sigmoid';
import { rule as Slice } from './Slice';
import { rule as Softmax } from './Softmax';
import { rule as Split } from './Split';
import { rule as Sqrt } from './Sqrt';
import { rule as Squeeze } from './Squeeze';
import { rule as Sub } from './Sub';
import { rule as Sum } from './Sum';
import { rule as Tanh } from './Tanh';
import { rule as Transpose } from './Transpose';
import { rule as Unsqueeze } from './Unsqueeze';
import { rule as Where } from './Where';

import type { GradRule } from '../types';

export const RULES: Record<string, GradRule> = {
  Abs,
  Add,
  Cast,
  Clip,
  Concat,
  Div,
  Dropout,
  Exp,
  Expand,
  Flatten,
  Gather,
  GatherElements,
  Gemm,
  Identity,
  Log,
  LogSoftmax,
  MatMul,
  Max,
  Min,
  Mul,
  Neg,
  Pow,
  Reciprocal,
  ReduceLogSumExp,
  ReduceMax,
  ReduceMean,
  ReduceMin,
  ReduceSum,
  Relu,
  Reshape,
  Sigmoid,
  Slice,
  Softmax,
  Split,
  Sqrt,
  Squeeze,
  Sub,
  Sum,
  Tanh,
  Transpose,
  Unsqueeze,
  Where,
};
