#!/usr/bin/env bash
# End-to-end proof for shipping the scanners (issue 8), the single entry point .ci/run calls:
#  1. static release builds of the three scanners (built once; the images and the RPM reuse them);
#  2. install/atomic.d registrations parse with PyYAML and pass atomic's checks;
#  3. containerfiles/build.sh builds each image FROM scratch (size printed; goal < 10 MB), with
#     the labels atomic reads;
#  4. the INSTALL label, run through docker against a temporary host /etc/atomic.d, writes the
#     registration; UNINSTALL removes it; HELP prints usage;
#  5. each image, run exactly as `atomic scan` runs it (docker run -t --rm, /etc/localtime,
#     read-only /scanin/<id> mounts of test root file systems, /scanout:rw,Z, the registration's
#     custom_args, image_name and default scan args), writes the same files as the plain binary;
#     then the same images built and run with podman write them too;
#  6. install/scanners.spec builds with rpmbuild, installs with `rpm --root`, `rpm -V` is clean,
#     and scanner-rpm-verify on that root reports nothing.
# Starts dockerd when it is not running (and stops it again). Exit status non-zero on any
# failure; the last line is "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
here=$top/tests/e2e
triple=x86_64-unknown-linux-gnu
scanners=(scanner-rpm-verify scanner-yum-update scanner-openscap)
export CARGO_HOME=${CARGO_HOME:-$HOME/.cargo} RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export LC_ALL=C.UTF-8 CARGO_TERM_COLOR=never
target_dir=${CARGO_TARGET_DIR:-$top/target}
bin=$target_dir/$triple/release

passed=0 failed=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
# check NAME CMD...: runs CMD with output to a log, PASS/FAIL by exit status, log shown on FAIL.
check() {
    local name=$1; shift
    local log; log=$(mktemp -p "$work" log.XXXXXX)
    if "$@" >"$log" 2>&1; then pass "$name"; grep '^same output' "$log" | sed 's/^/    /'; else fail "$name"; sed 's/^/    /' "$log" | tail -40; fi
}

work=$(mktemp -d /tmp/atomic-scanners-e2e.XXXXXX)
dockerd_pid=""
cleanup() {
    # the read-only bind mounts of the atomic-style runs, if a run was interrupted
    awk -v w="$work/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount 2>/dev/null
    rm -rf "$work"
    if [ -n "$dockerd_pid" ]; then kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null; fi
}
trap cleanup EXIT
finish() { echo; echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }
started=$(date +%s)

# ---------------------------------------------------------------- tools
py=python3
$py -c 'import yaml' 2>/dev/null || py=/usr/bin/python3
if $py -c 'import yaml' 2>/dev/null; then pass "PyYAML available ($($py -c 'import yaml; print(yaml.__version__)'))"
else fail "PyYAML (python3-yaml, the parser atomic uses) is not installed"; fi
for t in docker rpmbuild rpm cargo; do
    command -v $t >/dev/null || fail "$t is not installed (.ci/install-deps installs it)"
done
if command -v docker >/dev/null && ! docker info >/dev/null 2>&1; then
    if command -v dockerd >/dev/null; then
        echo "starting dockerd (log: /tmp/atomic-scanners-dockerd.log)"
        dockerd >/tmp/atomic-scanners-dockerd.log 2>&1 &
        dockerd_pid=$!
        for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    fi
fi
if docker info >/dev/null 2>&1; then pass "docker engine reachable ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
else fail "docker engine not reachable"; tail -5 /tmp/atomic-scanners-dockerd.log 2>/dev/null; finish; fi

# ---------------------------------------------------------------- 1. static builds, once
static_build() { # PACKAGE... ; PKG_CONFIG_PATH unset, as the spec's %build does when reusing this target dir
    local p=(); for x in "$@"; do p+=(-p "$x"); done
    env -u PKG_CONFIG_PATH RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --quiet --release --target $triple "${p[@]}" >"$work/build.log" 2>&1
}
is_static() { # no PT_INTERP: needs no dynamic loader (static-pie still has a dynamic section)
    $py - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(1 << 16)
assert data[:4] == b"\x7fELF" and data[4] == 2, "not a 64-bit ELF"
phoff, = struct.unpack_from("<Q", data, 0x20)
phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
sys.exit(1 if 3 in types else 0)
PY
}
built=()
# One cargo invocation for all three (the same feature set the spec builds, so rpmbuild reuses
# it); when that fails, each alone, to test whatever does build.
if static_build "${scanners[@]}"; then ok_builds=("${scanners[@]}")
else
    ok_builds=()
    for s in "${scanners[@]}"; do
        if static_build "$s"; then ok_builds+=("$s"); else fail "$s: static release build"; tail -20 "$work/build.log" | sed 's/^/    /'; fi
    done
