// The data layer's single entry point: tokenizers, vocabularies, table readers, size probing (the checker's
// DataHost) and generator sizes. Pure Node: the engine's loaders build on the same functions.
export { SOURCE_DEFAULTS, FILE_SOURCES, GENERATOR_SOURCES, MAX_VOCAB, ArgReader, argsFromValues } from './args';
export type { PlainArg, PlainArgs, TokenKind } from './args';
export { DataError } from './errors';
export type { DataErrorCode } from './errors';
export { mulberry32, deriveSeed, randInt, shuffleInPlace, STREAM_SHUFFLE, STREAM_TRAIN_GEN, STREAM_VALID_GEN } from './prng';
export { KERAS_FILTER_CHARS, charTokens, wordTokens, kerasWords, lineWords, fieldTokens, joinTokens, EOS } from './tokenize';
export { PAD, UNK, BOS, EOS_PAIR, TokenCounter, buildVocab, makeVocab, tokenId } from './vocab';
export type { Vocab, VocabOptions } from './vocab';
export { RowReader, formatFromPath } from './rows';
export type { Row, TableFormat } from './rows';
export {
  createScanner, scanText, LineSplitter, textSettings, classifySettings, pairsSettings, seriesSettings, textSpecials,
  textLineTokens, sortLabels, PAIR_SPECIALS,
} from './scan';
export type { Scanner, ScanResult, ScanOptions, TextSettings, ClassifySettings, PairsSettings, SeriesSettings } from './scan';
export { probeDims, arithmeticSettings, sineSettings, addingSettings, validSamples } from './generators';
export type { ArithmeticSettings, SineSettings, AddingSettings } from './generators';
export { createFsDataHost } from './host';
export { dataRoot, projectRoot, realPath, RUNS_MARKER, workspaceFolderOf } from './root';
export { decodeText, TextSniffer } from './sniff';
export { formatLengthReport, LengthCounter } from './lengths';
export type { FsDataHost, FsDataHostOptions } from './host';
