#!/usr/bin/env bash
# Benchmark: `rpmdb-query --files` against `rpm -qa --qf <the same file columns>` on the same
# large rpm databases, in one run. Inputs are built or found here:
#   sqlite-centos8   518 packages / 63825 files: the fossa-centos8 header blobs imported into a
#                    fresh sqlite rpmdb with `rpmdb --importdb` (as shared/fixtures/rpmdb/README.txt)
#   bdb-centos8      the same 518 headers in a Berkeley DB hash Packages (db5.3_load; skipped
#                    when db5.3_load is not installed)
#   bdb-ubi8-s390x   183 packages / 30799 files, big-endian BDB shipped in shared/fixtures
# Each tool runs RUNS times per input (default 10), best wall-clock time kept; rpm's output is
# sorted outside the timing (ours sorts inside). Outputs must be identical.
# Needs: cargo, rpm + rpmdb (4.18), zstd, tar; ../shared/fixtures beside the checkout
# (or SHARED_FIXTURES=...). Last line: "speedup N.N x, same output: yes|no".
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED_FIXTURES:-$HERE/../shared/fixtures}
RUNS=${RUNS:-10}
TARGET=${CARGO_TARGET_DIR:-$HERE/target}
FIX=$SHARED/rpmdb
[ -d "$FIX" ] || { echo "no rpmdb fixtures at $FIX (set SHARED_FIXTURES)" >&2; exit 2; }

(cd "$HERE" && cargo build --release --quiet -p rpmdb-query)
Q=$TARGET/release/rpmdb-query
[ -x "$Q" ] || { echo "no $Q after cargo build --release" >&2; exit 2; }

export LC_ALL=C TZ=UTC
W=$(mktemp -d)
# rpm reads ~/.rpmmacros: give it a private HOME so the host's settings cannot leak in.
export HOME=$W/home
mkdir -p "$HOME"
echo '%_dbpath /var/lib/rpm' > "$HOME/.rpmmacros"
trap 'rm -rf "$W"' EXIT

QF='[%{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}\t%{FILENAMES}\t%{FILEMODES:octal}\t%{FILESIZES}\t%{FILEDIGESTS}\t%{=FILEDIGESTALGO}\t%{FILEMTIMES}\t%{FILEUSERNAME}\t%{FILEGROUPNAME}\t%{FILEFLAGS:fflags}\t%{FILESTATES:fstate}\t%{FILELINKTOS}\t%{FILEDEVICES}\t%{FILERDEVS}\t%{FILEINODES}\t%{FILEVERIFYFLAGS}\t%{FILECAPS}\n]'

. "$HERE/bench/clock.sh"

# --- inputs -----------------------------------------------------------------------------
BLOBS=$W/blobs
mkdir -p "$BLOBS"
zstd -dc "$FIX/header-blobs/fossa-centos8-modularitylabel/bins.tar.zst" | tar -x -C "$BLOBS"
mapfile -t BINS < <(find "$BLOBS" -type f -name '*.bin' | sort)

INPUTS=()
# sqlite, via rpm's own import.
D=$W/sqlite-centos8
mkdir -p "$D"
for b in "${BINS[@]}"; do printf '\x8e\xad\xe8\x01\x00\x00\x00\x00'; cat "$b"; done > "$W/stream"
rpm --dbpath "$D" --define '_db_backend sqlite' --initdb
rpmdb --dbpath "$D" --define '_db_backend sqlite' --importdb < "$W/stream"
INPUTS+=("sqlite-centos8:$D:sqlite")

# BDB hash (little-endian) with the same headers, when Berkeley DB's loader is available.
if command -v db5.3_load > /dev/null; then
    D=$W/bdb-centos8
    mkdir -p "$D"
    hexle() { printf '%08x' "$1" | sed -E 's/(..)(..)(..)(..)/\4\3\2\1/'; }
    {
        printf 'VERSION=3\nformat=bytevalue\ntype=hash\ndb_lorder=1234\ndb_pagesize=4096\nHEADER=END\n'
        printf ' %s\n %s\n' "$(hexle 0)" "$(hexle ${#BINS[@]})"
        i=0
        for b in "${BINS[@]}"; do
            i=$((i + 1))
            printf ' %s\n ' "$(hexle $i)"
            od -An -v -tx1 "$b" | tr -d ' \n'
            printf '\n'
        done
        printf 'DATA=END\n'
    } > "$W/dump.txt"
    db5.3_load -f "$W/dump.txt" "$D/Packages"
    INPUTS+=("bdb-centos8:$D:bdb_ro")
