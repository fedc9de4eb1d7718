// One training step as the engine takes it (engine/compile/train.ts, engine/losses, engine/optim), as
// PyTorch (step.py): the loss over the real tokens, gradients, global-norm clipping, the optimizer update.
import type { Shape, TrainSettings } from '../../language/types';
import { optimizerSettings, type OptimizerName } from '../optim/index';
import { EngineError } from '../layers/types';
import { pyNumber } from './names';

export interface StepInput {
  train: TrainSettings;
  /** Shapes of the loss's operands by name (names of dimensions and whether they are padded). */
  shapes: Record<string, Shape>;
  maskDim?: string;
  lr: number;
}

export function generateStep(s: StepInput): string {
  const loss = s.train.loss;
  if (!loss) throw new EngineError('the experiment has no loss: add `loss = cross_entropy(logits, y)` to the train block');
  for (const o of loss.operands) if (o.field) throw new EngineError(`the PyTorch export cannot read a state field (${o.name}.${o.field}) in the loss yet`);
  const [pred, target] = loss.operands.map((o) => o.name);
  const y = s.shapes[target];
  const mask = targetMask(y, s.maskDim);
  const lines = [
    `"""One training step of the experiment as the engine takes it: ${loss.fn} loss, gradients,`,
    `${s.train.clip ? `clipping to global norm ${s.train.clip}, ` : ''}then ${s.train.optimizer.name}. Written by \`unroll export --format pytorch\`."""`,
    'import torch',
    'import torch.nn.functional as F',
    '',
    '',
    'def tensor(out, batch, name):',
    '    """A loss operand: a model tensor, else one the data gives (the target)."""',
    '    return out[name] if name in out else batch[name]',
    '',
    '',
    'def loss_terms(out, batch, mask=None):',
    '    """The summed loss and what it is a mean over (real tokens, or elements): train.py divides the',
    '    sum by the count of the whole batch, split over processes or not."""',
    `    pred, y = tensor(out, batch, ${JSON.stringify(pred)}), tensor(out, batch, ${JSON.stringify(target)})`,
    ...lossBody(loss.fn, mask),
    '',
    '',
    'def loss_of(out, batch, mask=None):',
    '    total, count = loss_terms(out, batch, mask)',
    '    return total / count.clamp(min=1)  # an all-padding batch gives 0, as the engine\'s',
    '',
    '',
    ...metricsBody(loss.fn, s.train.metrics, mask, pred, target),
    '',
    '',
    'def make_optimizer(model):',
    `    return ${optimizer(s.train, s.lr)}`,
    '',
    '',
    'def train_step(model, optimizer, batch, mask=None):',
    '    """One update; returns the loss before it."""',
    '    model.train()',
    '    optimizer.zero_grad()',
    '    loss = loss_of(model(batch, mask), batch, mask)',
    '    loss.backward()',
    ...(s.train.clip ? [`    torch.nn.utils.clip_grad_norm_(model.parameters(), ${pyNumber(s.train.clip)})`] : []),
    '    optimizer.step()',
    '    return loss.item()',
    '',
  ];
  return lines.join('\n');
}

/** Where the target's padding mask comes from (compile/train.ts targetMask): none, the batch's, or its own. */
function targetMask(y: Shape | undefined, maskDim?: string): string | undefined {
  if (!y?.masked) return undefined;
  const dim = y.dims[1]?.name;
  if (maskDim !== undefined && dim === maskDim) return 'mask';
  return dim === undefined ? undefined : `batch.get(${JSON.stringify(`mask/${dim}`)})`;
}

function lossBody(fn: string, mask: string | undefined): string[] {
  const all = '    return total, torch.tensor(float(y.numel()), device=total.device)';
  switch (fn) {
    case 'cross_entropy':
      if (!mask) return ['    total = F.cross_entropy(pred.reshape(-1, pred.shape[-1]), y.reshape(-1).long(), reduction=\'sum\')', all];
      return [
        '    # Over real tokens only: padded positions count in no loss (no mask: every position is real).',
        `    m = ${mask}`,
        '    m = torch.ones(y.shape, device=pred.device) if m is None else m',
        '    nll = F.cross_entropy(pred.reshape(-1, pred.shape[-1]), y.reshape(-1).long(), reduction=\'none\').reshape(m.shape)',
        '    return (nll * m).sum(), m.sum()',
      ];
    case 'binary_cross_entropy':
      return ['    total = F.binary_cross_entropy(pred.reshape(y.shape), y.to(pred.dtype), reduction=\'sum\')', all];
    case 'mse':
      return ['    total = F.mse_loss(pred.reshape(y.shape), y.to(pred.dtype), reduction=\'sum\')', all];
  }
  throw new EngineError(`unknown loss '${fn}'`);
}

