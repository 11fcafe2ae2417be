//! Differential tests: for each scenario, real RPMs (rpmbuild), real repositories
//! (createrepo_c, modifyrepo_c) and an image root filled with `rpm --root`; our updates.tsv,
//! obsoletes.tsv and advisories.tsv must equal what `dnf --installroot <copy> check-update` and
//! `dnf updateinfo list` print for the same root, and the root must be byte-identical after our
//! scan.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use yum_update::{output, scan_path, Cache, Overrides, ScanError};

fn tools() -> bool {
    ["rpm", "rpmbuild", "createrepo_c", "modifyrepo_c", "dnf"]
        .iter()
        .all(|t| testkit::require_tool(t))
}

/// Scans `root` with us and with dnf; asserts equal answers and an untouched tree.
/// Returns dnf's parsed answer for extra checks.
fn compare(root: &Path, arch: &str, overrides: &Overrides) -> DnfAnswer {
    let before = testkit::tree_fingerprint(root);
    let ours = scan_path(root, overrides, &Cache::default());
    let after = testkit::tree_fingerprint(root);
    assert_eq!(before, after, "the scan changed the image tree");
    let theirs = dnf_check_update(root, arch);
    match ours {
        Ok(o) => {
            assert!(
                theirs.rc == 0 || theirs.rc == 100,
                "we answered but dnf failed (rc {}):\n{}",
                theirs.rc,
                theirs.stderr
            );
            assert_eq!(
                output::updates_tsv(&o),
                theirs.updates,
                "updates differ from dnf check-update:\n{}",
                theirs.stdout
            );
            assert_eq!(
                output::obsoletes_tsv(&o),
                theirs.obsoletes,
                "obsoletes differ from dnf check-update:\n{}",
                theirs.stdout
            );
            let any = !o.updates.is_empty() || !o.obsoletes.is_empty();
            assert_eq!(theirs.rc, if any { 100 } else { 0 });
        }
        Err(e) => {
            assert_eq!(
                theirs.rc, 1,
                "we failed ({e}) but dnf answered:\n{}",
                theirs.stdout
            );
        }
    }
    theirs
}

const INSTALLED: &[&str] = &[
    "fake-release-9.4-1.noarch",
    "hello-1.0-1.x86_64",
    "multi-1.0-1.x86_64",
    "multi-1.0-1.i686",
    "archswitch-1.0-1.x86_64",
    "toarch-1.0-1.noarch",
    "onlyi686-1.0-1.x86_64",
    "foreign-1.0-1.noarch",
    "epochy-2.0-1.noarch",
    "tildepkg-1.0~rc1-1.noarch",
    "caretpkg-1.0-1.noarch",
    "relpkg-1.0-1.noarch",
    "kernel-1-1.x86_64",
    "kernel-3-1.x86_64",
    "kernel-core-1-1.x86_64",
    "kernel-core-3-1.x86_64",
    "newer-3.0-1.noarch",
    "oldname-1.0-1.noarch",
    "gone-0.5-1.noarch",
    "prio-1.0-1.noarch",
    "dup-1.0-1.noarch",
    "excluded-1.0-1.noarch",
];

const REPO_A: &[&str] = &[
    "hello-1.1-1.x86_64",
    "multi-1.1-1.x86_64",
    "multi-1.1-1.i686",
    "archswitch-1.1-1.noarch",
    "toarch-1.1-1.x86_64",
    "toarch-1.1-1.i686",
    "onlyi686-1.1-1.i686",
    "foreign-1.1-1.aarch64",
    "epochy-1:1.0-1.noarch",
    "tildepkg-1.0-1.noarch",
    "caretpkg-1.0^git1-1.noarch",
    "relpkg-1.0-2.el9.noarch",
    "kernel-2-1.x86_64",
    "kernel-4-1.x86_64",
    "kernel-core-2-1.x86_64",
    "newer-2.0-1.noarch",
    "notinstalled-1.0-1.noarch",
    "newname-2.0-1.noarch",
    "replacer-1.0-1.noarch",
    "prio-1.2-1.noarch",
    "dup-1.1-1.noarch",
    "excluded-1.1-1.noarch",
];

const REPO_B: &[&str] = &["hello-1.2-1.x86_64", "dup-1.1-1.noarch"];
const REPO_C: &[&str] = &["prio-1.1-1.noarch"];

/// The standard three repositories under `dir/<id>/9/x86_64` (so `$releasever`/`$basearch` are
/// exercised), with createrepo_c args.
fn standard_repos(dir: &Path, extra: &[&str]) {
    make_repo(&dir.join("repo-a/9/x86_64"), REPO_A, extra);
    make_repo(&dir.join("repo-b/9/x86_64"), REPO_B, extra);
    make_repo(&dir.join("repo-c/9/x86_64"), REPO_C, extra);
}

