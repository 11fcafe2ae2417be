#!/usr/bin/env bash
# Benchmark: scanner-openscap vs real `oscap oval eval --results` on the same rpm root and feed.
#
# Run from the workspace root after `cargo build --release`. Builds its input on first use
# (cached in ${BENCH_DIR:-/tmp/openscap-bench}): a RHEL 8.0 root whose packages (rpmbuild,
# signed with a throw-away gpg key, rpmsign --rpmv3) straddle fixed versions of the Red Hat
# RHEL 8 OVAL feed (../shared/fixtures/oval/claircore__com.redhat.rhsa-RHEL8.xml, 2.8 MB, 129
# definitions, its Red Hat key id replaced by the test key's), and a large feed made of
# ${COPIES:-20} renumbered copies of it (the size of today's multi-stream feeds). Runs each tool
# ${RUNS:-3} times on each feed (best wall time and peak RSS kept), checks that both give the
# same result for every definition, and prints as its last line
#   speedup N.N x, same output: yes|no
# (speedup = oscap's best time / ours on the large feed). Needs: oscap, rpm, rpmbuild, rpmsign,
# gpg, python3, root (oscap's rpm probes chroot).
set -euo pipefail

WS=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$WS/target/release/scanner-openscap}
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-$WS/target}/release/scanner-openscap
[ -x "$BIN" ] || { echo "build first: cargo build --release -p scanner-openscap" >&2; exit 1; }
FEED_SRC=${FEED_SRC:-$WS/../shared/fixtures/oval/claircore__com.redhat.rhsa-RHEL8.xml}
[ -f "$FEED_SRC" ] || { echo "missing $FEED_SRC (shared fixtures)" >&2; exit 1; }
BENCH_DIR=${BENCH_DIR:-/tmp/openscap-bench}
RUNS=${RUNS:-3}
COPIES=${COPIES:-20}
ROOT=$BENCH_DIR/root
export LC_ALL=C TZ=UTC HOME=$BENCH_DIR/home GNUPGHOME=$BENCH_DIR/gnupg

