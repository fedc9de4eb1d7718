"""Unroll's data loaders in Python: a data file read, tokenized and cut into rows as the engine does it
(language/data and engine/data), with the vocabulary of the export (vocab.json: the run's, or the one the
engine built from the file). So a new or grown corpus trains without a new export, and every process reads
the same rows.

What each source gives (rows of one split; data.py draws the batches):
- text: a token stream cut into seq_len windows, x the window and y the next tokens (PyTorch's batchify
  layout); with buckets, one sentence a line, padded at the back to its bucket, the mask on the steps that
  have a target;
- classify: max_len ids padded and cut at the front, the label's index, the mask on real tokens;
- pairs: the source padded at the front; y the target then </s>, y_in <s> then the target;
  classify and pairs rows are stored at the caps (max_len; src, tgt) with each row's length along each
  padded dimension and the widths (engine/data/lengths.ts), for data.py to batch them by length unless
  data.json says "grouped": false (a model whose weights depend on the width);
- series: windows of the numeric columns, y the same rows `horizon` later.
Tokens the vocabulary lacks read as <unk>; a vocabulary without <unk> (characters) refuses them, naming
the line.
"""
import hashlib
import json
import math
import re

import numpy as np
import torch

import rng

STREAM_SPLIT = 0x73706c74
PAD, UNK, BOS, EOS_PAIR, EOS = '<pad>', '<unk>', '<s>', '</s>', '<eos>'

# JavaScript's \s and trim() (what the engine splits words on), not Python's (which adds \x1c-\x1f, \x85).
JS_SPACE = '\t\n\v\f\r \u00a0\u1680' + ''.join(map(chr, range(0x2000, 0x200b))) + '\u2028\u2029\u202f\u205f\u3000\ufeff'
_SPLIT = re.compile(f'[{JS_SPACE}]+')
_KERAS = re.compile('[' + re.escape('!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r') + ']')
_DECIMAL = re.compile(r'[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?')


class DataError(Exception):
    """Something the user must fix in the data: where, what, and how."""

    def __init__(self, file, message, line=None, fix=None):
        super().__init__(message)
        self.file, self.line, self.fix = file, line, fix

    def __str__(self):
        where = f'{self.file}:{self.line}' if self.line else self.file
        return f'{where}: {self.args[0]}' + (f'\n  fix: {self.fix}' if self.fix else '')


def js_trim(s):
    return s.strip(JS_SPACE)


def words(s):
    return [w for w in _SPLIT.split(s) if w]


def field_tokens(s, kind, keras):
    """How a source splits a field: characters (code points), or words (classify: Keras's lowercased,
    punctuation-free words; pairs and text keep case)."""
    if kind == 'chars':
        return list(s)
    return words(_KERAS.sub(' ', s.lower())) if keras else words(s)


def text_line_tokens(line, s, newline):
    """engine textLineTokens: streams of chars keep every line break; sentences and words skip blank lines
    and end each with \\n (chars) or <eos> (words)."""
    if s['tokens'] == 'words':
        w = words(line)
        return w + [EOS] if w else []
    if s.get('buckets'):
        return list(line) + ['\n'] if js_trim(line) else []
    return list(line) + (['\n'] if newline else [])