fi
for s in "${ok_builds[@]}"; do
    if is_static "$bin/$s"; then pass "$s: static release build (no ELF interpreter)"; built+=("$s")
    else fail "$s: binary has an ELF interpreter, it is not static"; fi
done
echo "builds done after $(( $(date +%s) - started ))s"

# ---------------------------------------------------------------- 2. registrations
check "install/atomic.d: PyYAML parses, atomic's checks pass, scanner names unique" \
    $py "$here/atomic_d.py" check install/atomic.d/scanner-rpm-verify install/atomic.d/scanner-yum-update install/atomic.d/scanner-openscap
check "atomic scan --list (emulated) lists all three with defaults" \
    bash -c "$py '$here/atomic_d.py' list install/atomic.d | tee /dev/stderr | grep -c '^Scanner: ' | grep -qx 3"
for s in "${scanners[@]}"; do
    mapfile -t a < <($py "$here/atomic_d.py" args install/atomic.d/$s); args0=${a[0]:-}
    [ "$args0" = "/usr/bin/$s" ] && pass "$s: scan args run /usr/bin/$s (where the image has it)" \
        || fail "$s: scan args start with '$args0', expected /usr/bin/$s"
done

# ---------------------------------------------------------------- test targets (what atomic mounts)
# Two targets like atomic's /run/atomic/<TS>/: an image (full 64-hex ID) holding the demo image's
# rootfs (real sqlite rpmdb, tampered files, a yum repo config, os-release), and a --rootfs bind
# name holding an empty tree (no rpmdb: every scanner must say Successful "false" for it).
img_id=$(printf 'atomic-scanners e2e demo image' | sha256sum | cut -c1-64)
rootfs_id=_srv_empty-root
mkdir -p "$work/scanin" "$work/demo"
tar --numeric-owner -xzf demo/image.tar.gz -C "$work/demo"
mv "$work/demo/rootfs" "$work/scanin/$img_id"
mkdir -p "$work/scanin/$rootfs_id/etc"
repo=$work/demo/repo
tree_sum() { (cd "$work/scanin" && find . -printf '%p %y %m %U %G %s %T@ %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }
sum_before=$(tree_sum)

# The OVAL feed directory the openscap registration mounts from the host (custom_args): here a
# temporary one holding the demo feed under the name the scanner looks for (<ID>-<major>.oval.xml).
mkdir -p "$work/content/oval"
cp demo/oval.xml "$work/content/oval/asdemo-1.oval.xml"
# Host paths in custom_args and labels that the test points elsewhere (like ATOMIC_CONFD).
host_path() { # a -v value -> the same with the host side redirected
    case $1 in
        /var/lib/scanner-openscap:*) echo "$work/content:${1#*:}" ;;
        /etc/atomic.d:*) echo "$work/host-atomic.d:${1#*:}" ;;
        *) echo "$1" ;;
    esac
}
# Per scanner, what the scan needs beyond the registration, as an `atomic scan` user passes it:
# docker options added to custom_args, and --scanner_args (atomic appends k=v as --k v: the
# underscore spellings reach the binary); for the plain run and the RUN label the same options
# in their hyphenated spelling, plus what the plain run needs to find what the container mounts.
extra_mounts() {
    case $1 in
        scanner-yum-update) echo "-v $repo:$repo:ro" ;;   # file:// repos name paths in the container
    esac
}
atomic_scanner_args() {
    case $1 in
        scanner-rpm-verify) echo "include_config" ;;
        scanner-yum-update) echo "repo_baseurl=demo-updates=file://$repo" ;;
    esac
}
extra_args() {
    case $1 in
        scanner-rpm-verify) echo "--include-config" ;;
        scanner-yum-update) echo "--repo-baseurl demo-updates=file://$repo" ;;
    esac
}
plain_args() {
    case $1 in
        scanner-openscap) echo "--content-dir $work/content/oval" ;;
    esac
}
# atomic's /run/atomic/<TS>: one sub-directory per target, each a read-only bind mount
# (`mount -o ro,bind`, as atomic does for --rootfs). Without mount privileges: copies.
stage_targets() { # DIR
    local id
    for id in "$img_id" "$rootfs_id"; do
        mkdir -p "$1/$id"
        if ! mount -o ro,bind "$work/scanin/$id" "$1/$id" 2>/dev/null; then
            echo "note: cannot bind-mount (not root?): staging a copy of $id"
            cp -a "$work/scanin/$id/." "$1/$id/"
        fi
    done
}
unstage_targets() { # DIR
    local id
    for id in "$img_id" "$rootfs_id"; do mountpoint -q "$1/$id" && umount "$1/$id"; done
    rm -rf "$1"
}
# atomic_command SCANNER TS OUT: stages the targets in $work/run/atomic/TS (sets $stage) and
# sets run=(...) to the argv atomic's registration of SCANNER runs for them with results in
# OUT, with the scanner's extra mounts and --scanner_args (left in $sargs).
atomic_command() {
    local w xm copt=()
    read -r -a xm <<<"$(extra_mounts "$1")"
    stage=$work/run/atomic/$2
    mkdir -p "$stage" "$3"
    stage_targets "$stage"
    for w in "${xm[@]}"; do copt+=(--custom "$w"); done
    sargs=$(atomic_scanner_args "$1")
    mapfile -t run < <($py "$here/atomic_d.py" command install/atomic.d/$1 "$stage" "$3" \
        --map /var/lib/scanner-openscap="$work/content" "${copt[@]}" ${sargs:+--scanner-args "$sargs"})
}

