#!/usr/bin/env bash
# Benchmark: scanner-yum-update vs real `dnf check-update` on the same image root and repository.
#
# Run from the workspace root after `cargo build --release`. Builds its input on first use
# (cached in ${BENCH_DIR:-/tmp/yum-update-bench}): ${N:-2000} packages built with rpmbuild (one
# spec, many subpackages, versions 1.0, 1.1 and 1.2; a tenth of them x86_64, the rest noarch),
# an image root with the 1.0 set installed by `rpm --root`, and a createrepo_c repository with
# all three versions (3*N packages) plus an updateinfo with one advisory per 10 packages. Runs
# each tool ${RUNS:-10} times (best wall time kept): dnf on a copy of the root (it writes into its
# installroot) with a fresh cache directory per run, as our scanner keeps no state between runs;
# dnf's warm-cache time is printed too, and the CPU time (user+sys) of one extra run of each,
# which a loaded machine distorts less than wall time. Checks that both answers are the same (updates.tsv and
# obsoletes.tsv vs dnf's parsed output) and prints as its last line
#   speedup N.N x, same output: yes|no
# Needs: rpm, rpmbuild, createrepo_c, modifyrepo_c, dnf, python3.
set -euo pipefail

WS=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$WS/target/release/scanner-yum-update}
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-$WS/target}/release/scanner-yum-update
[ -x "$BIN" ] || { echo "build first: cargo build --release -p scanner-yum-update" >&2; exit 1; }
BENCH_DIR=${BENCH_DIR:-/tmp/yum-update-bench}
N=${N:-2000}
RUNS=${RUNS:-10}
ROOT=$BENCH_DIR/root
REPO=$BENCH_DIR/repo
export LC_ALL=C TZ=UTC HOME=$BENCH_DIR/home

spec() { # version
    local v=$1 i
    echo "Name: bench-release"
    echo "Version: 9"
    echo "Release: 1"
    echo "Summary: bench"
    echo "License: MIT"
    echo "Provides: system-release(releasever) = 9"
    echo "%description"
    echo "bench"
    echo "%files"
    for ((i = 1; i <= N; i++)); do
        printf '%%package -n bp%05d\nVersion: %s\nSummary: bench %d\n' "$i" "$v" "$i"
        if ((i % 10 != 0)); then echo "BuildArch: noarch"; fi
        if ((i % 50 == 0)); then printf 'Obsoletes: bq%05d < 9\n' "$i"; fi
        printf '%%description -n bp%05d\nbench\n%%files -n bp%05d\n' "$i" "$i"
    done
}

build_input() {
    rm -rf "$BENCH_DIR"
    mkdir -p "$HOME" "$BENCH_DIR/rpms" "$ROOT/var/lib/rpm" "$REPO"
    printf '%%_dbpath /var/lib/rpm\n%%__os_install_post %%{nil}\n%%debug_package %%{nil}\n%%_build_id_links none\n' > "$HOME/.rpmmacros"
    for v in 1.0 1.1 1.2; do
        spec "$v" > "$BENCH_DIR/bench-$v.spec"
        rpmbuild -bb --quiet --target x86_64 \
            --define "_topdir $BENCH_DIR/top-$v" --define "_rpmdir $BENCH_DIR/rpms/$v" \
            "$BENCH_DIR/bench-$v.spec" >/dev/null
    done
    # installed: the 1.0 set, the release package, and the obsoleted bq packages (from 1.0's
    # spec renamed: install bp 1.0 only; obsoletes then match nothing unless bq exists)
    find "$BENCH_DIR/rpms/1.0" -name '*.rpm' -print0 |
        xargs -0 rpm --root "$ROOT" --dbpath /var/lib/rpm -i --nodeps --noscripts --notriggers --ignorearch
    find "$BENCH_DIR/rpms" -name 'bp*.rpm' -exec cp {} "$REPO/" \;
    createrepo_c -q --no-database "$REPO"
    python3 - "$N" > "$BENCH_DIR/updateinfo.xml" <<'PY'
import sys
n = int(sys.argv[1])
print('<?xml version="1.0" encoding="UTF-8"?>\n<updates>')
for i in range(10, n + 1, 10):
    arch = "x86_64"
    print(f'''<update type="security" status="final" from="bench" version="1"><id>BSA-2026:{i:05d}</id>
<title>bp{i:05d} update</title><issued date="2026-01-01 00:00:00"/><severity>Important</severity>
<references><reference type="cve" id="CVE-2026-{i:05d}" href="x"/></references>
<pkglist><collection short="b"><name>b</name><package name="bp{i:05d}" version="1.1" release="1" epoch="0" arch="{arch}"><filename>x.rpm</filename></package></collection></pkglist></update>''')
print('</updates>')
PY
    modifyrepo_c --mdtype=updateinfo "$BENCH_DIR/updateinfo.xml" "$REPO/repodata" >/dev/null
    mkdir -p "$ROOT/etc/yum.repos.d" "$ROOT/etc/dnf"
    printf '[main]\n' > "$ROOT/etc/dnf/dnf.conf"
    printf '[bench]\nname=bench $releasever\nbaseurl=file://%s\ngpgcheck=0\n' "$REPO" > "$ROOT/etc/yum.repos.d/bench.repo"
    touch "$BENCH_DIR/.done-$N"
}

[ -f "$BENCH_DIR/.done-$N" ] || { echo "building input in $BENCH_DIR (N=$N)..." >&2; build_input; }

