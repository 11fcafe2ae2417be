#!/usr/bin/env python3
"""Reads atomic.d scanner registrations the way atomic (projectatomic/atomic v1.22) does:
PyYAML, `type: scanner`, and the checks atomic's scan/--list code makes. Facts from
shared/reference/atomic-contract.md sections 1 and 2.

  atomic_d.py check FILE...            validate; one 'ok FILE' or 'error FILE: reason' line each
  atomic_d.py list DIR                 print what `atomic scan --list` would print for DIR
  atomic_d.py field FILE KEY           print a top-level string field (image_name, ...)
  atomic_d.py args FILE [SCAN]         print the scan's args, one per line (default_scan if omitted)
  atomic_d.py custom-args FILE         print custom_args, one per line
  atomic_d.py command FILE SCANIN RESULTS [--map HOST=NEW]... [--custom ARG]... [--scanner-args K=V,...]
                                       print, one per line, the argv atomic runs for the default
                                       scan: its docker command string (Atomic/scan.py), with
                                       custom_args host paths remapped (--map) and extended
                                       (--custom, what a user adds to custom_args), --scanner_args
                                       appended as --k v / --k, $VARs expanded, shlex-split
Exit status 1 when any check fails.
"""
import os
import re
import shlex
import sys

import yaml

try:  # atomic used yaml.load (full loader); CLoader when available is the same grammar
    LOADER = yaml.FullLoader
except AttributeError:  # very old PyYAML
    LOADER = yaml.Loader


def load(path):
    with open(path) as f:
        return yaml.load(f, Loader=LOADER)


def qualified(image):
    """docker would not search a default registry for it: host[:port]/path[:tag]."""
    if not isinstance(image, str) or re.search(r"\s|\$", image):
        return False
    host, _, rest = image.partition("/")
    return bool(rest) and (host == "localhost" or "." in host or ":" in host)


def problems(path):
    try:
        doc = load(path)
    except yaml.YAMLError as e:
        return ["atomic would print 'Unable to load scannerfile': %s" % e]
    if not isinstance(doc, dict):
        return ["not a YAML mapping (atomic ignores it)"]
    out = []
    if doc.get("type") != "scanner":
        out.append("type is %r, not 'scanner' (atomic ignores the file)" % doc.get("type"))
    for key in ("scanner_name", "image_name", "default_scan"):
        if not isinstance(doc.get(key), str) or not doc.get(key):
            out.append("%s missing or not a string" % key)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", str(doc.get("scanner_name", ""))):
        out.append("scanner_name %r is not a plain word (it names a results directory)" % doc.get("scanner_name"))
    if not qualified(doc.get("image_name")):
        out.append("image_name %r is not fully qualified (docker would pull from a default registry, atomic #797)" % doc.get("image_name"))
    custom = doc.get("custom_args", [])
    if not isinstance(custom, list) or not all(isinstance(a, str) and a and not re.search(r"\s", a) for a in custom):
        out.append("custom_args must be a list of strings without whitespace (atomic re-splits the command with shlex)")
    scans = doc.get("scans")
    if not isinstance(scans, list) or not scans:
        out.append("scans must be a non-empty list")
        scans = []
    names = []
    for i, scan in enumerate(scans):
        if not isinstance(scan, dict):
            out.append("scans[%d] is not a mapping" % i)
            continue
        name = scan.get("name")
        if not isinstance(name, str) or not name:
            out.append("scans[%d].name missing" % i)
        names.append(name)
        args = scan.get("args")
        if not isinstance(args, list):
            out.append("The scanner arguments for %s must be in list ([]) form." % name)
        elif not args or not all(isinstance(a, str) and a and not re.search(r"\s", a) for a in args):
            out.append("scans[%s].args must be non-empty strings without whitespace" % name)
        if not isinstance(scan.get("description"), str):
            out.append("scans[%s].description missing (atomic scan --list raises KeyError)" % name)
    if len(set(names)) != len(names):
        out.append("duplicate scan names %r" % names)
    if doc.get("default_scan") not in names:
        out.append("The default scan type %r is not defined as a valid scan type (scans: %r)" % (doc.get("default_scan"), names))
    return out


def scanners_in(confd):
    """atomic's get_scanners: every regular file directly in the directory with type: scanner."""
    found = []
    for name in sorted(os.listdir(confd)):
        path = os.path.join(confd, name)
        if not os.path.isfile(path):
            continue
        try:
            doc = load(path)
        except yaml.YAMLError:
            print("Error: Unable to load scannerfile %s.  Continuing..." % path, file=sys.stderr)
            continue
        if isinstance(doc, dict) and doc.get("type") == "scanner":
            found.append(doc)
    return found


def command(doc, scanin, results, opts):
    maps, extra, scanner_args = [], [], None
    while opts:
        flag, val, opts = opts[0], opts[1], opts[2:]
        if flag == "--map":
            maps.append(val.split("=", 1))
        elif flag == "--custom":
            extra.append(val)
        elif flag == "--scanner-args":
            scanner_args = val
        else:
            raise SystemExit("unknown option %s" % flag)
    custom = []
    for a in doc.get("custom_args") or []:
        for host, new in maps:
            if a == host or a.startswith(host + ":"):
                a = new + a[len(host):]
        custom.append(a)
    scan = next(s for s in doc["scans"] if s["name"] == doc["default_scan"])
    cmd = ["docker", "run", "-t", "--rm", "-v", "/etc/localtime:/etc/localtime",
           "-v", "%s:/scanin" % scanin, "-v", "%s:/scanout:rw,Z" % results]
    cmd += custom + extra + [doc["image_name"]] + scan["args"]
    if scanner_args:  # atomic >= 1.13: k=v -> --k v, k -> --k
        for kv in scanner_args.split(","):
            k, eq, v = kv.partition("=")
            cmd += ["--" + k] + ([v] if eq else [])
    line = " ".join(cmd)
    # atomic's sub_env_strings: $VAR / ${VAR} from the environment, unknown ones removed
    line = re.sub(r"\$\{?(\w+)\}?", lambda m: os.environ.get(m.group(1), ""), line)
    print("\n".join(shlex.split(line)))
    return 0


def main(argv):
    cmd, rest = argv[1], argv[2:]
    if cmd == "check":
        bad = 0
        seen = {}
        for path in rest:
            errs = problems(path)
            if not errs:
                name = load(path)["scanner_name"]
                if name in seen:
                    errs = ["scanner_name %r also used by %s" % (name, seen[name])]
                seen[name] = path
            for e in errs:
                print("error %s: %s" % (path, e))
            if errs:
                bad += 1
            else:
                print("ok %s" % path)
        return 1 if bad else 0
    if cmd == "list":
        for doc in scanners_in(rest[0]):
            print("Scanner: %s" % doc["scanner_name"])
            print("  Image Name: %s" % doc["image_name"])
            for scan in doc["scans"]:
                star = "*" if scan["name"] == doc.get("default_scan") else ""
                print("     Scan type: %s %s" % (scan["name"], star))
                print("     Description: %s\n" % scan["description"])
        print("* denotes defaults")
        return 0
    doc = load(rest[0])
    if cmd == "command":
        return command(doc, rest[1], rest[2], rest[3:])
    if cmd == "field":
        print(doc[rest[1]])
    elif cmd == "args":
        want = rest[1] if len(rest) > 1 else doc["default_scan"]
        print("\n".join(next(s["args"] for s in doc["scans"] if s["name"] == want)))
    elif cmd == "custom-args":
        args = doc.get("custom_args", [])
        if args:
            print("\n".join(args))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