fn standard_repo_file(dir: &Path, a_extra: &str, b_extra: &str, c_extra: &str) -> String {
    let url = |id: &str| format!("file://{}/{id}/$releasever/$basearch", dir.display());
    format!(
        "{}\n{}\n{}",
        repo_section("repo-a", &url("repo-a"), a_extra),
        repo_section("repo-b", &url("repo-b"), b_extra),
        repo_section("repo-c", &url("repo-c"), &format!("priority=10\n{c_extra}"))
    )
}

fn scenario(main_conf: &str, a: &str, b: &str, c: &str, repo_args: &[&str]) -> DnfAnswer {
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    standard_repos(&repos, repo_args);
    let root = t.path().join("root");
    make_root(
        &root,
        INSTALLED,
        &[
            ("/etc/dnf/dnf.conf", main_conf.to_string()),
            (
                "/etc/yum.repos.d/test.repo",
                standard_repo_file(&repos, a, b, c),
            ),
        ],
    );
    compare(&root, "x86_64", &Overrides::default())
}

#[test]
fn priorities_arches_epochs_installonly_obsoletes() {
    if !tools() {
        return;
    }
    let d = scenario("[main]\nexclude=excluded\n", "", "", "", &[]);
    // Sanity: the scenario must give dnf something to say in both sections.
    assert!(d.updates.lines().count() >= 8, "{}", d.stdout);
    assert!(!d.obsoletes.is_empty(), "{}", d.stdout);
}

#[test]
fn repo_includepkgs_and_excludes() {
    if !tools() {
        return;
    }
    let d = scenario(
        "[main]\n",
        "includepkgs=hello multi* newname kernel*\nexclude=kernel-4*\n",
        "",
        "",
        &[],
    );
    assert!(!d.updates.is_empty(), "{}", d.stdout);
}

#[test]
fn main_excludes_by_name_and_arch() {
    if !tools() {
        return;
    }
    // repo-b also gets a lower cost: cost orders duplicates, it does not filter them.
    let d = scenario(
        "[main]\nexcludepkgs=hello multi.i686 tilde*\n",
        "",
        "cost=500\n",
        "",
        &[],
    );
    assert!(d.updates.contains("dup"), "{}", d.stdout);
}

#[test]
fn main_includepkgs_and_obsoletes_off() {
    if !tools() {
        return;
    }
    scenario(
        "[main]\nincludepkgs=multi* newname oldname prio epochy\nobsoletes=0\n",
        "",
        "",
        "",
        &[],
    );
}

#[test]
fn disabled_repo_and_skipped_broken_repo() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    standard_repos(&repos, &[]);
    let root = t.path().join("root");
    let mut file = standard_repo_file(&repos, "", "enabled=0\n", "");
    file.push_str(&repo_section(
        "broken",
        &format!("file://{}/nowhere", repos.display()),
        "skip_if_unavailable=1\n",
    ));
    make_root(
        &root,
        INSTALLED,
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            ("/etc/yum.repos.d/test.repo", file),
        ],
    );
    compare(&root, "x86_64", &Overrides::default());
}

#[test]
fn broken_repo_fails_the_target() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    standard_repos(&repos, &[]);
    let root = t.path().join("root");
    let mut file = standard_repo_file(&repos, "", "", "");
    file.push_str(&repo_section(
        "broken",
        &format!("file://{}/nowhere", repos.display()),
        "",
    ));
    make_root(
        &root,
        INSTALLED,
        &[
            (
                "/etc/dnf/dnf.conf",
                "[main]\nskip_if_unavailable=0\n".into(),
            ),
            ("/etc/yum.repos.d/test.repo", file),
        ],
    );
    let d = compare(&root, "x86_64", &Overrides::default());
    assert_eq!(d.rc, 1);
}

#[test]
fn obsoletes_by_priority_and_provides_and_nevra_excludes() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    standard_repos(&repos, &[]);
    make_repo(
        &repos.join("low"),
        &["obsx-2.0-1.noarch", "obs2-1.0-1.noarch"],
        &[],
    );
    let root = t.path().join("root");
    let mut file = standard_repo_file(&repos, "", "", "");
    file.push_str(&repo_section(
        "low",
        &format!("file://{}/low", repos.display()),
        "priority=100\n",
    ));
    let mut installed = INSTALLED.to_vec();
    installed.extend([
        "obsx-1.0-1.noarch",
        "gone2-1.0-1.noarch",
        "provgone-1.0-1.noarch",
    ]);
    make_root(
        &root,
        &installed,
        &[
            (
                "/etc/dnf/dnf.conf",
                "[main]\nexclude=hello-1.2-1.x86_64 kernel-4 caretpkg-1.0^git1\n".into(),
            ),
            ("/etc/yum.repos.d/test.repo", file),
        ],
    );
    let d = compare(&root, "x86_64", &Overrides::default());
    assert!(d.obsoletes.contains("provgone"), "{}", d.stdout);
}

