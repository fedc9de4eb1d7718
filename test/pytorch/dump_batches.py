"""Writes data.py's batches of epochs 0 and 1 (the first `n` of each) and every validation batch to a file in
Unroll's checkpoint layout, for data.test.ts to compare with the engine's."""
import sys

sys.path.insert(0, sys.argv[1])
import data  # noqa: E402
import run_format  # noqa: E402

d = data.Data(sys.argv[1])
n = int(sys.argv[3])
out = {}
for epoch in (0, 1):
    for i, (batch, mask, tokens) in enumerate(d.train_batches(epoch)):
        if i >= n:
            break
        for k, v in batch.items():
            out[f'train{epoch}/{i}/{k}'] = v.float()
        if mask is not None:
            out[f'train{epoch}/{i}/#mask'] = mask
        out[f'train{epoch}/{i}/#tokens'] = [float(tokens)]
for i, (batch, mask, tokens) in enumerate(d.valid_batches()):
    for k, v in batch.items():
        out[f'valid/{i}/{k}'] = v.float()
    if mask is not None:
        out[f'valid/{i}/#mask'] = mask
    out[f'valid/{i}/#tokens'] = [float(tokens)]
out['#steps'] = [float(d.steps_per_epoch())]
out['#smallest'] = [float(d.smallest_batch())]
run_format.write_checkpoint(sys.argv[2], out, 0, 0)
