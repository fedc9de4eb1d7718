// The keys of the train, sample and predict blocks, and the losses, optimizers, metrics and inits.
import type { ParamInfo } from '../ops/types';

export interface CatalogEntry { name: string; doc: string; params: ParamInfo[] }

export const BLOCK_KEYS: Record<'train' | 'sample' | 'predict', ParamInfo[]> = {
  train: [
    { name: 'loss', type: 'call', doc: 'cross_entropy(logits, y), binary_cross_entropy(p, y) or mse(out, y)' },
    { name: 'optimizer', type: 'call', default: 'adam(lr = 1e-3)', doc: 'sgd(lr, momentum, weight_decay), adam(lr), rmsprop(lr), adagrad(lr)' },
    { name: 'epochs', type: 'int', default: '10', doc: 'passes over the training data' },
    { name: 'steps', type: 'int', doc: 'stop after this many steps (optional)' },
    { name: 'clip', type: 'float', doc: 'global gradient-norm clip' },
    { name: 'metrics', type: 'names', default: '[]', doc: 'accuracy, perplexity, exact_match' },
    { name: 'init', type: 'call', default: 'uniform(1/sqrt(size)), as PyTorch', doc: 'xavier, xavier(magnitude = 2.34), uniform(0.1), normal(0.01)' },
    { name: 'seed', type: 'int', default: '42', doc: 'makes CPU runs repeatable' },
    { name: 'device', type: 'name', default: 'auto', doc: 'auto, cpu, webgpu, cuda' },
    { name: 'threads', type: 'int', doc: 'CPU threads (default: all cores)' },
    { name: 'checkpoint_every', type: 'float', default: '300', doc: 'seconds between checkpoints inside an epoch (a checkpoint is also written at every epoch end and on every stop)' },
    { name: 'valid_steps', type: 'int', default: '200', doc: 'validation batches each validation reads at most (the first ones, in data order)' },
    { name: 'carry_state', type: 'bool', default: 'false', doc: 'start each batch from the previous batch\'s final recurrent state (detached: no gradient flows back into it), as truncated backpropagation through time; needs data in order (sine contiguous = true, text shuffle = false)' },
  ],
  sample: [
    { name: 'prime', type: 'string', default: '""', doc: 'text to start from' },
    { name: 'length', type: 'int', default: '200', doc: 'tokens to generate' },
    { name: 'temperature', type: 'float', default: '1', doc: 'below 1: safer; above 1: wilder' },
  ],
  predict: [{ name: 'from', type: 'string', doc: 'an example input, e.g. "2+3*4" or a sentence' }],
};

export const LOSSES: Record<string, CatalogEntry> = {
  cross_entropy: { name: 'cross_entropy', doc: 'Softmax cross-entropy: classes over the last dimension of the logits; y has exactly the other dimensions. Padded steps are ignored.', params: [{ name: 'logits', type: 'tensor', doc: 'float[.., classes]' }, { name: 'y', type: 'tensor', doc: 'int[..] < classes' }] },
  binary_cross_entropy: { name: 'binary_cross_entropy', doc: 'For one probability per example (after sigmoid): p is [batch] or [batch, 1], y is [batch] of 0/1.', params: [{ name: 'p', type: 'tensor', doc: 'probabilities' }, { name: 'y', type: 'tensor', doc: '0/1 labels' }] },
  mse: { name: 'mse', doc: 'Mean squared error; out and y have the same dimensions.', params: [{ name: 'out', type: 'tensor', doc: 'predictions' }, { name: 'y', type: 'tensor', doc: 'targets' }] },
};

const lr = (d: string): ParamInfo => ({ name: 'lr', type: 'float', default: d, doc: 'learning rate' });
const wd: ParamInfo = { name: 'weight_decay', type: 'float', default: '0', doc: 'L2 penalty' };
export const OPTIMIZERS: Record<string, CatalogEntry> = {
  sgd: { name: 'sgd', doc: 'Stochastic gradient descent (PyTorch semantics).', params: [lr('0.01'), { name: 'momentum', type: 'float', default: '0', doc: 'momentum' }, wd] },
  adam: { name: 'adam', doc: 'Adam (PyTorch defaults).', params: [lr('0.001'), { name: 'beta1', type: 'float', default: '0.9', doc: 'first moment decay' }, { name: 'beta2', type: 'float', default: '0.999', doc: 'second moment decay' }, { name: 'eps', type: 'float', default: '1e-8', doc: 'epsilon' }, wd] },
  rmsprop: { name: 'rmsprop', doc: 'RMSprop (PyTorch defaults).', params: [lr('0.01'), { name: 'alpha', type: 'float', default: '0.99', doc: 'smoothing' }, { name: 'eps', type: 'float', default: '1e-8', doc: 'epsilon' }, { name: 'momentum', type: 'float', default: '0', doc: 'momentum' }, wd] },
  adagrad: { name: 'adagrad', doc: 'Adagrad (PyTorch defaults).', params: [lr('0.01'), { name: 'eps', type: 'float', default: '1e-10', doc: 'epsilon' }, wd] },
};

export const METRICS: Record<string, CatalogEntry> = {
  accuracy: { name: 'accuracy', doc: 'Fraction of correct predictions (per token for sequences, padded steps excluded).', params: [] },
  perplexity: { name: 'perplexity', doc: 'exp(mean cross-entropy); also shown as bits per token.', params: [] },
  exact_match: { name: 'exact_match', doc: 'Fraction of examples whose whole output sequence is right.', params: [] },
};

export const INITS: Record<string, CatalogEntry> = {
  xavier: { name: 'xavier', doc: 'Xavier uniform in ±sqrt(magnitude / fan_avg) (MXNet\'s Xavier); the default magnitude 3 is Glorot\'s (PyTorch xavier_uniform_).', params: [{ name: 'magnitude', type: 'float', default: '3', doc: 'scale' }] },
  uniform: { name: 'uniform', doc: 'Uniform in [-a, a].', params: [{ name: 'a', type: 'float', default: '0.1', doc: 'half-width' }] },
  normal: { name: 'normal', doc: 'Normal with the given standard deviation.', params: [{ name: 'std', type: 'float', default: '0.01', doc: 'standard deviation' }] },
};

export const DEVICES = ['auto', 'cpu', 'webgpu', 'cuda'];
