// The README.md of a PyTorch export: what each file is, how to load the trained model, how to train it.

export interface ReadmeInput {
  experiment: string; className: string; run: string; hasStep: boolean; hasTrain: boolean; carryState?: boolean; inputs: string[];
  /** The folder written, as the export was asked for it. */
  dir: string;
  /** The data is a file data.py reads (not generated samples stored in data.bin). */
  dataFile?: boolean;
}

export function pytorchReadme(r: ReadmeInput): string {
  const batch = r.inputs.map((n) => `'${n}': ${n}`).join(', ');
  const rows = [
    ['model.py', `\`${r.className}\`, an \`nn.Module\`: one line of \`forward\` per statement of the experiment, its shape as a comment`],
    ['layers.py', 'what the model needs beside `torch.nn`: recurrent layers over padded batches (a padded step keeps the state; see below), `last` and reductions over real steps, attention'],
    ...(r.hasStep ? [['step.py', 'the loss, the optimizer and one training step, as the engine takes them']] : []),
    ...(r.hasTrain ? [
      ['train.py', 'training in one process or many (`torchrun`), writing an Unroll run'],
      ['data.py', 'the engine\'s batches, epoch by epoch, as the engine draws them (`data.json` says how)'],
      r.dataFile ? ['loaders.py', 'the engine\'s loaders: reads the data file `data.json` names, tokenizes it with `vocab.json` and cuts it into rows']
        : ['data.bin', 'the generated samples the engine trained on, every row of both splits'],
      ['train.json', 'the train block\'s settings train.py follows: epochs, steps, optimizer, clipping, metrics, checkpoints'],
      ['rng.py', 'the engine\'s random numbers, so the shuffles are the engine\'s'],
      ['run_writer.py', 'the run folder train.py writes, in Unroll\'s format'],
      ['progress.py', 'progress lines and the divergence warning train.py prints'],
    ] : []),
    ['run_format.py', 'reads and writes Unroll checkpoints (`weights.bin`, a run\'s `checkpoint-*.bin`)'],
    ['weights.bin', 'the run\'s last checkpoint: weights, optimizer state and its step; the state_dict keys are the engine\'s parameter names'],
    ['vocab.json', 'the run\'s data description: vocabulary, labels, sizes'],
    ['tokenizer.json', 'how text becomes ids (split, case, unknown words) and how rows are padded'],
    ['experiment.rnn', 'the experiment the run trained'],
  ];
  const missing = 'Not written for this experiment: `data.py` and `train.py` (its data has no file and no rows to store).';
  const train = r.hasTrain ? `
## Train

\`\`\`sh
python3 train.py                          # one process: CPU, or the first GPU
torchrun --nproc_per_node 4 train.py      # four processes on this machine (one per GPU, or gloo on CPUs)
torchrun --nnodes 4 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HOST:PORT train.py   # 4 hosts of 8 GPUs
\`\`\`

With PyTorch 1.13 on Python 3.11 (Debian 12's \`python3-torch\`), torchrun's defaults fail before it starts the
processes (\`'NoneType' object has no attribute 'get'\`); add \`--redirects 2 --tee 2\` after \`torchrun\` (each process's errors then show, prefixed by its rank).
When a process stops (Ctrl-C, an error), torchrun itself also prints a \`SignalException\` or \`ChildFailedError\`
traceback of its own; train.py's message is the one above it.

${r.dataFile ? `\`data.json\` names the data file the export was made from. \`--data FILE\` trains on another one (a grown
corpus, or the same file on another host) read with this export's vocabulary: words it lacks read as
\`<unk>\` (train.py says how many), and a character vocabulary without \`<unk>\` refuses a new character,
naming its line. New classes or a new vocabulary need a new export.
` : 'The data is generated: `data.bin` holds the samples the engine trained on, and train.py reads them.\n'}
It checkpoints at the end of every epoch, every \`checkpoint_every\` seconds inside one (300 by default), and
where Ctrl-C or SIGTERM stops it: the step in flight finishes first (under torchrun every process stops after
the same step, that one or the next; torchrun ends them 30 s after a Ctrl-C), and in one process a second Ctrl-C stops at once. A loss that becomes NaN or infinite
stops the run before that step's update, and the last good checkpoint stands. Progress goes to stderr; stdout
is the run's folder only.

It goes on from the run's last checkpoint (\`--fresh\` starts from PyTorch's initial weights instead). Every
process reads the same global batches and takes its share of each one's rows; the gradients are averaged,
and each loss is divided by the whole batch's count, so N processes take the steps one process would (without dropout: each process draws its own
dropout masks, so with dropout the losses differ a little). Rank 0
writes a new run under \`<runs>/${r.experiment}/<run id>/\`, where \`<runs>\` is the workspace's \`.unroll/runs\` the
export came from (\`--runs DIR\` says another), in Unroll's format: \`settings.json\`, \`metrics.jsonl\` (a line per step and
per epoch), \`checkpoint-*.bin\` and \`checkpoint.json\`, \`vocab.json\` and \`experiment.rnn\`. Unroll's loss
panel shows it, and \`unroll predict\`, \`sample\`, \`export\` and \`train --resume\` work on it.
` : `\n${missing}\n`;
  return `# ${r.experiment} as PyTorch

Written by \`unroll export ${r.run} ${r.dir} --format pytorch\`.

| file | what it is |
| --- | --- |
${rows.map(([f, w]) => `| \`${f}\` | ${w} |`).join('\n')}

## Load and run the trained model (Python 3 with PyTorch)

\`\`\`python
import torch
import model, run_format

m = model.${r.className}()
_, tensors = run_format.read_checkpoint('weights.bin')
run_format.load_weights(m, tensors, model.RENAMED)
m.eval()
with torch.no_grad():
    out = m({${batch}})   # the data's tensors by name; pass mask= for padded rows (1 on real steps)
\`\`\`

\`out\` holds every named tensor of the model block. Token ids are the ones in \`vocab.json\`; \`tokenizer.json\`
says how text becomes them and how rows are padded (then pass \`mask=\`, 1 on real steps; without it every step
is real).

A recurrent layer over padded rows runs \`nn.LSTM\`/\`GRU\`/\`RNN\` itself, cuDNN's fused kernel on a GPU: the rows are
packed (\`pack_padded_sequence\`; rows padded at the front are moved to the left first and back after), and each
padded step gets the state the engine gives it (a padded step keeps the state). Training on a CPU, a layer in one
direction runs unpacked over the rows moved to the left instead (PyTorch's CPU backward through a packed output
costs a full-size zero tensor per time step), and packed once more only when the model reads its final state.
\`data.py\` batches rows of similar lengths together, as the engine does, so little of a batch is padding.
\`layers.py\` steps a layer in a
Python loop, one time step at a time, only where packing cannot say what the engine does: when \`m.noise\` is set
(the tests draw the engine's dropout masks with it) in training and the layer has dropout between layers, and for
a mask with more than one run of real steps in a row (the data never makes one: rows are padded at the front or
at the back).${r.carryState ? '\n\nThe experiment has `carry_state = true`: with `m.carried = {}` each recurrent layer starts from the state it\nended the previous batch with (train.py does this; validation starts every batch from zeros, as the engine).' : ''}
${train}`;
}
