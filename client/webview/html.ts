// The panel page's HTML with a strict content security policy: only the bundled script (by nonce) and
// stylesheet from the extension's own folder; no remote content, no inline script without the nonce.
export interface PanelHtmlOptions { scriptUri: string; styleUri: string; cspSource: string; nonce: string }

export function panelHtml(o: PanelHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${o.styleUri}">
<style>
  body { color: var(--vscode-editor-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 8px 16px; }
  h2, h3 { font-weight: 600; margin: 12px 0 4px; }
  #layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(180px, 1fr); gap: 16px; }
  table { border-collapse: collapse; } td { padding: 1px 8px 1px 0; } td:first-child { color: var(--vscode-descriptionForeground); }
  pre { white-space: pre-wrap; background: var(--vscode-textCodeBlock-background); padding: 6px; }
  .u-legend { color: var(--vscode-editor-foreground); }
</style>
<title>Unroll: loss</title>
</head>
<body>
<div id="layout">
  <div><h2>Training loss</h2><div id="loss"></div><h2>Per epoch</h2><div id="valid"></div><div id="prediction-box" hidden><h2 id="prediction-title">Prediction on validation data</h2><div id="prediction"></div></div><h2>Samples</h2><div id="samples"></div></div>
  <div id="info"></div>
</div>
<script nonce="${o.nonce}" src="${o.scriptUri}"></script>
</body>
</html>`;
}

/** A fresh nonce per page load, from the platform's cryptographic random source. */
export function makeNonce(): string {
  const bytes = new Uint8Array(24);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
