#!/usr/bin/env bash
# Builds the scanner images localhost/scanner-{rpm-verify,yum-update,openscap}:latest FROM scratch,
# each holding one statically linked binary, with docker or podman (whichever is present;
# ENGINE=docker|podman forces one).
#
#   containerfiles/build.sh [--bin-dir DIR] [--registry PREFIX] [--tag TAG] [SCANNER...]
#
#   --bin-dir DIR      use the static binaries already in DIR instead of building them
#   --registry PREFIX  name the images PREFIX/scanner-x:TAG (default: localhost)
#   --tag TAG          image tag (default: latest)
#   SCANNER            scanner-rpm-verify, scanner-yum-update, scanner-openscap (default: all)
#
# Without --bin-dir the binaries are built with
#   RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target x86_64-unknown-linux-gnu
# The INSTALL label passes the image's own name to --install-registration, so an image pushed
# under another registry registers itself under that name.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
target=x86_64-unknown-linux-gnu
registry=localhost tag=latest bin_dir="" scanners=()
while [ $# -gt 0 ]; do
    case $1 in
        --bin-dir) bin_dir=$2; shift 2 ;;
        --registry) registry=${2%/}; shift 2 ;;
        --tag) tag=$2; shift 2 ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        scanner-rpm-verify|scanner-yum-update|scanner-openscap) scanners+=("$1"); shift ;;
        *) echo "build.sh: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#scanners[@]} -gt 0 ] || scanners=(scanner-rpm-verify scanner-yum-update scanner-openscap)

if [ -z "${ENGINE:-}" ]; then
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
    elif command -v podman >/dev/null; then ENGINE=podman
    elif command -v docker >/dev/null; then ENGINE=docker
    else echo "build.sh: neither docker nor podman is installed" >&2; exit 1
    fi
fi

if [ -z "$bin_dir" ]; then
    pkgs=(); for s in "${scanners[@]}"; do pkgs+=(-p "$s"); done
    (cd "$top" && RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --locked --target "$target" "${pkgs[@]}")
    bin_dir=${CARGO_TARGET_DIR:-$top/target}/$target/release
fi

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$top/Cargo.toml")
ca=""
for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt; do
    [ -f "$f" ] && { ca=$f; break; }
done

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
for s in "${scanners[@]}"; do
    bin=$bin_dir/$s
    [ -x "$bin" ] || { echo "build.sh: $bin is missing (build it first or drop --bin-dir)" >&2; exit 1; }
    rm -rf "${ctx:?}"/*
    cp "$bin" "$ctx/$s"
    mkdir -m 1777 "$ctx/tmp"
    command -v strip >/dev/null && strip "$ctx/$s"
    if grep -q '^COPY ca-certificates.crt' "$top/containerfiles/$s.Containerfile"; then
        [ -n "$ca" ] || { echo "build.sh: no CA bundle on this host (install ca-certificates)" >&2; exit 1; }
        cp "$ca" "$ctx/ca-certificates.crt"
    fi
    image=$registry/$s:$tag
    echo "== $ENGINE build $image"
    # docker without buildx: the legacy builder, minus its deprecation notice
    DOCKER_BUILDKIT=0 "$ENGINE" build -q --build-arg "VERSION=$version" -t "$image" \
        -f "$top/containerfiles/$s.Containerfile" "$ctx" 2> >(grep -v -e DEPRECATED -e BuildKit \
        -e 'environment-variable' -e '^ *$' >&2) >/dev/null
    size=$("$ENGINE" image inspect -f '{{.Size}}' "$image")
    echo "$image: $(( (size + 524287) / 1048576 )) MB ($size bytes)"
done
