// The examples are the first thing a user opens (language.md, "Examples"): each must check clean against its
// real data, with every size known, so the summary shows a parameter count.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../language/index';
import { createFsDataHost } from '../../language/data/index';
import { show } from './helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'examples');
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.rnn')).sort() : [];

describe('examples', () => {
  const host = createFsDataHost({ workspaceRoot: ROOT });
  for (const f of files) {
    test(`${f} checks without errors or warnings, with every size known`, async () => {
      const file = join(DIR, f);
      const text = readFileSync(file, 'utf8');
      const run = () => analyze(text, { uri: `file://${file}`, path: file, host });
      let a = run();
      // Large corpora are read in the background; the check settles once they are.
      if (a.pending) { await host.idle(); a = run(); }
      assert.equal(a.pending, false);
      assert.deepEqual(a.diagnostics.map(show), [], `${f} should check clean`);
      assert.ok(a.model.length > 0 && a.train?.loss, `${f} has a model and a loss`);
      assert.ok(a.totalParams !== undefined && a.totalParams > 0, `${f}: every size is known (total ${a.totalParams})`);
    });
  }
  test('there are examples to check', () => {
    assert.ok(files.length > 0, `no .rnn files in ${DIR}`);
  });
});
