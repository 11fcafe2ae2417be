//! End-to-end: the binary over a /scanin-style directory holding a read-only bind mount of one
//! image and a second image whose repository is broken. The first target's files must carry
//! dnf's answer; the second must be `"Successful": "false"` with the reason, without stopping
//! the first; atomic's exit status stays 0.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))).unwrap()
}

/// Bind-mounts `src` read-only at `dst`; unmounted on drop.
struct RoMount(std::path::PathBuf);

impl RoMount {
    fn new(src: &Path, dst: &Path) -> Option<RoMount> {
        fs::create_dir_all(dst).unwrap();
        let ok = Command::new("mount")
            .arg("--bind")
            .arg(src)
            .arg(dst)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return None;
        }
        let m = RoMount(dst.to_path_buf());
        let ro = Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(dst)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ro.then_some(m)
    }
}

impl Drop for RoMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn scanin_scanout_with_a_read_only_image_and_a_failing_one() {
    for t in ["rpm", "rpmbuild", "createrepo_c", "dnf"] {
        if !testkit::require_tool(t) {
            return;
        }
    }
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    make_repo(
        &repo,
        &[
            "hello-1.1-1.x86_64",
            "multi-1.1-1.x86_64",
            "multi-1.1-1.i686",
            "newname-2.0-1.noarch",
        ],
        &[],
    );
    let installed = [
        "fake-release-9.4-1.noarch",
        "hello-1.0-1.x86_64",
        "multi-1.0-1.x86_64",
        "multi-1.0-1.i686",
        "oldname-1.0-1.noarch",
    ];
    let good = t.path().join("good");
    make_root(
        &good,
        &installed,
        &[
            ("/etc/dnf/dnf.conf", "[main]\n".into()),
            (
                "/etc/yum.repos.d/r.repo",
                repo_section("local", &format!("file://{}", repo.display()), ""),
            ),
            (
                "/etc/os-release",
                "NAME=Test\nPRETTY_NAME=\"Test Linux 9\"\n".into(),
            ),
        ],
    );
    let bad = t.path().join("bad");
    make_root(
        &bad,
        &installed,
        &[(
            "/etc/yum.repos.d/r.repo",
            repo_section("gone", &format!("file://{}/missing", repo.display()), ""),
        )],
    );
    let scanin = t.path().join("scanin");
    fs::create_dir_all(&scanin).unwrap();
    let mount = RoMount::new(&good, &scanin.join("img1"));
    if mount.is_none() {
        assert!(!testkit::ci(), "read-only bind mount failed under CI");
        eprintln!("cannot bind-mount read-only here; scanning a plain copy");
        copy_tree(&good, &scanin.join("img1"));
    }
    copy_tree(&bad, &scanin.join("img2"));
    let scanout = t.path().join("scanout");
    fs::create_dir_all(&scanout).unwrap();
    let before = testkit::tree_fingerprint(&good);
    let st = Command::new(env!("CARGO_BIN_EXE_scanner-yum-update"))
        .arg("--scanin")
        .arg(&scanin)
        .arg("--scanout")
        .arg(&scanout)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert_eq!(before, testkit::tree_fingerprint(&good));
    drop(mount);

    let theirs = dnf_check_update(&good, "x86_64");
    assert_eq!(theirs.rc, 100, "{}", theirs.stderr);
    let out1 = scanout.join("img1");
    assert_eq!(
        fs::read_to_string(out1.join("updates.tsv")).unwrap(),
        theirs.updates
    );
    assert_eq!(
        fs::read_to_string(out1.join("obsoletes.tsv")).unwrap(),
        theirs.obsoletes
    );
    let j = read_json(&out1.join("json"));
    assert_eq!(j["Successful"], "true");
    assert_eq!(j["UUID"], "/scanin/img1");
    assert_eq!(j["Scanner"], "yum-update");
    assert_eq!(
        j["Results"].as_array().unwrap().len(),
        theirs.updates.lines().count()
    );
    let legacy = read_json(&out1.join("pipeline_scanner_results.json"));
    assert_eq!(legacy["Successful"], true);
    assert_eq!(legacy["UUID"], "mg1");
    assert_eq!(legacy["Scan Results"]["OS Release"], "Test Linux 9");
    let names: Vec<String> = theirs
        .updates
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            format!("{}.{}", c[0], c[4])
        })
        .collect();
    assert_eq!(
        legacy["Scan Results"]["Package Updates"],
        serde_json::json!(names)
    );

    let j2 = read_json(&scanout.join("img2/json"));
    assert_eq!(j2["Successful"], "false");
    let reason = j2["Custom"]["Error"].as_str().unwrap();
    assert!(reason.contains("gone"), "{reason}");
    assert!(!scanout.join("img2/updates.tsv").exists());
    assert_eq!(
        read_json(&scanout.join("img2/pipeline_scanner_results.json"))["Successful"],
        false
    );
    assert_eq!(dnf_check_update(&bad, "x86_64").rc, 1);
}