def read_lines(path, shown):
    """The file's lines as the engine splits them (\\n, a \\r before it dropped, a leading BOM dropped), each
    with whether a line break followed it; its sha256, size and a warning for a few bytes that are not UTF-8.
    Binary files are refused as the engine refuses them."""
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(shown, 'the file does not exist', fix='pass the data file with --data PATH')
    except OSError as e:
        raise DataError(shown, f'cannot read the file: {e.strerror}', fix='check the path and its permissions')
    if b'\0' in raw:
        raise DataError(shown, f'is not a text file: byte {raw.index(0):,} is a NUL (0x00); data files are UTF-8 text',
                        fix='give a text file (CSV, TSV, JSONL or plain text)')
    text, warning, invalid = raw.decode('utf-8', errors='replace'), None, None
    bad = text.count('\ufffd') - raw.decode('utf-8', errors='ignore').count('\ufffd')
    if bad:
        try:
            raw.decode('utf-8')
        except UnicodeDecodeError as e:
            first = e.start
        if bad > max(8, len(raw) / 100):
            raise DataError(shown, f'is not UTF-8 text: {bad:,} invalid byte sequences, the first at byte {first:,}', fix='convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8)')
        invalid = f'{bad} byte sequence{" is" if bad == 1 else "s are"} not valid UTF-8 (the first at byte {first:,})'
        warning = f'{shown}: {invalid}; they read as U+FFFD. Convert the file to UTF-8 to keep those characters'
    if text.startswith('\ufeff'):
        text = text[1:]
    parts = text.split('\n')
    lines = [(p[:-1] if p.endswith('\r') else p, True) for p in parts[:-1]]
    if parts[-1]:
        last = parts[-1]
        lines.append((last[:-1] if last.endswith('\r') else last, False))
    return lines, {'sha256': hashlib.sha256(raw).hexdigest(), 'bytes': len(raw), 'warning': warning, 'invalid': invalid}


class Vocab:
    def __init__(self, tokens, file):
        self.tokens, self.file = tokens, file
        self.index = {}
        for i, t in enumerate(tokens):
            self.index.setdefault(t, i)
        self.pad, self.unk = self.index.get(PAD), self.index.get(UNK)
        self.bos, self.eos = self.index.get(BOS), self.index.get(EOS_PAIR)
        self.unknown = 0

    def ids(self, tokens, line):
        out = []
        for t in tokens:
            i = self.index.get(t)
            if i is None:
                if self.unk is None:
                    raise DataError(self.file, f'{json.dumps(t, ensure_ascii=False)} is not in the vocabulary ({len(self.tokens)} tokens) and it has no <unk>', line,
                                    fix='export again from this data (unroll export FILE.rnn DIR --format pytorch) to build a vocabulary that has it')
                i = self.unk
                self.unknown += 1
            out.append(i)
        return out


def load(meta, saved, path, shown=None):
    """The rows of a data file: (plan, train, valid), each split a dict with the tensors, '#mask' and
    '#tokens' as data.py's Rows reads them; `saved`: vocab.json."""
    shown = shown or path
    lines, read = read_lines(path, shown)
    s, source = meta['settings'], meta['source']
    vocab = Vocab(saved['vocab']['tokens'], shown) if saved.get('vocab') else None
    try:
        if source == 'text':
            out = text_rows(s, vocab, lines, shown)
        elif source == 'series':
            out = series_rows(s, saved['columns'], lines, shown)
        else:
            rows = table_rows(shown, [s['textCol'], s['labelCol']] if source == 'classify' else [s['sourceCol'], s['targetCol']], lines)
            out = (classify_rows if source == 'classify' else pairs_rows)(s, vocab, saved, rows, meta['seed'], shown, meta.get('grouped', True))
    except DataError as e:
        if read['invalid']:  # a byte that is not UTF-8 is the likelier cause (it reads as U+FFFD)
            e.fix = f'{read["invalid"]}: convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)'
        raise
    out[0]['read'] = dict(read, unknown=vocab.unknown if vocab else 0)
    return out


def text_rows(s, vocab, lines, file):
    seqs = [vocab.ids(text_line_tokens(t, s, nl), i + 1) for i, (t, nl) in enumerate(lines)]
    if not any(seqs):
        raise DataError(file, 'the file has no words' if s['tokens'] == 'words' else 'the file has no text', fix='give a file with text')
    return bucket_rows(s, vocab, seqs, file) if s.get('buckets') else stream_rows(s, seqs, file)


