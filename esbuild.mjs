// Bundles each entry point into dist/. One context per entry: the client keeps `vscode` external,
// the server, engine and CLI are bundled whole (onnxruntime-node stays external: it loads a native addon).
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { cpSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const node = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, minify: production, logLevel: 'warning' };
const entries = [
  { entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js', external: ['onnxruntime-node'] },
  { entryPoints: ['server/main.ts'], outfile: 'dist/server.js' },
  { entryPoints: ['engine/process/main.ts'], outfile: 'dist/engine.js', external: ['onnxruntime-node'] },
  { entryPoints: ['engine/runtime/worker.ts'], outfile: 'dist/engine-worker.js', external: ['onnxruntime-node'] },
  { entryPoints: ['client/extension.ts'], outfile: 'dist/client.js', external: ['vscode'] },
  { entryPoints: ['client/webview/panel.ts'], outfile: 'dist/webview/panel.js', platform: 'browser', format: 'iife', target: 'es2022' },
].filter((e) => existsSync(e.entryPoints[0])); // entries appear as their issues land

for (const e of entries) {
  const options = { ...node, ...e };
  if (watch) await (await esbuild.context(options)).watch();
  else await esbuild.build(options);
}

// The Python files a PyTorch export copies (engine/pytorch/index.ts looks for them beside the bundle).
cpSync('engine/pytorch/py', 'dist/pytorch', { recursive: true });
