#!/usr/bin/env bash
# Benchmark: configuration compliance (SSG rhel8 `standard`) on a small fake RHEL 8 root, ours
# (native XCCDF + scanner-openscap's OVAL engine, ARF + HTML report) vs `oscap xccdf eval`
# (--results-arf + --report), best of N runs each, same input in the same run.
# Checks that every rule we give a verdict (pass/fail/notapplicable) has oscap's verdict.
# Needs: cargo, rpmbuild, rpm, oscap, ssg-nondebian. Last line: "speedup N.N x, same output: yes|no".
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-3}
DS=${DS:-/usr/share/xml/scap/ssg/content/ssg-rhel8-ds.xml}
PROFILE=${PROFILE:-xccdf_org.ssgproject.content_profile_standard}
cargo build --release -q -p openscap-xccdf --example compliance-eval
OURS="${CARGO_TARGET_DIR:-target}/release/examples/compliance-eval"
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/home" "$W/rpms" "$W/root/var/lib/rpm" "$W/root/run"
printf '%%_dbpath /var/lib/rpm\n%%__os_install_post %%{nil}\n%%debug_package %%{nil}\n' > "$W/home/.rpmmacros"
# name version release "path<TAB>mode<TAB>content" ...
pkg() {
  local name=$1 version=$2 release=$3; shift 3
  local top="$W/build-$name" tree="$W/build-$name/tree"; mkdir -p "$tree"
  local files=""
  for f in "$@"; do
    local path=${f%%|*} rest=${f#*|}; local mode=${rest%%|*} content=${rest#*|}
    mkdir -p "$tree$(dirname "$path")"; printf '%b' "$content" > "$tree$path"
    files+="%attr($mode,root,root) $path"$'\n'
  done
  cat > "$top/$name.spec" <<SPEC
Name: $name
Version: $version
Release: $release
Summary: bench
License: MIT
BuildArch: noarch
%description
bench
%install
mkdir -p %{buildroot}; cp -a '$tree'/. %{buildroot}/
%files
$files
SPEC
  HOME="$W/home" rpmbuild -bb --quiet --define "_topdir $top/top" --define "_rpmdir $W/rpms" \
    --define '_build_name_fmt %%{NAME}.rpm' "$top/$name.spec" >/dev/null
}
pkg redhat-release 8.6 0.1.el8 "/etc/redhat-release|644|Red Hat Enterprise Linux release 8.6 (Ootpa)\n" \
  "/etc/os-release|644|ID=\"rhel\"\nVERSION_ID=\"8.6\"\n"
pkg setup 2.12.2 6.el8 "/etc/passwd|644|root:x:0:0:root:/root:/bin/bash\n" "/etc/group|644|root:x:0:\n"
pkg sudo 1.8.29 8.el8 "/etc/sudoers|440|root ALL=(ALL) ALL\n"
pkg openssh-server 8.0p1 13.el8 "/etc/ssh/sshd_config|600|PermitRootLogin no\nX11Forwarding yes\n"
pkg crypto-policies 20211116 1.el8 "/etc/crypto-policies/config|644|LEGACY\n"
HOME="$W/home" rpm --root "$W/root" --dbpath /var/lib/rpm -i --nodeps --noscripts "$W"/rpms/*.rpm 2>/dev/null
touch "$W/root/run/.containerenv"

. bench/clock.sh
best() { sort -n | head -1; }
for i in $(seq "$N"); do
  now; s=$NOW; "$OURS" "$W/root" "$DS" "$PROFILE" "$W/ours" native 2>/dev/null; now; e=$NOW
  echo "$e - $s" | bc
done | best > "$W/t_ours"
for i in $(seq "$N"); do
  now; s=$NOW
  HOME="$W/home" OSCAP_PROBE_ROOT="$W/root" oscap xccdf eval --profile "$PROFILE" \
    --results-arf "$W/oscap-arf.xml" --report "$W/oscap-report.html" "$DS" >/dev/null 2>&1 || true
  now; e=$NOW; echo "$e - $s" | bc
done | best > "$W/t_oscap"
# oscap's verdicts from its ARF through our engine-independent translator.
"$OURS" "$W/root" "$DS" "$PROFILE" "$W/theirs" oscap 2>/dev/null
same=yes
while IFS=$'\t' read -r rule ours; do
  case $ours in pass|fail|notapplicable) ;; *) continue ;; esac
  theirs=$(grep -P "^\Q$rule\E\t" "$W/theirs/results.tsv" | cut -f2)
  if [ "$ours" != "$theirs" ]; then echo "differs: $rule ours=$ours oscap=$theirs"; same=no; fi
done < "$W/ours/results.tsv"
evaluated=$(grep -cP '\t(pass|fail|notapplicable)$' "$W/ours/results.tsv" || true)
selected=$(grep -vcP '\tnotselected$' "$W/ours/results.tsv" || true)
to=$(cat "$W/t_ours"); tt=$(cat "$W/t_oscap")
echo "ours ${to}s (native, ARF + HTML), oscap ${tt}s (--results-arf --report); rules with a native verdict: $evaluated of $selected selected"
printf 'speedup %.1f x, same output: %s\n' "$(echo "$tt / $to" | bc -l)" "$same"