# ---------------------------------------------------------------- 3-5. images
for s in "${built[@]}"; do
    image=$($py "$here/atomic_d.py" field install/atomic.d/$s image_name)
    check "$s: containerfiles/build.sh builds $image" containerfiles/build.sh --bin-dir "$bin" "$s"
    docker image inspect "$image" >/dev/null 2>&1 || continue
    size=$(docker image inspect -f '{{.Size}}' "$image")
    echo "image size: $image $(( size / 1024 )) KiB"
    [ "$size" -lt $((10 * 1024 * 1024)) ] && pass "$s: image is under 10 MB ($(( size / 1024 )) KiB)" \
        || fail "$s: image is $(( size / 1024 )) KiB, over the 10 MB goal"
    docker image inspect -f '{{json .Config.Labels}}' "$image" >"$work/labels.json"
    check "$s: image has the labels atomic reads (INSTALL UNINSTALL RUN HELP name version summary io.k8s.description)" \
        $py -c "
import json,sys; l=json.load(open('$work/labels.json'))
miss=[k for k in ('INSTALL','UNINSTALL','RUN','HELP','name','version','summary','io.k8s.description') if not l.get(k)]
sys.exit('missing: %s' % miss if miss else 0 if l['name']=='$s' else 'name label is %r' % l['name'])"

    # atomic install/uninstall: atomic splits the label on whitespace and replaces the bare words
    # IMAGE and NAME; we only point the host's /etc/atomic.d at a temporary directory.
    label_cmd() { # LABEL -> its argv, one per line, host paths redirected
        local w
        $py -c "
import json; l=json.load(open('$work/labels.json'))['$1']
for w in l.split(): print({'IMAGE':'$image','NAME':'$s'}.get(w,w))" | while read -r w; do host_path "$w"; done
    }
    rm -rf "$work/host-atomic.d"; mkdir -p "$work/host-atomic.d"
    mapfile -t cmd < <(label_cmd INSTALL)
    check "$s: INSTALL label (${cmd[*]}) writes the registration" \
        bash -c '"$@" && cmp "$0" "'"$work"'/host-atomic.d/'"$s"'"' "install/atomic.d/$s" "${cmd[@]}"
    check "$s: the installed registration passes atomic's checks" $py "$here/atomic_d.py" check "$work/host-atomic.d/$s"
    mapfile -t cmd < <(label_cmd UNINSTALL)
    check "$s: UNINSTALL label removes it" bash -c '"$@" && ! test -e "$0"' "$work/host-atomic.d/$s" "${cmd[@]}"
    # Pushed under another name, the image registers itself under that name (atomic passes the
    # name the user typed as IMAGE).
    other=registry.example.com/team/$s:e2e
    docker tag "$image" "$other"
    mapfile -t cmd < <(label_cmd INSTALL | sed "s|^$image\$|$other|")
    check "$s: INSTALL label of the image tagged $other registers image_name $other" bash -c \
        '"$@" >/dev/null && grep -qx "image_name: $0" "'"$work"'/host-atomic.d/'"$s"'" && '"$py"' "'"$here"'/atomic_d.py" check "'"$work"'/host-atomic.d/'"$s"'"' \
        "$other" "${cmd[@]}"
    docker rmi "$other" >/dev/null
    rm -f "$work/host-atomic.d/$s"
    mapfile -t cmd < <(label_cmd HELP)
    check "$s: HELP label prints usage" bash -c '"$@" | grep -q "Usage:"' _ "${cmd[@]}"
    # RUN scans the host's / read-only with --rootfs; here the demo rootfs stands in for the host.
    read -r -a xmounts <<<"$(extra_mounts "$s")"
    read -r -a xargs_ <<<"$(extra_args "$s")"
    read -r -a pargs <<<"$(plain_args "$s")"
    # RUN scans the host's / (read-only) with --rootfs; the demo rootfs stands in for the host.
    cmd=()
    while read -r w; do
        [ "$w" = "$image" ] && cmd+=("${xmounts[@]}")
        [ "$w" = "/:/host:ro" ] && w=$work/scanin/$img_id:/host:ro
        cmd+=("$w")
    done < <(label_cmd RUN)
    check "$s: RUN label (host / replaced by the demo rootfs) prints a successful json" \
        bash -c 'out=$("$@") && echo "$out" && grep -q "\"Successful\": \"true\"" <<<"$out"' _ "${cmd[@]}" "${xargs_[@]}"

    # The scan, plain and as atomic runs it.
    plain=$work/out/$s-plain
    mkdir -p "$plain"
    check "$s: plain run ($s --scanin DIR --scanout DIR ${xargs_[*]} ${pargs[*]}) exits 0" \
        "$bin/$s" --scanin "$work/scanin" --scanout "$plain" "${xargs_[@]}" "${pargs[@]}"
    ts=$(date +%Y-%m-%d-%H-%M-%S-%6N)
    atomic=$work/var/lib/atomic/$($py "$here/atomic_d.py" field install/atomic.d/$s scanner_name)/$ts
    atomic_command "$s" "$ts" "$atomic"
    echo "atomic scan${sargs:+ --scanner_args $sargs} runs: ${run[*]}"
    check "$s: image run as atomic runs it exits 0" "${run[@]}"
    unstage_targets "$stage"
    check "$s: the demo image's json says Successful \"true\" (the comparison below is not vacuous)" \
        $py -c "import json,sys; d=json.load(open('$atomic/$img_id/json')); print(json.dumps(d)[:1500]); sys.exit(d.get('Successful')!='true')"
    check "$s: container output equals the plain run's (json and every other file)" \
        $py "$here/compare_outputs.py" --map "$work/content=/var/lib/scanner-openscap" \
        "$plain" "$atomic" "$work/scanin" "$img_id" "$rootfs_id"
