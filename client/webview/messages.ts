// Messages between the extension host and the loss panel page. Plain JSON: the page never talks to
// the engine directly; the host forwards what the engine reports and what it reads from .unroll/runs.

export interface PanelStep { epoch: number; step: number; loss: number; tokensPerSec?: number; ms?: number; time?: number }
export interface PanelEpoch { epoch: number; step: number; trainLoss: number; validLoss?: number; train?: Record<string, number>; valid?: Record<string, number>; seconds?: number }

export interface PanelRun {
  runId: string;
  experiment: string;
  /** Resolved settings shown in the panel (optimizer, lr, batch, device, ...). */
  settings: Record<string, string | number | boolean>;
  steps: PanelStep[];
  epochs: PanelEpoch[];
  /** The live run (others are earlier runs, overlaid for comparison). */
  live?: boolean;
  totalSteps?: number;
  status?: 'running' | 'completed' | 'stopped' | 'failed';
  samples?: { epoch: number; text: string }[];
  /** Why the run failed or stopped (shown under its status). */
  message?: string;
  /** A regression's prediction against the truth on validation data (the latest validation's). */
  prediction?: PanelPrediction;
}

export interface PanelPrediction { epoch: number; output: string; target: string; truth: number[]; predicted: number[] }

export type HostToPanel =
  | { type: 'runs'; runs: PanelRun[] }
  | { type: 'steps'; runId: string; steps: PanelStep[] }
  | { type: 'epoch'; runId: string; epoch: PanelEpoch }
  | { type: 'status'; runId: string; status: PanelRun['status']; message?: string }
  | { type: 'sample'; runId: string; epoch: number; text: string }
  | { type: 'prediction'; runId: string; prediction: PanelPrediction };

export type PanelToHost = { type: 'ready' } | { type: 'openRun'; runId: string };