build_input() {
    rm -rf "$BENCH_DIR"
    mkdir -p "$HOME" "$BENCH_DIR/rpms" "$ROOT/var/lib/rpm"
    mkdir -m 700 "$GNUPGHOME"
    printf '%%_dbpath /var/lib/rpm\n%%__os_install_post %%{nil}\n%%debug_package %%{nil}\n%%_build_id_links none\n' > "$HOME/.rpmmacros"
    gpg --batch --passphrase '' --quick-gen-key 'OVAL Bench <bench@test.invalid>' rsa2048 sign never 2>/dev/null
    local fpr keyid
    fpr=$(gpg --batch --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print tolower($10); exit}')
    keyid=${fpr: -16}
    # name epoch version release arch
    local pkgs=(
        "systemd - 239 10.el8 x86_64" "glibc - 2.28 42.el8 x86_64" "openssl-libs 1 1.1.1 8.el8 x86_64"
        "vim-minimal 2 8.0.1763 10.el8 x86_64" "openssh-server - 8.0p1 3.el8 x86_64"
        "dbus 1 1.12.8 9.el8 x86_64" "redhat-release - 8.0 0.3.el8 noarch" "curl - 7.61.1 8.el8 x86_64"
        "bind - 9.11.4 16.el8 x86_64" "kernel - 4.18.0 80.el8 x86_64" "python3-libs - 3.6.8 1.el8 x86_64"
    )
    for p in "${pkgs[@]}"; do
        read -r name epoch version release arch <<<"$p"
        local top=$BENCH_DIR/build-$name
        mkdir -p "$top/tree/usr/share/doc/$name" "$top/tree/etc"
        echo "$name" > "$top/tree/usr/share/doc/$name/README"
        local files="/usr/share/doc/$name"
        if [ "$name" = redhat-release ]; then
            echo 'Red Hat Enterprise Linux release 8.0 (Ootpa)' > "$top/tree/etc/redhat-release"
            printf 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION="8.0 (Ootpa)"\nVERSION_ID="8.0"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:8.0:GA"\n' > "$top/tree/etc/os-release"
            files="$files
/etc/redhat-release
/etc/os-release"
        fi
        {
            echo "Name: $name"
            [ "$epoch" = - ] || echo "Epoch: $epoch"
            echo "Version: $version"; echo "Release: $release"; echo "Summary: bench"; echo "License: MIT"
            [ "$arch" = noarch ] && echo "BuildArch: noarch"
            echo "%description"; echo "bench"
            echo "%install"; echo "mkdir -p %{buildroot}"; echo "cp -a '$top/tree'/. %{buildroot}/"
            echo "%files"; echo "$files"
        } > "$top/$name.spec"
        local target=()
        [ "$arch" = noarch ] || target=(--target "$arch")
        rpmbuild -bb --quiet "${target[@]}" --define "_topdir $top/top" --define "_rpmdir $BENCH_DIR/rpms" \
            --define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' "$top/$name.spec" >/dev/null
    done
    # Everything signed (v3 + v4) except curl.
    rpmsign --addsign --rpmv3 --define '__gpg /usr/bin/gpg' --define '_gpg_name OVAL Bench' \
        $(ls "$BENCH_DIR"/rpms/*.rpm | grep -v /curl-) >/dev/null 2>&1
    gpgconf --kill all 2>/dev/null || true
    rpm --root "$ROOT" --dbpath /var/lib/rpm -i --nodeps --noscripts --notriggers "$BENCH_DIR"/rpms/*.rpm
    # oscap 1.3.7 workarounds (see scanner-openscap/tests/common/mod.rs): its rpm probes chroot
    # the whole process, so nested chroots, librpm's config and the results path must also
    # resolve inside the root.
    mkdir -p "$ROOT/usr/lib/rpm" "$ROOT$HOME" "$ROOT$BENCH_DIR"
    cp /usr/lib/rpm/rpmrc /usr/lib/rpm/macros "$ROOT/usr/lib/rpm/"
    cp "$HOME/.rpmmacros" "$ROOT$HOME/"
    ln -s / "$ROOT$ROOT"
    sed "s/199e2f91fd431d51/$keyid/g" "$FEED_SRC" > "$BENCH_DIR/feed-1.xml"
    python3 - "$BENCH_DIR/feed-1.xml" "$COPIES" "$BENCH_DIR/feed-big.xml" <<'PY'
import re, sys
src, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open(src, encoding="utf-8").read()
sections = {}
for name in ("definitions", "tests", "objects", "states", "variables"):
    m = re.search(r"<%s>(.*)</%s>" % (name, name), text, re.S)
    sections[name] = m.group(1) if m else ""
head = text[: text.index("<definitions>")]
with open(out, "w", encoding="utf-8") as f:
    f.write(head)
    for name in ("definitions", "tests", "objects", "states", "variables"):
        if not sections[name]:
            continue
        f.write("<%s>" % name)
        for k in range(copies):
            f.write(sections[name].replace("oval:com.redhat.rhsa:", "oval:com.redhat.rhsa%d:" % k))
        f.write("</%s>\n" % name)
    f.write("</oval_definitions>\n")
PY
}

[ -f "$BENCH_DIR/feed-big.xml" ] && [ -e "$ROOT$ROOT" ] || build_input

# best wall seconds and peak KB of RUNS runs of a command
measure() {
    local best="" mem=""
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f '%e %M' -o "$BENCH_DIR/time.txt" "$@" >/dev/null 2>&1 || true
        read -r t m < "$BENCH_DIR/time.txt"
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$mem" ] || [ "$m" -gt "$mem" ]; then mem=$m; fi
    done
    echo "$best $mem"
}

same=yes
for feed in feed-1 feed-big; do
    defs=$BENCH_DIR/$feed.xml
    out=$BENCH_DIR/ours-$feed
    rm -rf "$out"; mkdir -p "$out"
    read -r ours_t ours_m < <(measure "$BIN" --rootfs "$ROOT" --oval "$defs" --output "$out")
    read -r oscap_t oscap_m < <(measure env OSCAP_PROBE_ROOT="$ROOT" oscap oval eval --results "$BENCH_DIR/oscap-$feed.xml" "$defs")
    res=$BENCH_DIR/oscap-$feed.xml
    [ -f "$res" ] || res=$ROOT$BENCH_DIR/oscap-$feed.xml
    grep -o '<definition definition_id="[^"]*" result="[^"]*"' "$res" \
        | sed 's/<definition definition_id="\([^"]*\)" result="\([^"]*\)"/\1\t\2/' | sort > "$BENCH_DIR/oscap-$feed.tsv"
    n=$(wc -l < "$out/results.tsv")
    ntrue=$(grep -c $'\ttrue$' "$out/results.tsv" || true)
    if cmp -s "$out/results.tsv" "$BENCH_DIR/oscap-$feed.tsv"; then s=yes; else s=no; same=no; fi
    printf '%-9s %7s defs (%s true) | ours %6.2f s %7d KB | oscap %6.2f s %7d KB | same: %s\n' \
        "$feed" "$n" "$ntrue" "$ours_t" "$ours_m" "$oscap_t" "$oscap_m" "$s"
    last_ours=$ours_t; last_oscap=$oscap_t
done
speedup=$(awk "BEGIN{o=$last_ours; if (o < 0.01) o = 0.01; printf \"%.1f\", $last_oscap / o}")
echo "speedup $speedup x, same output: $same"
