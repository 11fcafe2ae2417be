//! Differential tests of modular filtering: a repo whose modules.yaml makes modpkg-2.0 the
//! artifact of stream modpkg:2, with non-modular modpkg 1.5 and 3.0 beside it and a package
//! providing `modpkg`; the image's modules.d state and the repo's defaults decide which stream
//! is active. Our updates.tsv must equal `dnf check-update` in every case.

mod common;

use std::fs;
use std::path::Path;

use common::*;
use yum_update::{output, scan_path, Cache, Overrides};

const MODULEMD: &str = "---
document: modulemd
version: 2
data:
  name: modpkg
  stream: \"2\"
  version: 20260101
  context: c0ffee42
  arch: noarch
  summary: test module
  description: test module
  license:
    module: [MIT]
  dependencies:
  - requires:
      platform: [el9]
  artifacts:
    rpms:
    - modpkg-0:2.0-1.noarch
...
";

const DEFAULTS: &str = "---
document: modulemd-defaults
version: 1
data:
  module: modpkg
  stream: \"2\"
...
";

fn run(with_defaults: bool, state: Option<&str>, hotfix_repo: bool) {
    for t in ["rpm", "rpmbuild", "createrepo_c", "modifyrepo_c", "dnf"] {
        if !testkit::require_tool(t) {
            return;
        }
    }
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("modular");
    make_repo(
        &repo,
        &[
            "modpkg-1.5-1.noarch",
            "modpkg-2.0-1.noarch",
            "modpkg-3.0-1.noarch",
            "modprov-1.1-1.noarch",
        ],
        &[],
    );
    let yaml = t.path().join("modules.yaml");
    let mut text = MODULEMD.to_string();
    if with_defaults {
        text.push_str(DEFAULTS);
    }
    fs::write(&yaml, text).unwrap();
    testkit::run(
        testkit::command("modifyrepo_c")
            .arg("--mdtype=modules")
            .arg(&yaml)
            .arg(repo.join("repodata")),
    )
    .unwrap();
    let mut repo_file = repo_section("modular", &format!("file://{}", repo.display()), "");
    if hotfix_repo {
        let hot = t.path().join("hotfix");
        make_repo(&hot, &["modpkg-3.0-1.noarch"], &[]);
        repo_file.push_str(&repo_section(
            "hotfix",
            &format!("file://{}", hot.display()),
            "module_hotfixes=1\n",
        ));
    }
    let root = t.path().join("root");
    let mut files = vec![
        ("/etc/dnf/dnf.conf", "[main]\n".to_string()),
        ("/etc/yum.repos.d/m.repo", repo_file),
        (
            "/etc/os-release",
            "NAME=Test\nID=test\nPLATFORM_ID=\"platform:el9\"\n".to_string(),
        ),
    ];
    if let Some(st) = state {
        files.push((
            "/etc/dnf/modules.d/modpkg.module",
            format!("[modpkg]\nname=modpkg\nstream=2\nprofiles=\nstate={st}\n"),
        ));
    }
    make_root(
        &root,
        &[
            "fake-release-9.4-1.noarch",
            "modpkg-1.0-1.noarch",
            "modprov-1.0-1.noarch",
        ],
        &files,
    );
    check(&root);
}

fn check(root: &Path) {
    let ours = scan_path(root, &Overrides::default(), &Cache::default()).unwrap();
    let theirs = dnf_check_update(root, "x86_64");
    assert!(theirs.rc == 0 || theirs.rc == 100, "{}", theirs.stderr);
    assert!(!theirs.updates.is_empty(), "{}", theirs.stdout);
    eprintln!("dnf answered:\n{}", theirs.updates);
    assert_eq!(
        output::updates_tsv(&ours),
        theirs.updates,
        "{}",
        theirs.stdout
    );
    assert_eq!(output::obsoletes_tsv(&ours), theirs.obsoletes);
}

#[test]
fn inactive_stream_hides_its_artifacts() {
    run(false, None, false);
}

#[test]
fn enabled_stream_masks_non_modular_namesakes() {
    run(false, Some("enabled"), false);
}

#[test]
fn default_stream_is_active() {
    run(true, None, false);
}

#[test]
fn hotfix_repo_is_not_masked() {
    run(false, Some("enabled"), true);
}

#[test]
fn disabled_module_ignores_its_default() {
    run(true, Some("disabled"), false);
}