. "$WS/bench/clock.sh"
TIMEFORMAT='%U %S'
cpu() { # command...: runs it, appends its user+sys CPU seconds to $CPU_FILE
    local t
    { t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ); } || true
    python3 -c "import sys; a=sys.argv[1].split(); print(float(a[0])+float(a[1]))" "$t" >> "$CPU_FILE"
}
best() { python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:]))' "$@"; }

OUT=$BENCH_DIR/out
rm -f "$BENCH_DIR/cpu-ours" "$BENCH_DIR/cpu-dnf"
ours=()
for ((r = 0; r < RUNS; r++)); do
    rm -rf "$OUT" && mkdir -p "$OUT"
    now; t0=$NOW
    "$BIN" --rootfs "$ROOT" --output "$OUT" >/dev/null
    now; t1=$NOW
    rm -rf "$OUT.cpu" && mkdir -p "$OUT.cpu"
    CPU_FILE=$BENCH_DIR/cpu-ours cpu "$BIN" --rootfs "$ROOT" --output "$OUT.cpu"
    ours+=("$(python3 -c "print($t1 - $t0)")")
done

COPY=$BENCH_DIR/rootcopy
rm -rf "$COPY" && cp -a "$ROOT" "$COPY"
dnf_run() { # cachedir
    dnf --installroot "$COPY" --config "$COPY/etc/dnf/dnf.conf" \
        --setopt=reposdir="$COPY/etc/yum.repos.d" \
        --setopt=varsdir="$COPY/etc/yum/vars,$COPY/etc/dnf/vars" \
        --setopt=cachedir="$1" --forcearch x86_64 --noplugins -q check-update
}
cold=()
for ((r = 0; r < RUNS; r++)); do
    rm -rf "$BENCH_DIR/cache-cold"
    now; t0=$NOW
    rc=0
    dnf_run "$BENCH_DIR/cache-cold" > "$BENCH_DIR/dnf.out" || rc=$?
    now; t1=$NOW
    [ "$rc" = 100 ] || [ "$rc" = 0 ] || { echo "dnf failed (rc $rc)" >&2; exit 1; }
    cold+=("$(python3 -c "print($t1 - $t0)")")
    rm -rf "$BENCH_DIR/cache-cpu"
    CPU_FILE=$BENCH_DIR/cpu-dnf cpu dnf_run "$BENCH_DIR/cache-cpu"
done
warm=()
for ((r = 0; r < RUNS; r++)); do
    now; t0=$NOW
    dnf_run "$BENCH_DIR/cache-warm" > /dev/null || true
    now; t1=$NOW
    warm+=("$(python3 -c "print($t1 - $t0)")")
done

# dnf's rows (name.arch [E:]V-R repo, tokens in threes) -> our tsv columns
python3 - "$BENCH_DIR/dnf.out" "$BENCH_DIR/dnf-updates.tsv" "$BENCH_DIR/dnf-obsoletes.tsv" <<'PY'
import sys
text = open(sys.argv[1]).read()
ups, _, obs = text.partition("Obsoleting Packages")
def cols(na, evr):
    n, a = na.rsplit(".", 1)
    e, vr = evr.split(":", 1) if ":" in evr else ("0", evr)
    v, r = vr.rsplit("-", 1)
    return n, e, v, r, a
t = ups.split()
rows = sorted("%s\t%s\t%s\t%s\t%s\t%s\n" % (*cols(t[i], t[i+1]), t[i+2]) for i in range(0, len(t), 3))
open(sys.argv[2], "w").write("".join(rows))
t = obs.split(); out = []; cur = None
for i in range(0, len(t), 3):
    n, e, v, r, a = cols(t[i], t[i+1])
    if t[i+2] == "@System":
        out.append("%s\t%s\t%s\t%s\t%s\t%s\n" % (cur, n, e, v, r, a))
    else:
        cur = "%s\t%s\t%s\t%s\t%s\t%s" % (n, e, v, r, a, t[i+2])
open(sys.argv[3], "w").write("".join(sorted(set(out))))
PY
same=no
if cmp -s "$OUT/updates.tsv" "$BENCH_DIR/dnf-updates.tsv" && cmp -s "$OUT/obsoletes.tsv" "$BENCH_DIR/dnf-obsoletes.tsv"; then
    same=yes
fi
o=$(best "${ours[@]}")
c=$(best "${cold[@]}")
w=$(best "${warm[@]}")
echo "installed: $(rpm --root "$ROOT" --dbpath /var/lib/rpm -qa | wc -l) packages; repo: $(ls "$REPO"/*.rpm | wc -l) packages; updates: $(wc -l < "$OUT/updates.tsv")"
echo "ours (best of $RUNS):                 ${o}s"
echo "dnf check-update, fresh cache:       ${c}s"
echo "dnf check-update, warm solv cache:   ${w}s (speedup vs warm: $(python3 -c "print('%.1f' % ($w / $o))") x)"
co=$(best $(cat "$BENCH_DIR/cpu-ours"))
cd_=$(best $(cat "$BENCH_DIR/cpu-dnf"))
echo "CPU time (user+sys, best): ours ${co}s, dnf fresh cache ${cd_}s ($(python3 -c "print('%.1f' % ($cd_ / $co))") x; less sensitive to machine load than wall time)"
python3 -c "print('speedup %.1f x, same output: $same' % ($c / $o))"
