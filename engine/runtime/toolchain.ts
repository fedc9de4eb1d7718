// The pieces of other layers the runtime's jobs use, gathered in one place: the language core (check the
// experiment), the data loaders, the compiler and the exporter.
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import type { Analysis, DataSource } from '../../language/types';
import { loadDataset, restoreDataset } from '../data/index';
import { compileExperiment } from '../compile/index';
import { exportOnnx, type ExportOptions } from '../export/onnx';
import { describeExport } from '../export/metadata';

export type { Analysis };

export const toolchain = {
  analyze,
  createDataHost: (workspaceRoot?: string) => createFsDataHost({ workspaceRoot }),
  loadDataset: (source: DataSource, opts: { seed: number; baseDir: string }) => loadDataset(source, opts),
  restoreDataset: (saved: unknown, source: DataSource) => restoreDataset(saved, source),
  compileExperiment: (a: Analysis, dims: Record<string, number>) => compileExperiment(a, dims),
  exportOnnx: (a: Analysis, dims: Record<string, number>, weights: Record<string, Float32Array>, opts?: ExportOptions) => exportOnnx(a, dims, weights, opts),
  describeExport,
};