done
# ---------------------------------------------------------------- 5b. the same with podman
# containerfiles/build.sh with ENGINE=podman, and each image run exactly as atomic runs it (the
# same argv) with podman in place of docker: the same files as the plain run.
if command -v podman >/dev/null; then
    # This machine's kernel refuses the raised RLIMIT_NPROC/NOFILE podman applies to containers by
    # default ("error setting rlimit type 6: operation not permitted"): keep the caller's limits.
    export CONTAINERS_CONF=$work/containers.conf
    printf '[containers]\ndefault_ulimits = []\n' >"$CONTAINERS_CONF"
    for s in "${built[@]}"; do
        image=$($py "$here/atomic_d.py" field install/atomic.d/$s image_name)
        podman rmi -f "$image" >/dev/null 2>&1 || true   # never test an image left from before
        check "$s: containerfiles/build.sh with podman builds $image" \
            env ENGINE=podman containerfiles/build.sh --bin-dir "$bin" "$s"
        podman image exists "$image" || continue
        [ -d "$work/out/$s-plain" ] || { fail "$s: no plain run to compare podman's output with"; continue; }
        ts=$(date +%Y-%m-%d-%H-%M-%S-%6N)
        out=$work/var/lib/atomic/podman-$s/$ts
        atomic_command "$s" "$ts" "$out"
        if [ "${run[0]}" != docker ]; then
            fail "$s: atomic's command starts with '${run[0]}', not docker: cannot swap in podman"
            unstage_targets "$stage"; continue
        fi
        run[0]=podman
        check "$s: podman runs the image as atomic runs it (${run[*]:0:3} ...), exit 0" "${run[@]}"
        unstage_targets "$stage"
        check "$s: podman's output equals the plain run's (json and every other file)" \
            $py "$here/compare_outputs.py" --map "$work/content=/var/lib/scanner-openscap" \
            "$work/out/$s-plain" "$out" "$work/scanin" "$img_id" "$rootfs_id"
    done
    unset CONTAINERS_CONF
else
    fail "podman is not installed (.ci/install-deps installs it)"
fi
[ "$(tree_sum)" = "$sum_before" ] && pass "scan targets unchanged by all runs" || fail "a scanner modified its targets"
echo "images done after $(( $(date +%s) - started ))s"

