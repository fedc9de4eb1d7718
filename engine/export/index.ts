// Public entry of the exporter (the runtime's toolchain imports it from here).
export { exportOnnx, type ExportOptions } from './onnx';
