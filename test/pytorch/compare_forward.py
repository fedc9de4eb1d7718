"""The PyTorch model of an export, with a checkpoint's weights, on a batch the engine ran: prints, as JSON,
the largest difference from the engine's output per tensor. Arguments: the export's folder, the checkpoint,
the batch file (run_format layout: batch/<name>, mask, out/<name>; beside it <file>.json lists the int inputs)."""
import json
import sys

import torch

sys.path.insert(0, sys.argv[1])
import model  # noqa: E402
import run_format  # noqa: E402

# As the export's README says.
m = getattr(model, json.load(open(sys.argv[1] + '/train.json'))['className'])()
_, tensors = run_format.read_checkpoint(sys.argv[2])
run_format.load_weights(m, tensors, model.RENAMED)
m.eval()
_, data = run_format.read_checkpoint(sys.argv[3])
ints = set(json.load(open(sys.argv[3] + '.json')))
batch = {k[6:]: (torch.from_numpy(v).long() if k[6:] in ints else torch.from_numpy(v)) for k, v in data.items() if k.startswith('batch/')}
mask = torch.from_numpy(data['mask']) if 'mask' in data else None
with torch.no_grad():
    out = m(batch, mask)
print(json.dumps({k: (out[k].double() - torch.from_numpy(data['out/' + k]).double()).abs().max().item() for k in out if 'out/' + k in data}))
