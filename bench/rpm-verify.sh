#!/usr/bin/env bash
# Benchmark: scanner-rpm-verify vs real `rpm -Va` on the same generated image tree.
#
# Run from the workspace root after `cargo build --release`. Builds its input on first use
# (cached in ${BENCH_DIR:-/tmp/rpm-verify-bench}): 8 packages built with rpmbuild, ~8000 files
# (small and large, ~60 MB, several digest algorithms), installed with `rpm --root`, then a
# few files tampered. Runs each tool several times (best wall time wins), checks that our
# rpm-Va.txt equals rpm's output (sorted), and prints as its last line
#   speedup N.N x, same output: yes|no
# Needs: rpm, rpmbuild, root (rpm -V --root chroots). RUNS=N overrides the run count (5).
set -euo pipefail

WS=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$WS/target/release/scanner-rpm-verify}
[ -x "$BIN" ] || BIN=${CARGO_TARGET_DIR:-$WS/target}/release/scanner-rpm-verify
[ -x "$BIN" ] || { echo "build first: cargo build --release -p scanner-rpm-verify" >&2; exit 1; }
BENCH_DIR=${BENCH_DIR:-/tmp/rpm-verify-bench}
RUNS=${RUNS:-5}
ROOT=$BENCH_DIR/root
export LC_ALL=C TZ=UTC HOME=$BENCH_DIR/home

build_input() {
    rm -rf "$BENCH_DIR"
    mkdir -p "$HOME" "$BENCH_DIR/rpms" "$ROOT/etc" "$ROOT/var/lib/rpm"
    cat > "$HOME/.rpmmacros" <<'MACROS'
%_dbpath /var/lib/rpm
%__os_install_post %{nil}
%debug_package %{nil}
%_build_id_links none
%_binary_payload w1.gzdio
MACROS
    printf 'root:x:0:0:root:/root:/bin/sh\nbench:x:1000:1000::/:/sbin/nologin\n' > "$ROOT/etc/passwd"
    printf 'root:x:0:\nbench:x:1000:\n' > "$ROOT/etc/group"
    local algos=(8 1 2 10 8 9 11 8)
    for n in 0 1 2 3 4 5 6 7; do
        local top=$BENCH_DIR/build$n tree=$BENCH_DIR/build$n/tree/usr/share/bench$n
        mkdir -p "$tree"
        for d in $(seq 0 19); do
            mkdir -p "$tree/d$d"
            for f in $(seq 0 49); do
                # sizes from 0 to ~12 KiB, deterministic per file
                head -c $(( (d * 50 + f) * 977 % 12289 )) /dev/urandom > "$tree/d$d/f$f"
            done
        done
        head -c $((6 * 1024 * 1024)) /dev/urandom > "$tree/big.bin"
        cat > "$top/bench$n.spec" <<SPEC
Name: bench$n
Version: 1.0
Release: 1
Summary: rpm-verify benchmark package $n
License: MIT
BuildArch: noarch
%description
Benchmark input.
%install
mkdir -p %{buildroot}
cp -a '$top/tree'/. %{buildroot}/
%files
%attr(-,bench,bench) /usr/share/bench$n
SPEC
        rpmbuild -bb --quiet --define "_topdir $top/top" --define "_rpmdir $BENCH_DIR/rpms" \
            --define '_build_name_fmt %%{NAME}.rpm' \
            --define "_binary_filedigest_algorithm ${algos[$n]}" "$top/bench$n.spec" >/dev/null
        rm -rf "$top"
    done
    rpm --root "$ROOT" --dbpath /var/lib/rpm -i --nodeps --noscripts "$BENCH_DIR"/rpms/*.rpm
    # A few findings, the same for both tools.
    echo tampered >> "$ROOT/usr/share/bench0/d1/f7"
    chmod 600 "$ROOT/usr/share/bench3/d2/f2"
    rm "$ROOT/usr/share/bench5/d3/f3"
    touch -d '2001-01-01' "$ROOT/usr/share/bench7/d4/f4"
    chown 0:0 "$ROOT/usr/share/bench6/d5/f5"
    touch "$BENCH_DIR/ready"
}

[ -f "$BENCH_DIR/ready" ] || build_input
files=$(find "$ROOT/usr/share" -type f | wc -l)
mb=$(du -sm "$ROOT/usr/share" | cut -f1)
echo "input: $ROOT ($files files, ${mb} MB, $(ls "$BENCH_DIR"/rpms | wc -l) packages)"

. "$WS/bench/clock.sh"
best_rpm=999999; best_ours=999999
for i in $(seq 1 "$RUNS"); do
    now; t0=$NOW
    rpm --root "$ROOT" --dbpath /var/lib/rpm -Va --nodeps --noscripts > "$BENCH_DIR/rpm.out" || true
    now; t1=$NOW
    rm -rf "$BENCH_DIR/ours"; mkdir -p "$BENCH_DIR/ours"
    now; t2=$NOW
    "$BIN" --rootfs "$ROOT" --output "$BENCH_DIR/ours" > /dev/null || true
    now; t3=$NOW
    r=$(awk "BEGIN{print $t1 - $t0}"); o=$(awk "BEGIN{print $t3 - $t2}")
    printf 'run %d: rpm -Va %.3f s, scanner-rpm-verify %.3f s\n' "$i" "$r" "$o"
    best_rpm=$(awk "BEGIN{print ($r < $best_rpm) ? $r : $best_rpm}")
    best_ours=$(awk "BEGIN{print ($o < $best_ours) ? $o : $best_ours}")
done
sort "$BENCH_DIR/rpm.out" > "$BENCH_DIR/rpm.sorted"
sort "$BENCH_DIR/ours/rpm-Va.txt" > "$BENCH_DIR/ours.sorted" 2>/dev/null || : > "$BENCH_DIR/ours.sorted"
if [ -s "$BENCH_DIR/rpm.sorted" ] && cmp -s "$BENCH_DIR/rpm.sorted" "$BENCH_DIR/ours.sorted"; then
    same=yes
else
    same=no
    diff "$BENCH_DIR/rpm.sorted" "$BENCH_DIR/ours.sorted" | head -20 >&2 || true
fi
printf 'best: rpm -Va %.3f s, scanner-rpm-verify %.3f s (%d cores)\n' "$best_rpm" "$best_ours" "$(nproc)"
printf 'speedup %.1f x, same output: %s\n' "$(awk "BEGIN{print $best_rpm / $best_ours}")" "$same"
