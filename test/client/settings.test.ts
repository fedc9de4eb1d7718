import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseSettings } from '../../client/settings';
import { DEFAULT_SETTINGS } from '../../server/protocol';

test('empty settings normalise to the server defaults with tracing off', () => {
  const s = normaliseSettings(undefined);
  assert.deepEqual({ inlayHints: s.inlayHints, shapeStyle: s.shapeStyle, diagnostics: s.diagnostics }, DEFAULT_SETTINGS);
  assert.equal(s.trace.server, 'off');
});

test('nested settings from the unroll section pass through to the server shape', () => {
  const s = normaliseSettings({ inlayHints: { enabled: false, runtime: false }, shapeStyle: 'sizes', diagnostics: { debounceMs: 40 }, trace: { server: 'verbose' } });
  assert.deepEqual(s, { inlayHints: { enabled: false, runtime: false }, shapeStyle: 'sizes', diagnostics: { debounceMs: 40 }, trace: { server: 'verbose' } });
});

test('hand-edited garbage falls back per field instead of reaching the server', () => {
  const s = normaliseSettings({ inlayHints: 'yes', shapeStyle: 'fancy', diagnostics: { debounceMs: -5 }, trace: { server: 'loud' } });
  assert.equal(s.inlayHints.enabled, true);
  assert.equal(s.shapeStyle, 'names-and-sizes');
  assert.equal(s.diagnostics.debounceMs, 0, 'negative debounce clamps to 0');
  assert.equal(s.trace.server, 'off');
  assert.equal(normaliseSettings({ diagnostics: { debounceMs: 1e9 } }).diagnostics.debounceMs, 5000);
  assert.equal(normaliseSettings({ diagnostics: { debounceMs: Number.NaN } }).diagnostics.debounceMs, 0);
});
