#!/usr/bin/env python3
"""Independent reference for the aggregate job, used to write the expected files in testdata/.

    python3 testdata/oracle.py KEY VALUE FILE...            > expected-results.csv
    python3 testdata/oracle.py --counts KEY VALUE FILE...   > expected-counts.properties
    python3 testdata/oracle.py --delimiter=';' --quote="'" KEY VALUE FILE...   (the job's options)
    python3 testdata/oracle.py --encoding=cp1252 KEY VALUE FILE...   (Python's codec for the job's --encoding)

Python's csv module and decimal arithmetic, nothing shared with the Java code. It reads as the job
does: a quote opens a quoted field only at the start of a field (elsewhere it is a literal, as in
`5" screen`), and it skips the records the job turns into dead letters: text after a closing quote
(csv's strict mode), a quoted field never closed before the end of the file, invalid UTF-8 (or a
byte that --encoding's codec does not define, e.g. 0x81 in cp1252), a wrong
number of fields, a value that is not a number. Records longer than --maxRecordBytes are not
modelled: do not use it on files that have them. --counts prints records_read, records_ok and
dead_letters instead of the results.

    python3 testdata/oracle.py --groupby=region,product \
        --aggregations='count,sum(amount),countDistinct(customer),mean(amount)' FILE...

is the groupby job: key columns, then one column per aggregation headed as written, rows sorted by
the key fields' UTF-8 bytes (field by field). The same reading rules; a record is a dead letter when
the value of any numeric aggregation (sum, min, max, mean, p50, p90, p99) is not a number.
countDistinct counts the distinct texts of its field, as read (no trimming, `1.0` and `1` differ).
p50/p90/p99 here are exact, by nearest rank: the value whose 1-based rank among the key's n values
in ascending order is ceil(q * n / 100). The job's are approximate (Beam's ApproximateQuantiles,
epsilon 0.01) but equal to these while a key has a few thousand values or fewer."""
import csv, decimal, io, re, sys

NUMBER = re.compile(r'[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')

def plain(d):
    d = d.normalize()
    return format(d, 'f') if d != 0 else '0'

