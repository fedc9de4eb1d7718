// The syntax tree. Every node keeps its source offsets and range; the tokens (with comments and newlines)
// stay alongside, so the tree plus tokens reproduce the file exactly.
import type { Range } from '../types';
import type { Token } from './lexer';

interface NodeBase { start: number; end: number; range: Range }

export interface Ident extends NodeBase { kind: 'ident'; name: string }
export interface NumberLit extends NodeBase { kind: 'number'; value: number; integer: boolean; text: string }
export interface StringLit extends NodeBase { kind: 'string'; value: string }
export interface BoolLit extends NodeBase { kind: 'bool'; value: boolean }
/** `state.h` */
export interface Member extends NodeBase { kind: 'member'; object: Ident; field: Ident }
export interface ListExpr extends NodeBase { kind: 'list'; items: Expr[] }
export interface Arg extends NodeBase { name?: Ident; value: Expr }
export interface CallExpr extends NodeBase { kind: 'call'; callee: Ident; args: Arg[]; open: number; close?: number }
/** `batch * time`, `2 * hidden`, `-1` */
export interface BinaryExpr extends NodeBase { kind: 'binary'; op: '*' | '+' | '-' | '/'; left: Expr; right: Expr }
export interface UnaryExpr extends NodeBase { kind: 'unary'; op: '-'; operand: Expr }
/** Placeholder where an expression was expected but absent. */
export interface MissingExpr extends NodeBase {
  kind: 'missing';
  /** Names inside an expression skipped for nesting too deeply: read, so none is reported unused. */
  skipped?: string[];
}
export type Expr = Ident | NumberLit | StringLit | BoolLit | Member | ListExpr | CallExpr | BinaryExpr | UnaryExpr | MissingExpr;

export interface TypeExpr extends NodeBase { elem: Ident; dims: Expr[]; bound?: Expr }

export interface AssignEntry extends NodeBase { kind: 'assign'; targets: Ident[]; value: Expr }
export interface InputEntry extends NodeBase { kind: 'input'; keyword: Range; name: Ident; type?: TypeExpr }
export type Entry = AssignEntry | InputEntry;

export type BlockKind = 'dims' | 'data' | 'model' | 'train' | 'sample' | 'predict';

export interface Block extends NodeBase {
  kind: 'block';
  block: BlockKind;
  keyword: Range;
  /** `data SOURCE "PATH"` */
  source?: Ident;
  path?: StringLit;
  entries: Entry[];
  open?: number;
  close?: number;
}
export interface ExperimentDecl extends NodeBase { kind: 'experiment'; keyword: Range; name?: Ident | StringLit }

export interface SyntaxError { start: number; end: number; message: string; fix?: string }

export interface SyntaxTree {
  text: string;
  tokens: Token[];
  items: (Block | ExperimentDecl)[];
  errors: SyntaxError[];
}