else
    echo "note: db5.3_load not installed, skipping the BDB copy of the centos8 headers" >&2
fi

# Big-endian BDB shipped with the fixtures.
D=$W/bdb-ubi8-s390x
mkdir -p "$D"
zstd -qdc "$FIX/ubi8-s390x-bigendian-reconstructed/Packages.zst" > "$D/Packages"
INPUTS+=("bdb-ubi8-s390x-be:$D:bdb_ro")

# --- runs -------------------------------------------------------------------------------
# best CMD... : runs CMD RUNS times (stdout to $OUT, stderr to $W/err); sets BEST_WALL (ns,
# best wall clock) and BEST_CPU (ms, best user+sys).
TIMEFORMAT='%3U %3S'
best() {
    local t0 t1 i u s cpu
    BEST_WALL=0
    BEST_CPU=0
    for ((i = 0; i < RUNS; i++)); do
        # The previous run's output is emptied first: freeing its pages is not this run's work.
        : > "$OUT"
        now_ns; t0=$NOW
        { time "$@" > "$OUT" 2>> "$W/err"; } 2> "$W/time"
        now_ns; t1=$NOW
        read -r u s < "$W/time"
        cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%d", (u + s) * 1000 }')
        if ((BEST_WALL == 0 || t1 - t0 < BEST_WALL)); then BEST_WALL=$((t1 - t0)); fi
        if ((i == 0 || cpu < BEST_CPU)); then BEST_CPU=$cpu; fi
    done
}

echo "inputs built; $RUNS runs each, best kept ($(nproc) CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg))"
TOTAL_RPM=0
TOTAL_OURS=0
CPU_RPM=0
CPU_OURS=0
SAME=yes
for input in "${INPUTS[@]}"; do
    IFS=: read -r name dir be <<< "$input"
    OUT=$W/rpm.out
    best rpm --dbpath "$dir" --define "_db_backend $be" -qa --qf "$QF"
    t_rpm=$BEST_WALL c_rpm=$BEST_CPU
    sort "$W/rpm.out" > "$W/rpm.sorted"
    OUT=$W/ours.out
    best "$Q" --dbpath "$dir" --files
    t_ours=$BEST_WALL c_ours=$BEST_CPU
    tail -n +2 "$W/ours.out" > "$W/ours.rows"
    if cmp -s "$W/rpm.sorted" "$W/ours.rows"; then same=yes; else same=no; SAME=no; fi
    pkgs=$("$Q" --dbpath "$dir" | wc -l)
    files=$(wc -l < "$W/ours.rows")
    awk -v n="$name" -v p="$pkgs" -v f="$files" -v r="$t_rpm" -v o="$t_ours" -v cr="$c_rpm" -v co="$c_ours" -v s="$same" 'BEGIN {
        printf "%-18s %4d pkgs %6d files | wall: rpm %6.3f s, ours %6.3f s, %4.1f x | cpu: rpm %4d ms, ours %4d ms, %4.1f x | same: %s\n",
            n, p, f, r / 1e9, o / 1e9, r / o, cr, co, cr / (co > 0 ? co : 1), s }'
    TOTAL_RPM=$((TOTAL_RPM + t_rpm))
    TOTAL_OURS=$((TOTAL_OURS + t_ours))
    CPU_RPM=$((CPU_RPM + c_rpm))
    CPU_OURS=$((CPU_OURS + c_ours))
done
awk -v r="$TOTAL_RPM" -v o="$TOTAL_OURS" -v cr="$CPU_RPM" -v co="$CPU_OURS" 'BEGIN {
    printf "total wall: rpm %.3f s, rpmdb-query %.3f s; total cpu (user+sys): rpm %d ms, rpmdb-query %d ms (%.1f x)\n",
        r / 1e9, o / 1e9, cr, co, cr / (co > 0 ? co : 1) }'
# The ratio reported is wall clock (rpm's time excludes the sort its output needs to match ours).
awk -v r="$TOTAL_RPM" -v o="$TOTAL_OURS" -v s="$SAME" 'BEGIN { printf "speedup %.1f x, same output: %s\n", r / o, s }'