#[test]
fn xz_and_bz2_metadata() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    make_repo(
        &repos.join("repo-a/9/x86_64"),
        REPO_A,
        &["--general-compress-type=xz"],
    );
    make_repo(
        &repos.join("repo-b/9/x86_64"),
        REPO_B,
        &["--general-compress-type=bz2"],
    );
    make_repo(&repos.join("repo-c/9/x86_64"), REPO_C, &[]);
    let root = t.path().join("root");
    make_root(
        &root,
        INSTALLED,
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            (
                "/etc/yum.repos.d/test.repo",
                standard_repo_file(&repos, "", "", ""),
            ),
        ],
    );
    let d = compare(&root, "x86_64", &Overrides::default());
    assert!(!d.updates.is_empty());
}

#[test]
fn aarch64_image_and_vars_files() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    // /etc/dnf/vars/releasever overrides the detected 9; a custom var names the mirror root.
    make_repo(
        &repos.join("9.2/aarch64"),
        &[
            "multi-1.1-1.aarch64",
            "multi-1.1-1.x86_64",
            "hello-1.1-1.aarch64",
            "hello-1.1-1.x86_64",
            "toarch-1.1-1.x86_64",
        ],
        &[],
    );
    let root = t.path().join("root");
    make_root(
        &root,
        &[
            "fake-release-9.4-1.noarch",
            "multi-1.0-1.aarch64",
            "hello-1.0-1.aarch64",
            "toarch-1.0-1.noarch",
        ],
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            ("/etc/dnf/vars/releasever", "9.2\n".into()),
            ("/etc/yum/vars/mirrorroot", format!("{}\n", repos.display())),
            (
                "/etc/yum.repos.d/a.repo",
                repo_section("arm", "file://${mirrorroot}/$releasever/$basearch/", ""),
            ),
        ],
    );
    let d = compare(&root, "aarch64", &Overrides::default());
    assert!(!d.updates.is_empty(), "{}", d.stdout);
}

#[test]
fn updateinfo_list_matches_dnf() {
    if !tools() {
        return;
    }
    let (ours, theirs) = updateinfo_scenario(UPDATEINFO, "[main]\n", "");
    // The security advisories that apply become atomic vulnerabilities, with their CVEs.
    let vulns = output::vulnerabilities(&ours);
    let ids: Vec<&str> = theirs
        .lines()
        .filter(|l| l.contains("/Sec."))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    for id in &ids {
        assert!(
            vulns.iter().any(|v| v.title.starts_with(id)),
            "{id} missing"
        );
    }
    assert!(vulns
        .iter()
        .any(|v| v.custom.to_string().contains("CVE-2026-0001")));
    // Each update names the advisories it fixes: hello 1.1 fixes RHSA-2026:0001 (hello >= 1.1),
    // not RHSA-2026:0005 (hello >= 5.0, newer than anything offered).
    let results = output::results(&ours);
    let hello = results
        .iter()
        .find(|r| r["Custom"]["Name"] == "hello")
        .expect("hello is an update");
    let ids: Vec<&str> = hello["Custom"]["Advisories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ID"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["RHSA-2026:0001"]);
    assert_eq!(hello["Custom"]["Advisories"][0]["CVEs"][0], "CVE-2026-0001");
}

const UPDATEINFO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test" status="final" type="security" version="1">
    <id>RHSA-2026:0001</id>
    <title>hello security update</title>
    <issued date="2026-01-02 00:00:00"/>
    <severity>Important</severity>
    <description>Fixes CVE-2026-0001.</description>
    <references>
      <reference href="https://example.invalid/CVE-2026-0001" id="CVE-2026-0001" title="CVE-2026-0001" type="cve"/>
    </references>
    <pkglist><collection short="c"><name>c</name>
      <package name="hello" version="1.1" release="1" epoch="0" arch="x86_64" src="hello-1.1-1.src.rpm"><filename>hello-1.1-1.x86_64.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="bugfix" version="1">
    <id>RHBA-2026:0002</id>
    <title>multi bug fix</title>
    <issued date="2026-01-03 00:00:00"/>
    <pkglist><collection short="c"><name>c</name>
      <package name="multi" version="1.1" release="1" epoch="0" arch="x86_64"><filename>multi-1.1-1.x86_64.rpm</filename></package>
      <package name="multi" version="1.1" release="1" epoch="0" arch="i686"><filename>multi-1.1-1.i686.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="enhancement" version="1">
    <id>RHEA-2026:0003</id>
    <title>relpkg enhancement</title>
    <issued date="2026-01-04 00:00:00"/>
    <pkglist><collection short="c"><name>c</name>
      <package name="relpkg" version="1.0" release="2.el9" epoch="0" arch="noarch"><filename>relpkg-1.0-2.el9.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="security" version="1">
    <id>RHSA-2026:0004</id>
    <title>newer already fixed</title>
    <issued date="2026-01-05 00:00:00"/>
    <severity>Moderate</severity>
    <pkglist><collection short="c"><name>c</name>
      <package name="newer" version="2.0" release="1" epoch="0" arch="noarch"><filename>newer-2.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="security" version="1">
    <id>RHSA-2026:0005</id>
    <title>hello fix not in any repo yet</title>
    <issued date="2026-01-06 00:00:00"/>
    <severity>Critical</severity>
    <references>
      <reference href="https://example.invalid/CVE-2026-0005" id="CVE-2026-0005" type="cve"/>
    </references>
    <pkglist><collection short="c"><name>c</name>
      <package name="hello" version="5.0" release="1" epoch="0" arch="x86_64"><filename>hello-5.0-1.x86_64.rpm</filename></package>
      <package name="epochy" version="1.0" release="1" epoch="1" arch="noarch"><filename>epochy-1.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
