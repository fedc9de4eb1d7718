// A workspace for the PyTorch tests that run the bundled CLI as a user does: a temporary folder with
// `.unroll/` (the examples copied in when asked), the CLI built once, removed afterwards
// (UNROLL_KEEP_PYTORCH=1 keeps it for a look).
import { after, before } from 'node:test';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildEngine } from '../engine/runtime-fixtures';

export const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

export interface CliWorkspace {
  /** The folder (set when the tests start). */
  work: string;
  unroll(args: string[]): SpawnSyncReturns<string>;
}

export function cliWorkspace(prefix: string, o: { examples?: boolean } = {}): CliWorkspace {
  let cli = '';
  const ws: CliWorkspace = {
    work: '',
    unroll: (args) => spawnSync(process.execPath, [cli, ...args], { cwd: ws.work, encoding: 'utf8', timeout: 300_000 }),
  };
  before(async () => {
    cli = path.join(await buildEngine(), 'cli.js');
    ws.work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    fs.mkdirSync(path.join(ws.work, '.unroll'));
    if (o.examples) fs.cpSync(EXAMPLES, ws.work, { recursive: true });
  });
  after(() => { if (!process.env.UNROLL_KEEP_PYTORCH) fs.rmSync(ws.work, { recursive: true, force: true }); });
  return ws;
}

/** An encoder-decoder with general attention on generated arithmetic (no dropout: two processes would draw
 *  other masks than one). */
export function encoderDecoder(name: string, data: string, train: string): string {
  return `experiment ${name}
dims { hidden = 16 }
data arithmetic { ${data} }
model {
  input x: int[batch, src] < vocab
  input y: int[batch, tgt] < vocab
  enc, s = lstm(embedding(x, vocab, hidden), hidden)
  q = repeat(s.h, tgt)
  c, w = attention(q, enc, score = general)
  logits = dense(c + q, vocab)
}
train { ${train} }
`;
}
