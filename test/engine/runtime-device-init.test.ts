import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeDevice, selectDevice, DeviceError } from '../../engine/runtime/device';
import { initParam, Rng, fans } from '../../engine/runtime/init';

test('cpu is always selectable and auto names what it tried', async () => {
  assert.deepEqual(await selectDevice('cpu'), { device: 'cpu', reason: 'asked for' });
  const auto = await selectDevice('auto');
  assert.ok(['cpu', 'webgpu', 'cuda'].includes(auto.device));
  if (auto.device === 'cpu') assert.match(auto.reason, /auto: cuda: .*; webgpu: /);
});

test('an unavailable cuda explains how to install its provider', async (t) => {
  if ((await probeDevice('cuda')) === true) return t.skip('CUDA is installed on this machine');
  await assert.rejects(selectDevice('cuda'), (e: Error) => e instanceof DeviceError && /ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/.test(e.message) && /--device/.test(e.message));
});

test('an unavailable webgpu says it needs a GPU adapter and suggests cpu', async (t) => {
  if ((await probeDevice('webgpu')) === true) return t.skip('WebGPU works on this machine');
  await assert.rejects(selectDevice('webgpu'), /device webgpu is not available: .*adapter.*device = cpu/s);
});

test('an unknown device name is refused with the valid names', async () => {
  await assert.rejects(selectDevice('tpu'), /unknown device "tpu": use auto, cpu, webgpu or cuda/);
});

test('the same seed and parameter name give the same initial weights; other names or seeds differ', () => {
  const spec = { name: 'lstm.weight_ih_l0', shape: [64, 30], init: { kind: 'xavier' as const } };
  assert.deepEqual(initParam(spec, 42), initParam(spec, 42));
  assert.notDeepEqual(initParam(spec, 42), initParam(spec, 43));
  assert.notDeepEqual(initParam(spec, 42), initParam({ ...spec, name: 'lstm.weight_hh_l0' }, 42));
});

test('xavier draws within sqrt(magnitude / avg fan) and fills that range; magnitude comes from scale', () => {
  const shape = [256, 128];
  const { fanIn, fanOut } = fans(shape);
  assert.deepEqual([fanIn, fanOut], [128, 256]);
  for (const mag of [3, 2.34]) {
    const b = Math.sqrt(mag / ((fanIn + fanOut) / 2));
    const w = initParam({ name: 'w', shape, init: { kind: 'xavier', scale: mag === 3 ? undefined : mag } }, 1);
    const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(max <= b && max > 0.99 * b, `max |w| ${max} vs bound ${b}`);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    assert.ok(Math.abs(mean) < 0.01 * b * 10);
  }
});

test('uniform, normal, zeros, ones and the LSTM forget-gate bias have the documented values', () => {
  const u = initParam({ name: 'u', shape: [1000], init: { kind: 'uniform', scale: 0.1 } }, 3);
  assert.ok(u.every((v) => v >= -0.1 && v < 0.1) && u.some((v) => v > 0.09) && u.some((v) => v < -0.09));
  const n = initParam({ name: 'n', shape: [20000], init: { kind: 'normal', scale: 0.5 } }, 3);
  const sd = Math.sqrt(n.reduce((s, v) => s + v * v, 0) / n.length);
  assert.ok(Math.abs(sd - 0.5) < 0.02, `sd ${sd}`);
  assert.ok(initParam({ name: 'z', shape: [4], init: { kind: 'zeros' } }, 1).every((v) => v === 0));
  assert.ok(initParam({ name: 'o', shape: [4], init: { kind: 'ones' } }, 1).every((v) => v === 1));
  const fb = initParam({ name: 'bias_ih_l0', shape: [8], init: { kind: 'lstm_forget_bias' } }, 1);
  assert.deepEqual(Array.from(fb), [0, 0, 1, 1, 0, 0, 0, 0]);
});

test('the PRNG is uniform enough: bucket counts of 100k draws stay within 3% of even', () => {
  const r = new Rng(9);
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) buckets[Math.floor(r.next() * 10)]++;
  for (const b of buckets) assert.ok(Math.abs(b - 10_000) < 300, `bucket ${b}`);
});

test('vulkaninfo --summary is read into adapters: llvmpipe is software, a discrete GPU is hardware', async () => {
  const { parseVulkanSummary } = await import('../../engine/runtime/adapters');
  const text = `Devices:\n========\nGPU0:\n\tapiVersion         = 1.3.289\n\tdeviceType         = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU\n\tdeviceName         = NVIDIA H100 80GB HBM3\n\tdriverName         = NVIDIA\nGPU1:\n\tdeviceType         = PHYSICAL_DEVICE_TYPE_CPU\n\tdeviceName         = llvmpipe (LLVM 15.0.6, 256 bits)\n\tdriverName         = llvmpipe\n`;
  assert.deepEqual(parseVulkanSummary(text), [
    { name: 'NVIDIA H100 80GB HBM3', type: 'discrete', software: false, driver: 'NVIDIA', source: 'vulkaninfo' },
    { name: 'llvmpipe (LLVM 15.0.6, 256 bits)', type: 'cpu', software: true, driver: 'llvmpipe', source: 'vulkaninfo' },
  ]);
});