"#;

/// Image = INSTALLED + `more`, the standard repos plus a repo directory `edge` with
/// `edge_pkgs`; `main_conf` and the `files` (image path, text) may name the repos directory as
/// `@R@`.
fn edge_scenario(
    more: &[&str],
    edge_pkgs: &[&str],
    main_conf: &str,
    files: &[(&str, String)],
) -> DnfAnswer {
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    standard_repos(&repos, &[]);
    if !edge_pkgs.is_empty() {
        make_repo(&repos.join("edge"), edge_pkgs, &[]);
    }
    let root = t.path().join("root");
    let mut installed = INSTALLED.to_vec();
    installed.extend(more);
    let r = repos.display().to_string();
    let mut all: Vec<(&str, String)> = vec![("/etc/dnf/dnf.conf", main_conf.replace("@R@", &r))];
    for (p, text) in files {
        all.push((p, text.replace("@R@", &r)));
    }
    make_root(&root, &installed, &all);
    compare(&root, "x86_64", &Overrides::default())
}

/// A section for standard repo `dir` (repo-a, repo-b, repo-c: priority 10) under `id`.
fn std_sec(id: &str, dir: &str, extra: &str) -> String {
    let url = format!("file://@R@/{dir}/$releasever/$basearch");
    let extra = if dir == "repo-c" {
        format!("priority=10\n{extra}")
    } else {
        extra.to_string()
    };
    repo_section(id, &url, &extra)
}

#[test]
fn multilib_versions_and_obsoletes_edge_cases() {
    if !tools() {
        return;
    }
    let file = format!(
        "{}\n[edge]\nname=edge\nbaseurl=file://@R@/edge\ngpgcheck=0\n",
        standard_repo_file(Path::new("@R@"), "", "", "")
    );
    let d = edge_scenario(
        &[
            "mlx-1.0-1.x86_64",
            "mlx-1.0-1.i686",
            "mls-1.1-1.x86_64",
            "mls-1.0-1.i686",
            "mln-1.0-1.x86_64",
            "mln-1.0-1.i686",
            "lz-1.01-1.noarch",
            "lz2-1.9-1.noarch",
            "longv-1.99999999999999999999-1.noarch",
            "eonly-1.0-1.noarch",
            "tc-1.0~rc2-1.noarch",
            "obsupd-1.0-1.noarch",
            "ppconly-1.0-1.noarch",
        ],
        &[
            "mlx-1.1-1.x86_64",
            "mls-1.1-1.i686",
            "mls-1.1-1.x86_64",
            "mln-1.1-1.noarch",
            "lz-1.1-1.noarch",
            "lz2-1.010-1.noarch",
            "longv-1.100000000000000000000-1.noarch",
            "eonly-1:1.0-1.noarch",
            "tc-1.0^git1~pre-1.noarch",
            "tc-1.0^git1-1.noarch",
            "obsarch-1.0-1.i686",
            "obsupd-1.5-1.noarch",
            "obsupdnew-2.0-1.noarch",
            "ppconly-1.1-1.ppc64le",
        ],
        "[main]\n",
        &[("/etc/yum.repos.d/test.repo", file)],
    );
    // i686-only update of a two-arch install, x86_64 -> noarch for both, an epoch-only bump,
    // an i686 obsoleter paired with both arches, an update and an obsoleter of one package.
    for want in [
        "mls.i686",
        "mln.noarch",
        "eonly.noarch",
        "obsarch.i686",
        "obsupd.noarch",
    ] {
        assert!(d.stdout.contains(want), "{want}:\n{}", d.stdout);
    }
}

