#!/usr/bin/env bash
# Regenerates demo/image.tar.gz: a small RPM-based image (rootfs with a real sqlite rpmdb, a few
# tampered files) and a yum repository with updates and an updateinfo advisory, all built from
# demo/specs/*.spec with the real tools (rpmbuild, rpm --root, createrepo_c, modifyrepo_c).
# The tarball is committed so that demo/run.sh needs nothing but the Rust toolchain.
# Run as root (file ownership in the image must be real): sudo demo/make-demo.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work/home LC_ALL=C TZ=UTC
mkdir -p "$HOME"
cat > "$HOME/.rpmmacros" <<'M'
%_dbpath /var/lib/rpm
%__os_install_post %{nil}
%debug_package %{nil}
%_build_id_links none
M

build() { # spec, extra rpmbuild args...
    local spec=$1; shift
    rpmbuild -bb --quiet --define "_topdir $work/top" --define "_rpmdir $work/rpms" \
        --define '_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' "$@" "$here/specs/$spec" >/dev/null
}
build demo-release.spec
build demo-ssl.spec --define 'rel 1'
build demo-ssl.spec --define 'rel 2'
build demo-shell.spec --define 'ver 2.1'
build demo-shell.spec --define 'ver 2.2'

root=$work/image/rootfs
mkdir -p "$root/var/lib/rpm"
R() { rpm --root "$root" --dbpath /var/lib/rpm "$@" 2> >(grep -v -e "should not be used directly" -e "you know what you are doing" >&2); }
# The release package first: it brings /etc/passwd and /etc/group, which rpm uses for owners.
R -i --nodeps --noscripts "$work/rpms/demo-release-1-1.noarch.rpm"
R -i --nodeps --noscripts "$work/rpms/demo-ssl-1.0-1.noarch.rpm" "$work/rpms/demo-shell-2.1-1.noarch.rpm"
rm -f "$root"/var/lib/rpm/.rpm.lock "$root"/var/lib/rpm/rpmdb.sqlite-shm "$root"/var/lib/rpm/rpmdb.sqlite-wal

# Tampering that rpm -Va (and scanner-rpm-verify) must find:
printf 'echo backdoor\n' >> "$root/usr/bin/demo-sh"                   # S.5....T.  binary changed
chmod 0777 "$root/usr/lib64/libdemossl.so.1.0"                         # .M.......  mode changed
printf 'min_protocol = SSLv3\n' >> "$root/etc/demo-ssl/demo-ssl.cnf"  # S.5....T.  c (config, hidden by default policy)
rm "$root/usr/share/doc/demo-ssl/README"                              # missing   d
touch -d "@$(( $(date +%s) - 86400 ))" "$root/usr/bin/demo-sh" "$root/etc/demo-ssl/demo-ssl.cnf"   # T: mtime differs from the package

repo=$work/image/repo
mkdir -p "$repo"
cp "$work"/rpms/*.rpm "$repo/"
createrepo_c -q --no-database "$repo"
modifyrepo_c --mdtype=updateinfo "$here/updateinfo.xml" "$repo/repodata" >/dev/null

tar --numeric-owner --sort=name -C "$work/image" -cf - rootfs repo | gzip -9n > "$here/image.tar.gz.tmp"
mv "$here/image.tar.gz.tmp" "$here/image.tar.gz"
echo "wrote $here/image.tar.gz ($(du -h "$here/image.tar.gz" | cut -f1))"
echo "what rpm -Va says about it:"
R -Va --nodeps --noscripts | LC_ALL=C sort || true