/**
 * metric_terms: each requested metric as (sum, count) over the batch, as engine/compile/train.ts counts them:
 * accuracy, the positions whose target has the largest logit (ties count); exact_match, the rows whose every
 * real position does. Perplexity is exp of an epoch's mean loss (train.py).
 */
function metricsBody(fn: string, metrics: string[], mask: string | undefined, pred: string, target: string): string[] {
  const wanted = metrics.filter((m) => m === 'accuracy' || m === 'exact_match');
  const head = [
    'def metric_terms(out, batch, mask=None):',
    '    """The requested metrics (beside perplexity) as (sum, count) over this batch."""',
  ];
  if (!wanted.length || fn === 'mse') return [...head, '    return {}'];
  const hit = fn === 'cross_entropy'
    ? '    hit = (pred.gather(-1, y.long().unsqueeze(-1)) == pred.amax(dim=-1, keepdim=True)).squeeze(-1).float()'
    : '    hit = ((pred.reshape(y.shape) > 0.5) == (y > 0.5)).float()';
  const m = mask ? [`    m = ${mask}`, '    m = torch.ones(y.shape, device=pred.device) if m is None else m'] : ['    m = torch.ones(y.shape, device=pred.device)'];
  const lines = [...head, `    pred, y = tensor(out, batch, ${JSON.stringify(pred)}), tensor(out, batch, ${JSON.stringify(target)})`, '    terms = {}', hit, ...m];
  if (wanted.includes('accuracy')) lines.push("    terms['accuracy'] = ((hit * m).sum(), m.sum())");
  if (wanted.includes('exact_match')) {
    lines.push('    # A padded position counts as right: a row is right when all its real positions are.');
    lines.push('    rows = (hit * m + (1 - m)).reshape(hit.shape[0], -1).amin(dim=1) if hit.dim() > 1 else hit');
    lines.push("    terms['exact_match'] = (rows.sum(), torch.tensor(float(rows.numel()), device=pred.device))");
  }
  lines.push('    return terms');
  return lines;
}

function optimizer(t: TrainSettings, lr: number): string {
  const name = t.optimizer.name as OptimizerName;
  const s = optimizerSettings({ name, params: t.optimizer.params });
  const n = (v: number) => pyNumber(v);
  const b = (v: number) => (v ? 'True' : 'False');
  switch (name) {
    case 'adam': return `torch.optim.Adam(model.parameters(), lr=${n(lr)}, betas=(${n(s.beta1)}, ${n(s.beta2)}), eps=${n(s.eps)}, weight_decay=${n(s.weight_decay)}, amsgrad=${b(s.amsgrad)})`;
    case 'sgd': return `torch.optim.SGD(model.parameters(), lr=${n(lr)}, momentum=${n(s.momentum)}, dampening=${n(s.dampening)}, weight_decay=${n(s.weight_decay)}, nesterov=${b(s.nesterov)})`;
    case 'rmsprop': return `torch.optim.RMSprop(model.parameters(), lr=${n(lr)}, alpha=${n(s.alpha)}, eps=${n(s.eps)}, weight_decay=${n(s.weight_decay)}, momentum=${n(s.momentum)}, centered=${b(s.centered)})`;
    case 'adagrad': return `torch.optim.Adagrad(model.parameters(), lr=${n(lr)}, lr_decay=${n(s.lr_decay)}, weight_decay=${n(s.weight_decay)}, initial_accumulator_value=${n(s.initial_accumulator_value)}, eps=${n(s.eps)})`;
  }
  throw new EngineError(`unknown optimizer '${name}'`);
}