/// dnf skips a whole .repo file libdnf's INI reader refuses (and a section whose id has
/// characters a repo id may not have); each of these would offer hello 1.2 from its own id.
#[test]
fn repo_files_dnf_cannot_parse_are_skipped() {
    if !tools() {
        return;
    }
    let b = |id: &str, extra: &str| std_sec(id, "repo-b", extra);
    let d = edge_scenario(
        &[],
        &[],
        "[main]\n",
        &[
            (
                "/etc/yum.repos.d/test.repo",
                format!(
                    "{}{}{}{}",
                    std_sec("repo-a", "repo-a", ""),
                    std_sec("repo-c", "repo-c", ""),
                    b("b space", "").replace("[b space]", "[ b-space ]"),
                    b("b@at", "")
                ),
            ),
            // an empty line ends a value: the indented line after it is an error
            (
                "/etc/yum.repos.d/blank.repo",
                b("b-blank", "exclude=dup\n\n  multi*\n"),
            ),
            (
                "/etc/yum.repos.d/noeq.repo",
                b("b-noeq", "no equals sign\n"),
            ),
            (
                "/etc/yum.repos.d/before.repo",
                format!("key=value\n{}", b("b-before", "")),
            ),
            (
                "/etc/yum.repos.d/after.repo",
                b("b-after", "").replace("[b-after]", "[b-after] xy"),
            ),
            // libdnf skips the header line's last byte, not its last character
            (
                "/etc/yum.repos.d/after8.repo",
                b("b-after8", "").replace("[b-after8]", "[b-after8]é"),
            ),
            ("/etc/yum.repos.d/nokey.repo", b("b-nokey", "=1\n")),
        ],
    );
    assert!(
        d.updates
            .lines()
            .all(|l| l.ends_with("\trepo-a") || l.ends_with("\trepo-c")),
        "{}",
        d.stdout
    );
}

/// What libdnf's INI reader and option parsers accept: continuation lines (comment-like ones
/// included), a section repeated later in the file (merged), case-sensitive keys (`Enabled`
/// is not `enabled`), quoted values, blanks around `=`, comments after a header, list items
/// split on spaces, commas and line breaks (not tabs), a plain path as base URL, several base
/// URLs, booleans in any case, variables in a repo id, `exclude` with `excludepkgs`.
#[test]
fn repo_file_syntax_dnf_accepts() {
    if !tools() {
        return;
    }
    let a = std_sec(
        "repo-a",
        "repo-a",
        "Enabled=0\nenabled=True\nexclude=hello , archswitch,,toarch.i686\n  # multi*\n    epochy,\nexcludepkgs=kernel\tcaret*\n",
    );
    let b = std_sec("repo-b", "repo-b", "enabled = YES\n").replace(
        "baseurl=file://@R@/repo-b",
        "baseurl=file://@R@/nowhere, file://@R@/repo-b",
    );
    let c = std_sec("repo-c-$basearch", "repo-c", "")
        .replace("[repo-c-$basearch]", "[repo-c-$basearch]   ; the c repo")
        .replace("baseurl=file://", "baseurl   =  \"")
        .replace("$basearch\ngpgcheck", "$basearch\"\ngpgcheck");
    let d = edge_scenario(
        &[],
        &[],
        "[main]\nexclude='tildepkg'\nobsoletes=On\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            format!("{a}{b}{c}[repo-b]\nexclude=dup\n"),
        )],
    );
    assert!(d.stdout.contains("repo-c-x86_64"), "{}", d.stdout);
}

/// dnf reads the repositories defined in its main configuration file first.
#[test]
fn repos_defined_in_dnf_conf() {
    if !tools() {
        return;
    }
    let d = edge_scenario(
        &[],
        &[],
        &format!("[main]\n\n{}", std_sec("repo-c", "repo-c", "")),
        &[(
            "/etc/yum.repos.d/test.repo",
            format!(
                "{}{}{}",
                std_sec("repo-a", "repo-a", ""),
                std_sec("repo-b", "repo-b", ""),
                std_sec("repo-c", "repo-b", "enabled=0\n")
            ),
        )],
    );
    assert!(d.updates.contains("repo-c"), "{}", d.stdout);
}

/// dnf sorts the .repo files by path without the `.repo` suffix (`test` before `test-x`:
/// the first definition of a repo id wins) and its glob skips hidden files.
#[test]
fn repo_file_order_and_hidden_files() {
    if !tools() {
        return;
    }
    let d = edge_scenario(
        &[],
        &[],
        "[main]\n",
        &[
            (
                "/etc/yum.repos.d/test.repo",
                format!(
                    "{}{}",
                    std_sec("repo-a", "repo-a", ""),
                    std_sec("repo-b", "repo-b", "")
                ),
            ),
            (
                "/etc/yum.repos.d/test-x.repo",
                std_sec("repo-b", "repo-b", "enabled=0\n"),
            ),
            (
                "/etc/yum.repos.d/.hidden.repo",
                std_sec("repo-c", "repo-c", ""),
            ),
        ],
    );
    assert!(d.updates.contains("repo-b"), "{}", d.stdout);
}

