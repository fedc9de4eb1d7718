// The README.md of a PyTorch export: what each file is and how to load the trained model.

export interface ReadmeInput { experiment: string; className: string; run: string; hasStep: boolean; inputs: string[] }

export function pytorchReadme(r: ReadmeInput): string {
  const batch = r.inputs.map((n) => `'${n}': ${n}`).join(', ');
  return `# ${r.experiment} as PyTorch

Written by \`unroll export ${r.run} --format pytorch\` from run ${r.run}.

| file | what it is |
| --- | --- |
| \`model.py\` | \`${r.className}\`, an \`nn.Module\`: one line of \`forward\` per statement of the experiment, its shape as a comment |
| \`layers.py\` | what the model needs beside \`torch.nn\`: recurrent layers over padded batches (a padded step keeps the state), \`last\` and reductions over real steps, attention |
${r.hasStep ? '| `step.py` | the loss, the optimizer and one training step, as the engine takes them |\n' : ''}| \`run_format.py\` | reads and writes Unroll checkpoints (\`weights.bin\`, a run's \`checkpoint-*.bin\`) |
| \`weights.bin\` | the run's trained weights; the state_dict keys are the engine's parameter names |
| \`vocab.json\` | the run's data description: vocabulary, labels, sizes |

Load and run it (Python 3 with PyTorch):

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

\`out\` holds every named tensor of the model block. Token ids are the ones in \`vocab.json\`.

Not written yet: \`data.py\` (the engine's loaders in Python) and \`train.py\` (training under \`torchrun\`), so
training in PyTorch means writing the loop around \`step.train_step\`.
`;
}