# ---------------------------------------------------------------- 6. RPM
rpmhome=$work/rpmhome; mkdir -p "$rpmhome"
printf '%%_dbpath /var/lib/rpm\n' >"$rpmhome/.rpmmacros"   # Debian's rpm would use ~/.rpmdb
spec_version=$(sed -n 's/^Version: *//p' install/scanners.spec)
crate_version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
[ "$spec_version" = "$crate_version" ] && pass "spec Version $spec_version matches the workspace version" \
    || fail "spec Version $spec_version != workspace version $crate_version"
# --nodeps: the build host's tools (cargo, rust) are not rpm-managed here.
check "rpmbuild -bb install/scanners.spec" env HOME="$rpmhome" rpmbuild -bb --nodeps \
    --define "_topdir $work/rpmbuild" --define "scanners_srcdir $top" --define "scanners_target_dir $target_dir" \
    install/scanners.spec
rpmfile=$(ls "$work"/rpmbuild/RPMS/*/atomic-scanners-*.rpm 2>/dev/null | head -1)
if [ -n "$rpmfile" ]; then
    rroot=$work/rpmscan/in/rpmroot   # also a scan target for scanner-rpm-verify below
    mkdir -p "$rroot" "$work/rpmscan/out"
    R() { HOME="$rpmhome" rpm --root "$rroot" --dbpath /var/lib/rpm --define '_dbpath /var/lib/rpm' "$@"; }
    check "package lists binaries, atomic.d files and man pages" bash -c "
        l=\$(HOME='$rpmhome' rpm -qlp '$rpmfile'); echo \"\$l\"
        for s in ${scanners[*]}; do
            grep -qx /usr/bin/\$s <<<\"\$l\" && grep -qx /etc/atomic.d/\$s <<<\"\$l\" && grep -q \"^/usr/share/man/man1/\$s.1\" <<<\"\$l\" || exit 1
        done"
    check "rpm --root installs the package (no --nodeps)" R -i "$rpmfile"
    check "rpm -V is clean on the installed package" bash -c 'out=$("$@" -V atomic-scanners); rc=$?; echo "$out"; [ $rc -eq 0 ] && [ -z "$out" ]' _ \
        env HOME="$rpmhome" rpm --root "$rroot" --dbpath /var/lib/rpm --define '_dbpath /var/lib/rpm'
    check "installed /etc/atomic.d files equal install/atomic.d" bash -c \
        "for s in ${scanners[*]}; do cmp install/atomic.d/\$s '$rroot'/etc/atomic.d/\$s || exit 1; done"
    check "installed /var/lib/scanner-openscap/oval directory" test -d "$rroot/var/lib/scanner-openscap/oval"
    # man pages: rendered by man(1) when it is installed, else checked as roff source
    check "installed man pages have the options and the atomic section" bash -c "
        for s in ${scanners[*]}; do
            f=\$(ls '$rroot'/usr/share/man/man1/\$s.1*) || exit 1
            case \$f in *.gz) src=\$(gzip -dc \"\$f\") ;; *) src=\$(cat \"\$f\") ;; esac
            grep -q '^\\.TH' <<<\"\$src\" && grep -q -- 'scanin' <<<\"\$src\" || { echo \"\$f: not a man page with --scanin\"; exit 1; }
            if command -v man >/dev/null; then
                MANWIDTH=250 man -l \"\$f\" 2>&1 | grep -q \"/etc/atomic.d/\$s\" || { echo \"\$f: man does not render it\"; exit 1; }
            else grep -q \"/etc/atomic.d/\$s\" <<<\"\$src\" || exit 1; fi
        done"
    if [ -x "$bin/scanner-rpm-verify" ] && R -q atomic-scanners >/dev/null 2>&1; then
        check "scanner-rpm-verify on the package root reports nothing" bash -c "
            '$bin/scanner-rpm-verify' --scanin '$work/rpmscan/in' --scanout '$work/rpmscan/out' || exit 1
            $py -c \"
import json,sys; d=json.load(open('$work/rpmscan/out/rpmroot/json'))
print(json.dumps(d, indent=1)[:3000])
n=d.get('Custom',{}).get('Packages verified')
print('packages verified:', n)
sys.exit(0 if d.get('Successful')=='true' and not d.get('Vulnerabilities') and n==1 else 1)\" || exit 1
            f='$work/rpmscan/out/rpmroot/rpm-Va.txt'; test -f \"\$f\" && ! test -s \"\$f\" || { cat \"\$f\"; exit 1; }"
    fi
else
    fail "no RPM was built"
fi
echo "total $(( $(date +%s) - started ))s"
finish