/// A dnf.conf libdnf cannot parse: dnf refuses to run (rc 1), so the scan fails too.
#[test]
fn unparsable_dnf_conf_fails_like_dnf() {
    if !tools() {
        return;
    }
    let d = edge_scenario(
        &[],
        &[],
        "[main]\nnot an option\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            standard_repo_file(Path::new("@R@"), "", "", ""),
        )],
    );
    assert_eq!(d.rc, 1);
}

/// No enabled repository (every section `enabled=0`, or no .repo file at all): dnf check-update
/// fails ("There are no enabled repositories"), and so does the scan, saying why, rather than
/// answering "no updates" when nothing was compared.
#[test]
fn no_enabled_repository_fails_like_dnf() {
    if !tools() {
        return;
    }
    let all_disabled = (
        "/etc/yum.repos.d/test.repo",
        standard_repo_file(
            Path::new("@R@"),
            "enabled=0\n",
            "enabled=0\n",
            "enabled=0\n",
        ),
    );
    for files in [vec![all_disabled], vec![]] {
        let d = edge_scenario(&[], &[], "[main]\n", &files);
        assert_eq!(d.rc, 1, "dnf:\n{}{}", d.stdout, d.stderr);
        assert!(d.stderr.contains("no enabled repositories"), "{}", d.stderr);
    }
    let t = tempfile::tempdir().unwrap();
    make_root(
        t.path(),
        INSTALLED,
        &[("/etc/dnf/dnf.conf", "[main]\n".into())],
    );
    match scan_path(t.path(), &Overrides::default(), &Cache::default()) {
        Err(ScanError::NoEnabledRepos { defined: 0, .. }) => {}
        other => panic!("expected NoEnabledRepos, got {:?}", other.map(|_| ())),
    }
}

/// Builds `name-version-1.src.rpm` (or `.nosrc.rpm`) into `dir` with rpmbuild -bs.
fn build_srpm(dir: &Path, name: &str, version: &str, nosrc: bool) {
    let work = tempfile::tempdir().unwrap();
    let top = work.path().join("top");
    fs::create_dir_all(top.join("SOURCES")).unwrap();
    fs::write(top.join("SOURCES/src.tar"), "x").unwrap();
    let spec = work.path().join(format!("{name}.spec"));
    fs::write(
        &spec,
        format!(
            "Name: {name}\nVersion: {version}\nRelease: 1\nSummary: s\nLicense: MIT\n\
             BuildArch: noarch\nSource0: src.tar\n{}\n%description\ns\n\n%files\n",
            if nosrc { "NoSource: 0" } else { "" }
        ),
    )
    .unwrap();
    testkit::run(
        testkit::command("rpmbuild")
            .arg("-bs")
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("_srcrpmdir {}", dir.display()))
            .arg(&spec),
    )
    .unwrap();
}

/// `dnf updateinfo list` on advisories of every kind: security without or with an unknown
/// severity, newpackage and other types, one id with two types, src and foreign-arch entries,
/// not installed packages, versions at or below the installed one, epochs; and installed
/// packages hidden by a main-level exclude (hello), which dnf does not count as installed.
#[test]
fn updateinfo_edge_cases_and_main_excludes() {
    if !tools() {
        return;
    }
    let (_, theirs) = updateinfo_scenario(
        UPDATEINFO_EDGE,
        "[main]\nexclude=hello kernel-4\n",
        "exclude=dup\n",
    );
    assert!(theirs.contains("SEC-NOSEV"), "{theirs}");
}

/// The standard image and repo-a with `updateinfo` added (modifyrepo_c), the repo section
/// given `repo_extra`: checks `compare` and that our advisories.tsv equals `dnf updateinfo
/// list` (which must list something); returns our outcome and dnf's list.
fn updateinfo_scenario(
    updateinfo: &str,
    main_conf: &str,
    repo_extra: &str,
) -> (yum_update::Outcome, String) {
    let t = tempfile::tempdir().unwrap();
    let repos = t.path().join("repos");
    let repo_dir = repos.join("repo-a/9/x86_64");
    make_repo(&repo_dir, REPO_A, &[]);
    let ui = t.path().join("updateinfo.xml");
    fs::write(&ui, updateinfo).unwrap();
    testkit::run(
        testkit::command("modifyrepo_c")
            .arg("--mdtype=updateinfo")
            .arg(&ui)
            .arg(repo_dir.join("repodata")),
    )
    .unwrap();
    let root = t.path().join("root");
    make_root(
        &root,
        INSTALLED,
        &[
            ("/etc/dnf/dnf.conf", main_conf.into()),
            (
                "/etc/yum.repos.d/a.repo",
                repo_section(
                    "repo-a",
                    &format!("file://{}/repo-a/$releasever/$basearch", repos.display()),
                    repo_extra,
                ),
            ),
        ],
    );
    compare(&root, "x86_64", &Overrides::default());
    let ours = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap();
    let theirs = dnf_updateinfo_list(&root, "x86_64");
    assert!(!theirs.is_empty());
    assert_eq!(output::advisories_tsv(&ours), theirs);
    (ours, theirs)
}

