#!/usr/bin/env python3
"""Compares what a scanner wrote when run as a plain command with what its image wrote when run
exactly as `atomic scan` runs it, and checks the container's `json` files against what atomic
reads (shared/reference/atomic-contract.md section 2).

  compare_outputs.py [--map HOST=CONTAINER]... PLAIN_OUT ATOMIC_OUT PLAIN_SCANIN ID...

Only run-dependent values are masked: the wall-clock keys ("Time", "Finished Time",
"Start Time"), timestamps inside text files, and the scanin directory (/scanin in the
container, PLAIN_SCANIN outside; likewise each --map pair, for what the plain run read from
HOST and the container from CONTAINER). Everything else must be byte-for-byte (JSON: value-for-value)
equal. Prints one line per problem; exit status 1 when there is any.
"""
import json
import os
import re
import sys

CLOCK_KEYS = {"Time", "Finished Time", "Start Time"}
STAMP = re.compile(
    rb"\d{4}-\d\d-\d\d[T -]\d\d[:-]\d\d[:-]\d\d(?:[.,-]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
)


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


MAPS = []  # (host path, container path): host spellings in the plain run's output


def unmap(text):
    for host, cont in MAPS:
        text = text.replace(host, cont)
    return text


def norm_json(v, scanin):
    if isinstance(v, dict):
        return {
            k: ("<clock>" if k in CLOCK_KEYS else norm_json(x, scanin))
            for k, x in v.items()
        }
    if isinstance(v, list):
        return [norm_json(x, scanin) for x in v]
    if isinstance(v, str):
        return STAMP.sub(b"<stamp>", unmap(v.replace(scanin, "/scanin")).encode()).decode()
    return v


def main(plain, atomic, scanin, ids):
    scanin = scanin.rstrip("/")
    errs = []
    pf, af = files(plain), files(atomic)
    for rel in sorted(pf - af):
        errs.append("only the plain run wrote %s" % rel)
    for rel in sorted(af - pf):
        errs.append("only the container run wrote %s" % rel)
    for i in ids:
        if "%s/json" % i not in af:
            errs.append("no %s/json from the container (atomic finds results by that name)" % i)
            continue
        try:
            with open(os.path.join(atomic, i, "json")) as f:
                doc = json.load(f)
        except ValueError as e:
            errs.append("%s/json is not JSON: %s" % (i, e))
            continue
        ok = doc.get("Successful")
        if ok not in ("true", "false"):
            errs.append('%s/json: "Successful" is %r, atomic needs the string "true"/"false"' % (i, ok))
        uuid = doc.get("UUID")
        if not isinstance(uuid, str) or os.path.basename(uuid.rstrip("/")) not in "/run/atomic/TS/" + i:
            errs.append('%s/json: "UUID" %r does not name the mount /scanin/%s' % (i, uuid, i))
        if ok == "true":
            for k in ("Scanner", "Time", "Scan Type"):
                if k not in doc:
                    errs.append("%s/json: %r missing (atomic's write_persistent_data needs it)" % (i, k))
    for rel in sorted(pf & af):
        a = open(os.path.join(plain, rel), "rb").read()
        b = open(os.path.join(atomic, rel), "rb").read()
        try:
            ja, jb = json.loads(a), json.loads(b)
        except ValueError:
            ja = jb = None
        if ja is not None:
            # the plain run's UUID names its own scanin directory
            if norm_json(ja, scanin) != norm_json(jb, scanin):
                errs.append("%s differs:\n  plain:     %s\n  container: %s" % (
                    rel,
                    json.dumps(norm_json(ja, scanin), sort_keys=True)[:2000],
                    json.dumps(norm_json(jb, scanin), sort_keys=True)[:2000]))
            continue
        a = unmap(a.decode("utf-8", "surrogateescape").replace(scanin, "/scanin")).encode("utf-8", "surrogateescape")
        na = STAMP.sub(b"<stamp>", a)
        nb = STAMP.sub(b"<stamp>", b)
        if na != nb:
            la, lb = na.splitlines(), nb.splitlines()
            first = next((n for n, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
            errs.append("%s differs at line %d:\n  plain:     %r\n  container: %r" % (
                rel, first + 1, la[first] if first < len(la) else b"<end>",
                lb[first] if first < len(lb) else b"<end>"))
    for e in errs:
        print(e)
    if not errs:
        print("same output: %d files (%s)" % (len(af), ", ".join(sorted(af))))
    return 1 if errs else 0


if __name__ == "__main__":
    argv = sys.argv[1:]
    while argv[:1] == ["--map"]:
        host, _, cont = argv[1].partition("=")
        MAPS.append((host.rstrip("/"), cont.rstrip("/")))
        argv = argv[2:]
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(argv[0], argv[1], argv[2], argv[3:]))
