import { analyze } from '../language/index';
import { generateExperiment } from './lsp.bench';
const { text } = generateExperiment(20000);
for (let i = 0; i < 6; i++) analyze(text, { uri: 'file:///b.rnn' });
