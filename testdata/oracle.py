#!/usr/bin/env python3
"""Independent reference for the aggregate job's results.csv, used to write the expected files
in testdata/ (python3 testdata/oracle.py KEY VALUE FILE... > expected.csv). Python's csv module and
decimal arithmetic, nothing shared with the Java code. It handles well-formed records and skips
records the job would turn into dead letters (wrong field count, value not a number)."""
import csv, decimal, io, re, sys

NUMBER = re.compile(r'[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')

def plain(d):
    d = d.normalize()
    return format(d, 'f') if d != 0 else '0'

def main(key, value, files):
    decimal.getcontext().prec = 10000
    stats = {}
    for name in files:
        with open(name, newline='', encoding='utf-8-sig') as f:
            rows = [r for r in csv.reader(f) if r]
        header, data = rows[0], rows[1:]
        k, v = header.index(key), header.index(value)
        for r in data:
            text = r[v].strip(' \t') if len(r) == len(header) else None
            if text is None or not NUMBER.fullmatch(text):
                continue
            x = decimal.Decimal(text)
            c, s, lo, hi = stats.get(r[k], (0, decimal.Decimal(0), x, x))
            stats[r[k]] = (c + 1, s + x, min(lo, x), max(hi, x))
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(['key', 'count', 'sum', 'min', 'max', 'mean'])
    for name in sorted(stats, key=lambda s: s.encode('utf-8')):
        c, s, lo, hi = stats[name]
        mean = (s / c).quantize(decimal.Decimal('0.000001'), rounding=decimal.ROUND_HALF_EVEN)
        w.writerow([name, c, plain(s), plain(lo), plain(hi), plain(mean)])
    sys.stdout.write(out.getvalue())

if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