def records(f, delimiter, quote):
    """Yields each record as a list of fields, or None for a record csv refuses."""
    reader = csv.reader(f, strict=True, delimiter=delimiter, quotechar=quote, doublequote=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # text after a closing quote: csv drops the rest of that line, as the job's record ends
            # there; a quote never closed: csv has read to the end of the file, as the job has
            yield None
            continue
        if row:
            yield row

def invalid_text(row):
    return any('\udc80' <= ch <= '\udcff' for field in row for ch in field)

def file_records(files, delimiter, quote, encoding='utf-8'):
    """Yields (header, record) for every record of every file; record is None for one that is
    malformed (refused by csv, invalid text for the encoding, a wrong number of fields)."""
    for name in files:
        with open(name, newline='', encoding=encoding, errors='surrogateescape') as f:
            text = f.read()
        if encoding.replace('-', '').replace('_', '').lower() == 'utf8' and text.startswith('\ufeff'):
            text = text[1:]
        rows = records(io.StringIO(text, newline=''), delimiter, quote)
        header = next(rows)
        for r in rows:
            if r is None or invalid_text(r) or len(r) != len(header):
                yield header, None
            else:
                yield header, r

def main(key, value, files, counts, delimiter=',', quote='"', encoding='utf-8'):
    decimal.getcontext().prec = 10000
    stats = {}
    read = ok = 0
    for header, r in file_records(files, delimiter, quote, encoding):
        read += 1
        if r is None:
            continue
        k, v = header.index(key), header.index(value)
        value_text = r[v].strip(' \t')
        if not NUMBER.fullmatch(value_text):
            continue
        ok += 1
        x = decimal.Decimal(value_text)
        c, s, lo, hi = stats.get(r[k], (0, decimal.Decimal(0), x, x))
        stats[r[k]] = (c + 1, s + x, min(lo, x), max(hi, x))
    if counts:
        sys.stdout.write('records_read=%d\nrecords_ok=%d\ndead_letters=%d\n' % (read, ok, read - ok))
        return
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(['key', 'count', 'sum', 'min', 'max', 'mean'])
    for name in sorted(stats, key=lambda s: s.encode('utf-8')):
        c, s, lo, hi = stats[name]
        mean = (s / c).quantize(decimal.Decimal('0.000001'), rounding=decimal.ROUND_HALF_EVEN)
        w.writerow([name, c, plain(s), plain(lo), plain(hi), plain(mean)])
    sys.stdout.write(out.getvalue())

AGGREGATION = re.compile(r'(count|sum|min|max|mean|countDistinct|p50|p90|p99)(?:\((.+)\))?')
NUMERIC = ('sum', 'min', 'max', 'mean', 'p50', 'p90', 'p99')

def split_aggregations(text):
    """'count,sum(amount)' -> [('count', None, 'count'), ('sum', 'amount', 'sum(amount)')]."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == '('
        depth -= ch == ')'
        if ch == ',' and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    out = []
    for item in items:
        item = item.strip()
        m = AGGREGATION.fullmatch(item)
        assert m and (m.group(1) == 'count') == (m.group(2) is None), 'bad aggregation %r' % item
        out.append((m.group(1), m.group(2), item))
    return out

def nearest_rank(values, q):
    ordered = sorted(values)
    return ordered[-(-q * len(ordered) // 100) - 1]

def groupby(keys, aggregations, files, counts, delimiter=',', quote='"', encoding='utf-8'):
    decimal.getcontext().prec = 10000
    aggs = split_aggregations(aggregations)
    groups = {}  # key tuple -> one list of the record's values per aggregation
    read = ok = 0
    for header, r in file_records(files, delimiter, quote, encoding):
        read += 1
        if r is None:
            continue
        field = dict(zip(header, r))
        values = []
        for kind, column, _ in aggs:
            if kind in NUMERIC:
                text = field[column].strip(' \t')
                if not NUMBER.fullmatch(text):
                    break
                values.append(decimal.Decimal(text))
            else:
                values.append(field[column] if column is not None else None)
        else:
            ok += 1
            lists = groups.setdefault(tuple(field[k] for k in keys), [[] for _ in aggs])
            for acc, x in zip(lists, values):
                acc.append(x)
    if counts:
        sys.stdout.write('records_read=%d\nrecords_ok=%d\ndead_letters=%d\nkeys=%d\n'
                         % (read, ok, read - ok, len(groups)))
        return
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(list(keys) + [text for _, _, text in aggs])
    for key in sorted(groups, key=lambda t: tuple(s.encode('utf-8') for s in t)):
        row = list(key)
        for (kind, _, _), xs in zip(aggs, groups[key]):
            if kind == 'count':
                row.append(len(xs))
            elif kind == 'countDistinct':
                row.append(len(set(xs)))
            elif kind == 'sum':
                row.append(plain(sum(xs, decimal.Decimal(0))))
            elif kind == 'min':
                row.append(plain(min(xs)))
            elif kind == 'max':
                row.append(plain(max(xs)))
            elif kind == 'mean':
                mean = sum(xs, decimal.Decimal(0)) / len(xs)
                row.append(plain(mean.quantize(decimal.Decimal('0.000001'), rounding=decimal.ROUND_HALF_EVEN)))
            else:
                row.append(plain(nearest_rank(xs, int(kind[1:]))))
        w.writerow(row)
    sys.stdout.write(out.getvalue())

if __name__ == '__main__':
    args = sys.argv[1:]
    counts = '--counts' in args
    args = [a for a in args if a != '--counts']
    dialect = {}
    for name in ('delimiter', 'quote', 'encoding'):
        given = [a for a in args if a.startswith('--%s=' % name)]
        if given:
            dialect[name] = given[-1].split('=', 1)[1]
            assert name == 'encoding' or len(dialect[name]) == 1, '--%s takes one character' % name
    args = [a for a in args if not a.split('=', 1)[0] in ('--delimiter', '--quote', '--encoding')]
    grouping = [a for a in args if a.startswith('--groupby=') or a.startswith('--aggregations=')]
    if grouping:
        opts = dict(a[2:].split('=', 1) for a in grouping)
        files = [a for a in args if a not in grouping]
        groupby(opts['groupby'].split(','), opts['aggregations'], files, counts, **dialect)
    else:
        main(args[0], args[1], args[2:], counts, **dialect)