/// Source packages in a repository. Debian's dnf 4.14 lists them as upgrades of installed
/// noarch packages (`srcish.src`): a dnf bug (RhBug 2151910), fixed upstream in dnf 4.15 (and
/// RHEL 8.9 / 9.3), whose check-update leaves source packages out. We follow the fix, so our
/// answer is dnf 4.14's without its src/nosrc rows.
#[test]
fn source_packages_are_not_updates() {
    if !tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let repo_dir = t.path().join("repos/repo-a");
    fs::create_dir_all(&repo_dir).unwrap();
    build_srpm(&repo_dir, "srcish", "1.1", false);
    build_srpm(&repo_dir, "toarch", "1.2", true);
    make_repo(&repo_dir, REPO_A, &[]);
    let root = t.path().join("root");
    let mut installed = INSTALLED.to_vec();
    installed.push("srcish-1.0-1.noarch");
    make_root(
        &root,
        &installed,
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            (
                "/etc/yum.repos.d/a.repo",
                repo_section("repo-a", &format!("file://{}", repo_dir.display()), ""),
            ),
        ],
    );
    let ours = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap();
    let theirs = dnf_check_update(&root, "x86_64");
    assert_eq!(theirs.rc, 100, "{}", theirs.stderr);
    let binary: String = theirs
        .updates
        .lines()
        .filter(|l| !matches!(l.split('\t').nth(4), Some("src" | "nosrc")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(output::updates_tsv(&ours), binary, "{}", theirs.stdout);
    assert_eq!(output::obsoletes_tsv(&ours), theirs.obsoletes);
}

const UPDATEINFO_EDGE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test" status="final" type="security" version="1">
    <id>SEC-NOSEV</id>
    <title>no severity</title>
    <pkglist><collection short="c"><name>c</name>
      <package name="hello" version="1.1" release="1" epoch="0" arch="x86_64"><filename>hello-1.1-1.x86_64.rpm</filename></package>
      <package name="hello" version="1.1" release="1" epoch="0" arch="src"><filename>hello-1.1-1.src.rpm</filename></package>
      <package name="notinstalled" version="1.0" release="1" epoch="0" arch="noarch"><filename>notinstalled-1.0-1.noarch.rpm</filename></package>
      <package name="multi" version="1.1" release="1" arch="i686"><filename>multi-1.1-1.i686.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="security" version="1">
    <id>SEC-LOWER</id>
    <severity>important</severity>
    <pkglist><collection short="c"><name>c</name>
      <package name="dup" version="1.1" release="1" epoch="0" arch="noarch"><filename>dup-1.1-1.noarch.rpm</filename></package>
      <package name="hello" version="1.1" release="1" epoch="0" arch="noarch"><filename>hello-1.1-1.noarch.rpm</filename></package>
      <package name="kernel" version="2" release="1" epoch="0" arch="x86_64"><filename>kernel-2-1.x86_64.rpm</filename></package>
      <package name="kernel" version="4" release="1" epoch="0" arch="x86_64"><filename>kernel-4-1.x86_64.rpm</filename></package>
      <package name="prio" version="1.0" release="1" epoch="0" arch="noarch"><filename>prio-1.0-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="newpackage" version="1">
    <id>NEW-1</id>
    <pkglist><collection short="c"><name>c</name>
      <package name="relpkg" version="1.0" release="2.el9" epoch="0" arch="noarch"><filename>r.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="recommended" version="1">
    <id>OTHER-1</id>
    <pkglist><collection short="c"><name>c</name>
      <package name="tildepkg" version="1.0" release="1" epoch="0" arch="noarch"><filename>t.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="bugfix" version="1">
    <id>OTHER-1</id>
    <pkglist><collection short="c"><name>c</name>
      <package name="caretpkg" version="1.0^git1" release="1" epoch="0" arch="noarch"><filename>c.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test" status="final" type="enhancement" version="1">
    <id>EPOCH-1</id>
    <pkglist><collection short="c"><name>c</name>
      <package name="epochy" version="0.5" release="1" epoch="1" arch="noarch"><filename>e.rpm</filename></package>
      <package name="gone" version="0.5" release="1" arch="noarch"><filename>g.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
"#;

/// `disable_excludes` naming a repo: that repo's excludes are off, the others' and main's stay.
#[test]
fn disable_excludes_of_a_repo() {
    if !tools() {
        return;
    }
    edge_scenario(
        &[],
        &[],
        "[main]\ndisable_excludes=repo-a\nexclude=multi*\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            format!(
                "{}{}{}",
                std_sec("repo-a", "repo-a", "exclude=hello\n"),
                std_sec("repo-b", "repo-b", "exclude=hello\n"),
                std_sec("repo-c", "repo-c", "exclude=prio\n")
            ),
        )],
    );
}