def stream_rows(s, seqs, file):
    ids = torch.tensor([i for q in seqs for i in q], dtype=torch.long)
    T, B = s['seqLen'], s['batch']
    n_train = math.floor(len(ids) * (1 - s['valid']))
    train_windows = max(0, (n_train - 1) // T)
    valid_windows = max(0, (len(ids) - n_train - 1) // T)
    if train_windows == 0:
        raise DataError(file, f'{n_train} training tokens do not fill one window of seq_len = {T} (+1 for the target)', fix='lower seq_len or use a longer text')
    per_row = train_windows // B
    rows = B if per_row > 0 else train_windows
    row_len = (per_row if per_row > 0 else 1) * T
    n_batches = per_row if per_row > 0 else 1
    train = [b * row_len + j * T for j in range(n_batches) for b in range(rows)]
    valid = [n_train + i * T for i in range(valid_windows)]

    def make(starts):
        at = torch.tensor(starts, dtype=torch.long).view(-1, 1) + torch.arange(T)
        return {'x': ids[at].view(-1, T), 'y': ids[at + 1].view(-1, T), '#tokens': torch.full((len(starts),), float(T))}
    return {'plan': 'blocks', 'shuffle': s['shuffle'], 'batch': rows, 'validBatch': B}, make(train), make(valid)


def bucket_for(n, buckets):
    for b in buckets:
        if n <= b:
            return b
    return buckets[-1]


def bucket_rows(s, vocab, seqs, file):
    buckets = s['buckets']
    width = buckets[-1]
    sents = [q[:width] for q in seqs if len(q) >= 2]
    n_valid = math.floor(len(sents) * s['valid'])
    n_train = len(sents) - n_valid
    if n_train == 0:
        raise DataError(file, 'no line has two tokens to train on', fix='one sentence a line')
    pad = vocab.pad if vocab.pad is not None else 0

    def make(part):
        x = torch.full((len(part), width), pad, dtype=torch.long)
        y, mask = x.clone(), torch.zeros(len(part), width)
        for b, q in enumerate(part):
            x[b, :len(q)] = torch.tensor(q)
            y[b, :len(q) - 1] = torch.tensor(q[1:])
            mask[b, :len(q) - 1] = 1
        return {'x': x, 'y': y, '#mask': mask, '#tokens': torch.tensor([len(q) - 1.0 for q in part])}
    train, valid = sents[:n_train], sents[n_train:]
    plan = {'plan': 'buckets', 'batch': s['batch'],
            'buckets': {'sizes': buckets, 'train': [bucket_for(len(q), buckets) for q in train], 'valid': [bucket_for(len(q), buckets) for q in valid]}}
    return plan, make(train), make(valid)


def split(n, valid, seed):
    """The held-out rows: the last `valid` fraction of a seeded shuffle (engine/data/tables.ts split)."""
    order = list(range(n))
    rng.shuffle_in_place(order, rng.mulberry32(rng.derive_seed(seed, STREAM_SPLIT)))
    n_valid = math.floor(n * valid)
    return order[:n - n_valid], order[n - n_valid:]


def pad_front(ids, width, pad):
    """Ids right-aligned in `width`, padded (and cut) at the front; the mask on the last max(1, n) steps
    (an empty text still has a step for last() to take)."""
    ids = ids[-width:] if ids else []
    return [pad] * (width - len(ids)) + ids, [0.0] * (width - max(1, len(ids))) + [1.0] * max(1, len(ids))


def cell(row, col, file, what):
    v = row['cells'].get(col, '')
    if not js_trim(v):
        raise DataError(file, f'the "{col}" cell is empty', row['line'], fix=f'give every row a {what} in column "{col}" or remove the row')
    return v


def classify_rows(s, vocab, saved, rows, seed, file, grouped=True):
    labels = {l: i for i, l in enumerate(saved['labels'])}
    T, pad = s['maxLen'], vocab.pad
    xs, masks, ys, lens = [], [], [], []
    for r in rows:
        label = js_trim(cell(r, s['labelCol'], file, 'label'))
        if label not in labels:
            raise DataError(file, f'the label "{label}" is not one the model has ({", ".join(saved["labels"])})', r['line'], fix='train a new model for new classes: export again from this data')
        ids = vocab.ids(field_tokens(r['cells'].get(s['textCol'], ''), s['tokens'], True), r['line'])
        x, m = pad_front(ids, T, pad)
        xs.append(x), masks.append(m), ys.append(labels[label])
        # A row's width: its real tokens (at least one: an empty text still has a step for last()), cut at max_len.
        lens.append(max(1, min(len(ids), T)))
    lengths = {'time': lens} if grouped else None
    return table_splits(s, seed, lambda idx: {'x': torch.tensor([xs[i] for i in idx], dtype=torch.long).view(-1, T), 'y': torch.tensor([ys[i] for i in idx], dtype=torch.long),
                                             '#mask': torch.tensor([masks[i] for i in idx]).view(-1, T), '#tokens': torch.ones(len(idx))}, len(rows),
                        lengths, {'x': {'dim': 'time', 'pad': 'front'}, 'mask': {'dim': 'time', 'pad': 'front'}})


def pairs_rows(s, vocab, saved, rows, seed, file, grouped=True):
    src, tgt = saved['dims']['src'], saved['dims']['tgt']
    pad, bos, eos = vocab.pad, vocab.bos, vocab.eos
    out = {k: [] for k in ('x', 'y', 'y_in', 'mask/tgt', '#mask', '#tokens')}
    lens = {'src': [], 'tgt': []}
    for r in rows:
        x = vocab.ids(field_tokens(cell(r, s['sourceCol'], file, 'source'), s['tokens'], False), r['line'])
        y = vocab.ids(field_tokens(cell(r, s['targetCol'], file, 'target'), s['targetTokens'], False), r['line'])[:tgt - 1]
        xp, m = pad_front(x, src, pad)
        n = len(y)
        for k, v in (('x', xp), ('#mask', m), ('y', y + [eos] + [pad] * (tgt - n - 1)), ('y_in', [bos] + y + [pad] * (tgt - n - 1)),
                     ('mask/tgt', [1.0] * (n + 1) + [0.0] * (tgt - n - 1)), ('#tokens', n + 1.0)):
            out[k].append(v)
        # Widths: the source's real tokens; the target's tokens and </s>.
        lens['src'].append(max(1, min(len(x), src)))
        lens['tgt'].append(n + 1)

    def make(idx):
        pick = {k: [v[i] for i in idx] for k, v in out.items()}
        width = {'x': src, '#mask': src, 'y': tgt, 'y_in': tgt, 'mask/tgt': tgt}
        t = {k: torch.tensor(pick[k], dtype=torch.long if k in ('x', 'y', 'y_in') else torch.float32).view(len(idx), w) for k, w in width.items()}
        return dict(t, **{'#tokens': torch.tensor(pick['#tokens'], dtype=torch.float32)})
    return table_splits(s, seed, make, len(rows), lens if grouped else None, {
        'x': {'dim': 'src', 'pad': 'front'}, 'mask': {'dim': 'src', 'pad': 'front'},
        'y': {'dim': 'tgt', 'pad': 'back'}, 'y_in': {'dim': 'tgt', 'pad': 'back'}, 'mask/tgt': {'dim': 'tgt', 'pad': 'back'}})


def table_splits(s, seed, make, n, lengths=None, tensors=None):
    """The two splits, and the plan: shuffled, grouped by length when `lengths` (each row's length along each
    padded dimension) is given, as ExportRows.lengths says (`tensors`: which tensor is cut along which
    dimension, and from which side)."""
    train, valid = split(n, s['valid'], seed)
    plan = {'plan': 'shuffled', 'batch': s['batch']}
    if lengths is not None:
        plan['lengths'] = length_plan(lengths, train, valid, s['batch'], tensors)
    return plan, make(train), make(valid)


# engine/data/lengths.ts: one padded dimension (classify) gets up to 8 widths, two (pairs) up to 4 each; batches
# are sorted by length in pools of 100.
MAX_WIDTHS = {1: 8, 2: 4}
POOL_BATCHES = 100


def quantile_widths(lengths, count, longest):
    """The lengths at the quantiles k/count (k = 1..count), and `longest`, deduplicated, ascending."""
    s = sorted(lengths)
    out = {longest}
    if s:
        for k in range(1, count + 1):
            out.add(s[math.ceil(k * len(s) / count) - 1])
    return sorted(out)


def length_plan(lengths, train, valid, batch, tensors):
    """ExportRows.lengths of the rows `train` and `valid` (row numbers of the file): the widths come from the
    training rows' lengths (at most one per two batches of an epoch); the longest row of both splits is one."""
    count = min(MAX_WIDTHS.get(len(lengths), 4), max(1, math.floor(len(train) / batch / 2)))
    widths = {d: quantile_widths([ln[i] for i in train], count, max([1] + [ln[i] for i in train + valid])) for d, ln in lengths.items()}
    return {'pool': POOL_BATCHES, 'widths': widths, 'tensors': tensors,
            'train': {d: [ln[i] for i in train] for d, ln in lengths.items()}, 'valid': {d: [ln[i] for i in valid] for d, ln in lengths.items()}}


def js_number(cell):
    """Number(cell) as JavaScript reads it (decimal, hex, octal and binary literals), None when it is not a
    finite number."""
    c = js_trim(cell)
    if _DECIMAL.fullmatch(c):
        v = float(c)
        return v if math.isfinite(v) else None
    m = re.fullmatch(r'0([xob])([0-9a-f]+)', c, re.I)
    if m:
        try:
            return float(int(m.group(2), {'x': 16, 'o': 8, 'b': 2}[m.group(1).lower()]))
        except ValueError:
            return None
    return None


def series_rows(s, columns, lines, file):
    reader = RowReader(file, columns)
    values = []
    for i, (text, _) in enumerate(lines):
        row = reader.line(text, i + 1)
        if row is None:
            continue
        v = []
        for c in columns:
            x = js_number(row['cells'].get(c, ''))
            if x is None:
                cell_text = js_trim(row['cells'].get(c, ''))
                raise DataError(file, f'column "{c}" holds {json.dumps(cell_text) if cell_text else "nothing"}, not a number', row['line'],
                                fix='write a number in every cell of the columns used')
            v.append(x)
        values.append(v)
    reader.end(len(lines))
    W, H = s['window'], s['horizon']
    if len(values) < W + H:
        raise DataError(file, f'{len(values)} rows are fewer than window + horizon = {W + H}', fix=f'lower window (now {W}) or add rows')
    table = torch.from_numpy(np.asarray(values, dtype=np.float64)).float().view(len(values), len(columns))
    n_windows = max(0, len(values) - W - H + 1)
    n_train = n_windows - math.floor(n_windows * s['valid'])

    def make(starts):
        at = torch.tensor(starts, dtype=torch.long).view(-1, 1) + torch.arange(W)
        F = len(columns)
        return {'x': table[at].view(len(starts), W, F), 'y': table[at + H].view(len(starts), W, F), '#tokens': torch.full((len(starts),), float(W))}
    return {'plan': 'shuffled', 'batch': s['batch']}, make(list(range(n_train))), make(list(range(n_train, n_windows)))


def table_rows(file, columns, lines):
    reader = RowReader(file, columns)
    rows = []
    for i, (text, _) in enumerate(lines):
        row = reader.line(text, i + 1)
        if row is not None:
            rows.append(row)
    reader.end(len(lines))
    return rows


def js_string(v):
    """String(v) of a JSON value as JavaScript writes it (1.0 is "1")."""
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        if 1e-6 <= abs(v) < 1e21:
            return np.format_float_positional(v, unique=True, trim='-')
        mant, exp = repr(v).split('e')
        return f'{mant}e{"-" if exp.startswith("-") else "+"}{int(exp.lstrip("+-"))}'
    return str(v)


class RowReader:
    """language/data/rows.ts: CSV (RFC 4180 quoting, unquoted fields trimmed), TSV (split on tabs) and JSONL
    (one object a line), fed one line at a time; CSV and TSV need a header naming the columns."""

    def __init__(self, file, columns):
        self.file, self.columns = file, columns
        p = file.lower()
        self.format = 'csv' if p.endswith('.csv') else 'tsv' if p.endswith(('.tsv', '.tab')) else 'jsonl' if p.endswith(('.jsonl', '.ndjson')) else None
        self.header, self.fields, self.cur, self.in_quotes, self.quoted, self.start, self.rows = None, [], '', False, False, 0, 0

    def line(self, text, line_no):
        if self.format is None:
            if not js_trim(text):
                return None
            self.format = 'jsonl' if text.lstrip(JS_SPACE).startswith('{') else 'tsv' if '\t' in text else 'csv'
        if self.format == 'jsonl':
            return self._json(text, line_no)
        if self.format == 'tsv':
            if not js_trim(text):
                return None
            self.start = line_no
            rec = text.split('\t')
        else:
            rec = self._csv(text, line_no)
        return None if rec is None else self._record(rec)

    def end(self, last_line):
        if self.in_quotes:
            raise DataError(self.file, f'a quoted field opened on line {self.start} is never closed', self.start, fix='close the quote with "')
        if self.format != 'jsonl' and not self.header:
            raise DataError(self.file, 'the file is empty', fix='give a file with data')
        if self.rows == 0:
            raise DataError(self.file, 'the file has no rows', fix='add data rows')

    def _csv(self, text, line_no):
        if not self.in_quotes:
            if not js_trim(text):
                return None
            self.fields, self.cur, self.quoted, self.start = [], '', False, line_no
        else:
            self.cur += '\n'
        field_start = not self.in_quotes and self.cur == ''
        i = 0
        while i < len(text):
            ch = text[i]
            if self.in_quotes:
                if ch == '"':
                    if text[i + 1:i + 2] == '"':
                        self.cur += '"'
                        i += 1
                    else:
                        self.in_quotes = False
                else:
                    self.cur += ch
            elif ch == ',':
                self.fields.append(self.cur if self.quoted else js_trim(self.cur))
                self.cur, self.quoted, field_start = '', False, True
                i += 1
                continue
            elif ch == '"' and field_start and js_trim(self.cur) == '':
                self.in_quotes = self.quoted = True
                self.cur = ''
            else:
                self.cur += ch
            field_start = False
            i += 1
        if self.in_quotes:
            return None
        self.fields.append(self.cur if self.quoted else js_trim(self.cur))
        return self.fields

    def _record(self, rec):
        if self.header is None:
            self.header = [js_trim(h) for h in rec]
            for c in self.columns or []:
                if c not in self.header:
                    raise DataError(self.file, f'column "{c}" is not in the header (columns: {", ".join(self.header)})', self.start, fix='add the column to the header')
            return None
        if len(rec) != len(self.header):
            raise DataError(self.file, f'expected {len(self.header)} columns ({", ".join(self.header)}), found {len(rec)}', self.start,
                            fix='quote a field that contains a comma: "like, this"' if self.format == 'csv' else 'give every row one cell per header column')
        self.rows += 1
        return {'cells': {h: v for h, v in zip(self.header, rec) if self.columns is None or h in self.columns}, 'line': self.start}

    def _json(self, text, line_no):
        if not js_trim(text):
            return None
        try:
            obj = json.loads(text)
        except ValueError as e:
            raise DataError(self.file, f'not valid JSON: {e}', line_no, fix='write one JSON object per line')
        if not isinstance(obj, dict):
            raise DataError(self.file, 'expected a JSON object on each line', line_no, fix='write one JSON object per line')
        cells = {}
        for c in self.columns if self.columns is not None else list(obj):
            v = obj.get(c)
            if not isinstance(v, (str, int, float, bool)):
                raise DataError(self.file, f'the object has no "{c}" field' if v is None else f'field "{c}" must be a string or number', line_no, fix=f'give every line a "{c}" field')
            cells[c] = js_string(v)
        self.rows += 1
        return {'cells': cells, 'line': line_no}
