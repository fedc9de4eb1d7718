// Custom messages between the client, the language server and the engine, defined once for all three.
// Plain method names and parameter types only (no runtime import): the client and the server each carry
// their own copy of vscode-jsonrpc, whose NotificationType classes are not interchangeable, so both ends
// send and listen by method name with these types.

/** One dimension as it actually ran: `['time', 37]`. An unnamed dimension has the name `''`. A dimension
 *  whose size varies from batch to batch (batches grouped by length) gives its largest and smallest size:
 *  `['time', 53, 7]`. */
export type RuntimeDim = [name: string, size: number, least?: number];

/**
 * client -> server notification: the shapes the engine observed while running a model.
 * The engine reports them (run started / first batch), the client forwards them to the server, which shows
 * them as inlay hints (`ran: [batch 32, time 37, ...]`) and reports a `runtime-shape` diagnostic where
 * they disagree with the static shapes.
 */
export interface RuntimeShapesParams {
  /** The experiment document (`file:///.../char_lm.rnn`). */
  uri: string;
  /** The run these shapes came from; a new run id replaces the previous run's shapes for this uri. */
  runId: string;
  /**
   * Shapes that ran, keyed by tensor name as written in the model (`logits`, `h`); for a recurrent state
   * (`enc` in `_, enc = lstm(...)`) the shape of its `h`. A statement's label as written (`out, state`) is
   * accepted too and means its first output. Shapes for the same runId merge; a new runId replaces them.
   */
  shapes: Record<string, RuntimeDim[]>;
}

export const RuntimeShapesNotification = { method: 'unroll/runtimeShapes' } as const;

/** client -> server notification: forget the runtime shapes of a document (its run was deleted). */
export interface ClearRuntimeShapesParams { uri: string }
export const ClearRuntimeShapesNotification = { method: 'unroll/clearRuntimeShapes' } as const;

/**
 * Commands the server's code lenses invoke; the client registers them. Arguments: `[uri: string]`.
 * `unroll.train` trains the experiment in that document, `unroll.showSummary` shows its model summary.
 */
export const Commands = {
  train: 'unroll.train',
  showSummary: 'unroll.showSummary',
} as const;
export type CommandArgs = [uri: string];

/**
 * The server's own command for editors that cannot run the client's: shows the model summary of the
 * document (`window/showMessage`) and answers it as text. Arguments: `[uri: string]`.
 */
export const SUMMARY_COMMAND = 'unroll.summary';

/**
 * Settings the server reads from initializationOptions (`{ unroll: {...} }` or the object itself) and from
 * workspace/didChangeConfiguration (`settings.unroll`). Section `unroll` in package.json.
 */
export interface ServerSettings {
  inlayHints: { enabled: boolean; runtime: boolean };
  /** How shapes are written in inlay hints: `[batch 32, time 100]`, `[batch, time]` or `[32, 100]`. */
  shapeStyle: 'names-and-sizes' | 'names' | 'sizes';
  /** The least wait between the last keystroke and re-checking, in milliseconds. The server also waits about
   *  as long as a check of the file takes (none while checks are fast; server/checkTiming.ts). */
  diagnostics: { debounceMs: number };
}

export const DEFAULT_SETTINGS: ServerSettings = {
  inlayHints: { enabled: true, runtime: true },
  shapeStyle: 'names-and-sizes',
  diagnostics: { debounceMs: 0 },
};

/**
 * Node flags the client starts the server with. Every keystroke builds ~7 MB of short-lived tokens, tree and
 * results; with V8's default young generation each re-check pays one or two scavenges (5-13 ms each), which
 * dominated the diagnostics p95 on a 2,000-line file. A 64 MB semi-space lets most edits finish without one.
 */
export const SERVER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=64'];