/// `disable_excludes=main`: main excludes are off, repo excludes stay.
#[test]
fn disable_excludes_main() {
    if !tools() {
        return;
    }
    edge_scenario(
        &[],
        &[],
        "[main]\ndisable_excludes=main\nexclude=multi*\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            format!(
                "{}{}{}",
                std_sec("repo-a", "repo-a", "exclude=hello\n"),
                std_sec("repo-b", "repo-b", ""),
                std_sec("repo-c", "repo-c", "")
            ),
        )],
    );
}

/// An obsoleter that is installed beside the package it obsoletes.
#[test]
fn installed_obsoleter_and_obsoleted() {
    if !tools() {
        return;
    }
    edge_scenario(
        &["newname-2.0-1.noarch", "replacer-1.0-1.noarch"],
        &[],
        "[main]\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            standard_repo_file(Path::new("@R@"), "", "", ""),
        )],
    );
}

/// dnf substitutes variables in every option value: `enabled=$var`, `priority=$var`.
#[test]
fn variables_in_boolean_and_number_options() {
    if !tools() {
        return;
    }
    edge_scenario(
        &[],
        &[],
        "[main]\n",
        &[
            (
                "/etc/yum.repos.d/test.repo",
                format!(
                    "{}{}{}",
                    std_sec("repo-a", "repo-a", "enabled=$on\n"),
                    std_sec("repo-b", "repo-b", "enabled=${off}\n"),
                    std_sec("repo-c", "repo-c", "").replace("priority=10", "priority=$prio")
                ),
            ),
            ("/etc/dnf/vars/on", "1\n".into()),
            ("/etc/dnf/vars/off", "0\n".into()),
            ("/etc/dnf/vars/prio", "200\n".into()),
        ],
    );
}

/// Main-level excludes/includes that hide installed packages (not their updates): libdnf's
/// upgrade test still sees every installed package, so hello 1.0 hidden does not make
/// hello 1.2 a new install; obsoleters are only paired with visible installed packages
/// (oldname hidden: no newname pair). Globs over the NEVRA with an explicit epoch 0.
#[test]
fn main_excludes_of_installed_packages() {
    if !tools() {
        return;
    }
    let repo_file = standard_repo_file(Path::new("@R@"), "", "", "");
    let d = edge_scenario(
        &[],
        &[],
        "[main]\nexclude=hello-1.0-1.x86_64 *-0:1.0-1.noarch [m]*-1.0*\n",
        &[("/etc/yum.repos.d/test.repo", repo_file.clone())],
    );
    assert!(d.updates.contains("hello\t"), "{}", d.stdout);
    let d = edge_scenario(
        &[],
        &[],
        "[main]\nincludepkgs=hello-1.2* multi-1.1* newname kernel*\n",
        &[("/etc/yum.repos.d/test.repo", repo_file)],
    );
    assert!(d.updates.contains("hello\t"), "{}", d.stdout);
}

/// Globs in every spec form: `*.i686`, `h?llo`, name ranges, NEVR/NEV/NEVRA globs, `^` and
/// `~` in versions, epochs, the fall-back glob over the whole NEVRA.
#[test]
fn exclude_and_include_globs() {
    if !tools() {
        return;
    }
    let std_file = || standard_repo_file(Path::new("@R@"), "", "", "");
    for main in [
        "exclude=*.i686 h?llo *-1.1-1.noarch epochy-1:* *el9*",
        "exclude=[kp]*-[24]* dup-1.1 toarch.* *:1.0-1* caretpkg-1.0^* tilde*-1.0",
        "exclude=*1.1* prio-1.1-1 newname-2.0 multi-1.1-1.* relpkg-0:1.0-2.el9.noarch",
    ] {
        edge_scenario(
            &[],
            &[],
            &format!("[main]\n{main}\n"),
            &[("/etc/yum.repos.d/test.repo", std_file())],
        );
    }
    edge_scenario(
        &[],
        &[],
        "[main]\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            standard_repo_file(
                Path::new("@R@"),
                "includepkgs=*-1.1-* [a-e]*.noarch kernel-4-1.x86_64 *~*\n",
                "includepkgs=hello-1.2\n",
                "",
            ),
        )],
    );
}

/// installonlypkgs / installonly_limit change nothing in check-update: every installed
/// version counts (prio 1.0 and 1.2 installed: repo-c's 1.1 is no update).
#[test]
fn installonly_settings_and_several_installed_versions() {
    if !tools() {
        return;
    }
    edge_scenario(
        &["prio-1.2-1.noarch", "dup-1.1-1.noarch"],
        &[],
        "[main]\ninstallonlypkgs=prio dup\ninstallonly_limit=2\n",
        &[(
            "/etc/yum.repos.d/test.repo",
            standard_repo_file(Path::new("@R@"), "", "", ""),
        )],
    );
}
