//! Repository paths on the scanning host are opened only as regular files: a FIFO planted as
//! repomd.xml or as the primary file fails the repository promptly instead of hanging the scan,
//! and a primary whose bytes do not match repomd's checksum is refused.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use yum_update::{scan_path, Cache, Overrides};

fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

fn image(t: &Path, repo: &Path) -> PathBuf {
    let root = t.join("root");
    make_root(
        &root,
        &["fake-release-9.4-1.noarch", "hello-1.0-1.x86_64"],
        &[(
            "/etc/yum.repos.d/r.repo",
            repo_section("r", &format!("file://{}", repo.display()), ""),
        )],
    );
    root
}

/// The scenario every test here starts from: a local repository offering hello 1.1 and an
/// image with hello 1.0 that points at it. None when a tool it needs (or `extra_tool`) is
/// missing (outside CI).
fn scenario(extra_tool: Option<&str>) -> Option<(tempfile::TempDir, PathBuf, PathBuf)> {
    for t in ["rpm", "rpmbuild", "createrepo_c"]
        .into_iter()
        .chain(extra_tool)
    {
        if !testkit::require_tool(t) {
            return None;
        }
    }
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    make_repo(&repo, &["hello-1.1-1.x86_64"], &[]);
    let root = image(t.path(), &repo);
    Some((t, repo, root))
}

#[test]
fn fifo_and_tampered_metadata_are_refused() {
    let Some((_t, repo, root)) = scenario(Some("mkfifo")) else {
        return;
    };
    // Sanity: the intact repo answers.
    let ok = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap();
    assert_eq!(ok.updates.len(), 1);

    // Tampered primary: checksum mismatch.
    let primary = fs::read_dir(repo.join("repodata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("primary.xml"))
        .unwrap();
    let good = fs::read(&primary).unwrap();
    let mut bad = good.clone();
    let n = bad.len();
    bad[n / 2] ^= 0xff;
    fs::write(&primary, &bad).unwrap();
    let e = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap_err();
    assert!(
        e.to_string().contains("checksum")
            || e.to_string().contains("corrupt")
            || e.to_string().contains("invalid"),
        "{e}"
    );

    // FIFO as primary, then as repomd.xml: fails, and fast.
    fs::remove_file(&primary).unwrap();
    mkfifo(&primary);
    let start = Instant::now();
    let e = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let md = repo.join("repodata/repomd.xml");
    fs::remove_file(&md).unwrap();
    mkfifo(&md);
    let e = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(30));
}

/// A compression bomb with a valid checksum: the decompressed-size bound fails the repository
/// with a message naming the limit (the bound is lowered through its environment variable; the
/// other test of this binary reads metadata far below it).
#[test]
fn compression_bomb_hits_the_size_limit() {
    use sha2::Digest;
    use std::io::Write;
    let Some((_t, repo, root)) = scenario(None) else {
        return;
    };
    let primary = fs::read_dir(repo.join("repodata"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("primary.xml.gz"))
        .unwrap();
    let old = hex::encode(sha2::Sha256::digest(fs::read(&primary).unwrap()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"<metadata xmlns=\"http://linux.duke.edu/metadata/common\">")
        .unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..8 {
        gz.write_all(&spaces).unwrap();
    }
    gz.write_all(b"</metadata>").unwrap();
    let bomb = gz.finish().unwrap();
    let new = hex::encode(sha2::Sha256::digest(&bomb));
    fs::remove_file(&primary).unwrap();
    let renamed = primary.to_string_lossy().replace(&old, &new);
    fs::write(&renamed, &bomb).unwrap();
    let md = repo.join("repodata/repomd.xml");
    let text = fs::read_to_string(&md).unwrap().replace(&old, &new);
    fs::write(&md, text).unwrap();
    // SAFETY (edition 2021: safe fn): only this binary's tests read the variable.
    std::env::set_var("YUM_UPDATE_MAX_METADATA", (1u64 << 20).to_string());
    let e = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap_err();
    assert!(e.to_string().contains("YUM_UPDATE_MAX_METADATA"), "{e}");
}

/// repomd.xml of a local repository naming a file outside it: an href with a scheme
/// (`file:///etc/passwd`, `file://<elsewhere>`) or with percent-escaped `..` components
/// (`%2e%2e/`, decoded only when the path is opened). The copy placed outside the repository
/// is a valid primary with the listed checksum, so only the location check can refuse it.
#[test]
fn metadata_locations_outside_a_local_repository_are_refused() {
    let Some((t, repo, root)) = scenario(None) else {
        return;
    };
    let md = repo.join("repodata/repomd.xml");
    let original = fs::read_to_string(&md).unwrap();
    let href_start = original.find("-primary.xml").unwrap();
    let start = original[..href_start].rfind("href=\"").unwrap() + "href=\"".len();
    let end = start + original[start..].find('"').unwrap();
    let href = &original[start..end];
    fs::copy(repo.join(href), t.path().join("x")).unwrap();
    let outside = format!("file://{}", t.path().join("x").display());
    for bad in [
        "file:///etc/passwd",
        outside.as_str(),
        "%2e%2e/x",
        "%2e%2e/%2e%2e/x",
        "repodata/%2E%2E/%2e%2e/x",
    ] {
        fs::write(
            &md,
            format!("{}{bad}{}", &original[..start], &original[end..]),
        )
        .unwrap();
        let e = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap_err();
        assert!(
            e.to_string().contains("outside the repository"),
            "{bad}: {e}"
        );
    }
    // The untouched repomd.xml still answers.
    fs::write(&md, &original).unwrap();
    let ok = scan_path(&root, &Overrides::default(), &Cache::default()).unwrap();
    assert_eq!(ok.updates.len(), 1);
}
