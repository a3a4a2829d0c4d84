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
dead_letters instead of the results."""
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

def main(key, value, files, counts, delimiter=',', quote='"', encoding='utf-8'):
    decimal.getcontext().prec = 10000
    stats = {}
    read = ok = 0
    for name in files:
        with open(name, newline='', encoding=encoding, errors='surrogateescape') as f:
            text = f.read()
        if encoding.replace('-', '').replace('_', '').lower() == 'utf8' and text.startswith('\ufeff'):
            text = text[1:]
        rows = records(io.StringIO(text, newline=''), delimiter, quote)
        header = next(rows)
        k, v = header.index(key), header.index(value)
        for r in rows:
            read += 1
            if r is None or invalid_text(r) or len(r) != len(header):
                continue
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
    main(args[0], args[1], args[2:], counts, **dialect)
