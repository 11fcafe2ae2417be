#!/usr/bin/env bash
# The README's first command: builds the three scanners and runs them on the bundled demo image
# exactly as `atomic scan` would (the image's rootfs under <scanin>/<id>, results under
# <scanout>/<id>/), then prints the summary atomic prints.
# Needs only the Rust toolchain. Results are kept in demo/out/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"

# DEMO_PROFILE=dev reuses a debug build (CI does, after the tests).
profile=${DEMO_PROFILE:-release}
echo "== building the scanners (cargo build --profile $profile)"
cargo build --profile "$profile" --quiet -p scanner-rpm-verify -p scanner-yum-update -p scanner-openscap -p atomic-summary
[ "$profile" = dev ] && profile_dir=debug || profile_dir=$profile
bin=${CARGO_TARGET_DIR:-$top/target}/$profile_dir

out=$here/out
rm -rf "$out"
mkdir -p "$out/scanin" "$out/scanout/rpm-verify" "$out/scanout/yum-update" "$out/scanout/openscap"

# Unpack the image with its owners and mtimes. Owners need root; without it, a user namespace
# (unshare -r) maps us to root so that root-owned files look root-owned to the scanners too
# (only the one directory owned by the image's uid 1000 then shows as changed owner).
wrap=()
if [ "$(id -u)" -eq 0 ]; then
    tar -xzf "$here/image.tar.gz" -C "$out"
else
    if unshare -r true 2>/dev/null; then
        wrap=(unshare -r)
    else
        echo "note: not root and no user namespaces: file owners in the demo image will differ (U/G findings)"
    fi
    tar -xzf "$here/image.tar.gz" -C "$out" --no-same-owner
fi
mv "$out/rootfs" "$out/scanin/demo-image"
repo=$out/repo

run() { "${wrap[@]}" "$@"; }  # scanners see the owners the unpacking saw
echo "== scanner-rpm-verify"
run "$bin/scanner-rpm-verify" --scanin "$out/scanin" --scanout "$out/scanout/rpm-verify"
echo "== scanner-yum-update (the image's repo file names file:///srv/demo-repo; we point it at the demo repo)"
run "$bin/scanner-yum-update" --scanin "$out/scanin" --scanout "$out/scanout/yum-update" \
    --repo-baseurl "demo-updates=file://$repo"
echo "== scanner-openscap (cve scan with the demo's OVAL feed)"
run "$bin/scanner-openscap" --scanin "$out/scanin" --scanout "$out/scanout/openscap" --oval "$here/oval.xml"

status=0
for s in rpm-verify yum-update openscap; do
    echo
    echo "################ atomic scan --scanner $s demo-image"
    "$bin/atomic-summary" "$out/scanout/$s" || status=1
done
exit $status
