// Protocol hygiene for requests: the lifecycle errors the spec names (before `initialize`, after `shutdown`)
// and a check of each request's parameters, so a malformed request gets InvalidParams (logged) instead of
// an internal error shown to the user.
import { ErrorCodes, ResponseError } from 'vscode-languageserver';

export type Lifecycle = 'starting' | 'running' | 'shut down';

/** Throws the error the spec names for a request in this state; nothing when the server is running. */
export function checkLifecycle(state: Lifecycle, method: string): void {
  if (state === 'starting') throw new ResponseError(ErrorCodes.ServerNotInitialized, `${method}: the server is not initialized yet; send initialize first`);
  if (state === 'shut down') throw new ResponseError(ErrorCodes.InvalidRequest, `${method}: the server was shut down; send exit`);
}

/** Parameters a feature handler reads, beyond `textDocument.uri`. */
export type Need = 'position' | 'range' | 'context' | 'newName';

/** What is wrong with a request's parameters, or undefined when they are well-formed. */
export function malformed(p: unknown, needs: readonly Need[]): string | undefined {
  if (!isObject(p)) return 'the parameters must be an object';
  if (!isObject(p.textDocument) || typeof p.textDocument.uri !== 'string') return 'textDocument.uri must be a string';
  for (const n of needs) {
    switch (n) {
      case 'position': if (!isPosition(p.position)) return 'position must be { line, character } with non-negative integers'; break;
      case 'range': if (!isRange(p.range)) return 'range must be { start, end } positions'; break;
      case 'context': if (!isObject(p.context)) return 'context must be an object'; break;
      case 'newName': if (typeof p.newName !== 'string') return 'newName must be a string'; break;
    }
  }
  if (needs.includes('context') && isObject(p.context) && 'diagnostics' in p.context && !Array.isArray(p.context.diagnostics)) return 'context.diagnostics must be an array';
  return undefined;
}

export function invalidParams(method: string, problem: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, `${method}: ${problem}`);
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPosition(v: unknown): boolean {
  return isObject(v) && Number.isInteger(v.line) && Number.isInteger(v.character) && v.line >= 0 && v.character >= 0;
}

function isRange(v: unknown): boolean {
  return isObject(v) && isPosition(v.start) && isPosition(v.end);
}
