#!/usr/bin/env python3
"""Compares two Prometheus text expositions series by series.

    compare_exposition.py [options] REFERENCE CANDIDATE

REFERENCE is what the other tool printed (mtail), CANDIDATE is ours (tapemeasure). A
series is a metric name plus its label set; histograms and summaries are compared through
their _bucket/_sum/_count (and quantile) series like any other. Exit 0 when both sides
hold the same series with the same values (and, unless --no-types, the same TYPE per
family); exit 1 with a readable diff otherwise; exit 2 on unreadable input.

Options:
  --drop-label NAME      remove label NAME everywhere before comparing (repeatable; mtail's
                         `prog` label, say)
  --ignore-prefix P      leave out series (and families) whose name starts with P, on both
                         sides (repeatable; self-metrics: tapemeasure_, mtail_, go_, process_)
  --rel-tol X            relative tolerance for values (default 1e-9; counters are exact)
  --no-types             do not compare # TYPE lines
  --labels-ref A --labels-cand B   names of the two sides in messages (default: reference,
                         candidate)
Python 3 standard library only.
"""
import math
import re
import sys

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


class ParseError(Exception):
    pass


def parse_labels(s, i, lineno):
    """Parses '{a="x",b="y"}' starting at s[i] == '{'; returns (dict, index after '}')."""
    labels = {}
    assert s[i] == "{"
    i += 1
    while True:
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL_NAME_RE.match(s, i)
        if not m:
            raise ParseError(f"line {lineno}: bad label name at column {i + 1}")
        name = m.group(0)
        i = m.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        if i >= len(s) or s[i] != "=":
            raise ParseError(f"line {lineno}: '=' expected after label {name}")
        i += 1
        while i < len(s) and s[i] in " \t":
            i += 1
        if i >= len(s) or s[i] != '"':
            raise ParseError(f"line {lineno}: quoted value expected for label {name}")
        i += 1
        out = []
        while True:
            if i >= len(s):
                raise ParseError(f"line {lineno}: unterminated value of label {name}")
            c = s[i]
            if c == "\\":
                if i + 1 >= len(s):
                    raise ParseError(f"line {lineno}: dangling backslash in label {name}")
                n = s[i + 1]
                out.append({"n": "\n", "\\": "\\", '"': '"'}.get(n, "\\" + n))
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                out.append(c)
                i += 1
        if name in labels:
            raise ParseError(f"line {lineno}: label {name} given twice")
        labels[name] = "".join(out)
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] == "}":
            continue
        else:
            raise ParseError(f"line {lineno}: ',' or '}}' expected after label {name}")


def parse_value(text, lineno):
    t = text.strip()
    special = {"+Inf": math.inf, "Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
    if t in special:
        return special[t]
    try:
        return float(t)
    except ValueError:
        raise ParseError(f"line {lineno}: bad value '{text}'") from None


def parse(text):
    """Returns (series, types): series maps (name, frozenset(labels)) -> value, types maps
    family name -> type."""
    series, types = {}, {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = NAME_RE.match(line)
        if not m:
            raise ParseError(f"line {lineno}: no metric name: {raw!r}")
        name, i = m.group(0), m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line, i, lineno)
        rest = line[i:].split()
        if not rest or len(rest) > 2:
            raise ParseError(f"line {lineno}: expected 'value [timestamp]': {raw!r}")
        key = (name, frozenset(labels.items()))
        if key in series:
            raise ParseError(f"line {lineno}: series given twice: {show(key)}")
        series[key] = parse_value(rest[0], lineno)
    return series, types


def show(key):
    name, labels = key
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels)) + "}"


def fmt(v):
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def family_of(name, types):
    if name in types:
        return name
    for suffix in ("_bucket", "_sum", "_count", "_total", "_created"):
        if name.endswith(suffix) and name[: -len(suffix)] in types:
            return name[: -len(suffix)]
    return name


def normalise(series, types, drop, ignore):
    out = {}
    for (name, labels), v in series.items():
        if any(name.startswith(p) for p in ignore):
            continue
        labels = frozenset((k, val) for k, val in labels if k not in drop)
        key = (name, labels)
        if key in out:
            raise ParseError(f"two series become one after dropping labels {sorted(drop)}: {show(key)}")
        out[key] = v
    kept_types = {f: t for f, t in types.items() if not any(f.startswith(p) for p in ignore)}
    return out, kept_types


def same(a, b, rel):
    if math.isnan(a) and math.isnan(b):
        return True
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= max(rel * max(abs(a), abs(b)), 1e-12)


def main(argv):
    drop, ignore = set(), []
    rel, check_types = 1e-9, True
    ref_name, cand_name = "reference", "candidate"
    files = []
    it = iter(argv)
    for a in it:
        if a == "--drop-label":
            drop.add(next(it))
        elif a == "--ignore-prefix":
            ignore.append(next(it))
        elif a == "--rel-tol":
            rel = float(next(it))
        elif a == "--no-types":
            check_types = False
        elif a == "--labels-ref":
            ref_name = next(it)
        elif a == "--labels-cand":
            cand_name = next(it)
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a.startswith("--"):
            print(f"compare_exposition: unknown option {a}", file=sys.stderr)
            return 2
        else:
            files.append(a)
    if len(files) != 2:
        print("usage: compare_exposition.py [options] REFERENCE CANDIDATE", file=sys.stderr)
        return 2
    try:
        sides = []
        for f in files:
            with open(f, encoding="utf-8", errors="replace") as fh:
                s, t = parse(fh.read())
            sides.append(normalise(s, t, drop, ignore))
    except (OSError, ParseError) as e:
        print(f"compare_exposition: {e}", file=sys.stderr)
        return 2
    (ref, ref_types), (cand, cand_types) = sides

    problems = []
    for key in sorted(ref.keys() - cand.keys(), key=show):
        problems.append(f"only in {ref_name}:  {show(key)} {fmt(ref[key])}")
    for key in sorted(cand.keys() - ref.keys(), key=show):
        problems.append(f"only in {cand_name}:  {show(key)} {fmt(cand[key])}")
    for key in sorted(ref.keys() & cand.keys(), key=show):
        if not same(ref[key], cand[key], rel):
            problems.append(f"value differs: {show(key)}  {ref_name}={fmt(ref[key])}  {cand_name}={fmt(cand[key])}")
    if check_types:
        families = {family_of(n, ref_types) for n, _ in ref} | {family_of(n, cand_types) for n, _ in cand}
        for fam in sorted(families):
            a, b = ref_types.get(fam), cand_types.get(fam)
            if a and b and a != b:
                problems.append(f"type differs: {fam}  {ref_name}={a}  {cand_name}={b}")
    if problems:
        print(f"{len(problems)} difference(s) ({len(ref)} series in {ref_name}, {len(cand)} in {cand_name}):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"same {len(ref)} series")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
