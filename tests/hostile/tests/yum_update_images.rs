//! scanner-yum-update end to end on hostile images and repositories: config files that are links
//! to the host, fifos, loops, huge or non-UTF-8; repository metadata that is a compression bomb,
//! billion laughs or an external entity. Each hostile target shares the `/scanin` with a good
//! one, whose answer must be the same as when it is scanned alone.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use testkit::{rpm_install, RpmSpec, SpecFile};

struct Rpms {
    release: PathBuf,
    old: PathBuf,
    new: PathBuf,
}

fn rpms(work: &Path) -> Rpms {
    let out = work.join("rpms");
    fs::create_dir_all(&out).unwrap();
    let release = RpmSpec::new("hx-release", "9.4", "1")
        .arch("noarch")
        .preamble("Provides: system-release(releasever) = 9")
        .file(SpecFile::file("/etc/hx-release", "HX 9\n"))
        .build(&out)
        .unwrap();
    let pkg = |v: &str| {
        RpmSpec::new("hx-pkg", v, "1")
            .arch("noarch")
            .file(SpecFile::file("/usr/share/hx/data", format!("{v}\n")))
            .build(&out)
            .unwrap()
    };
    Rpms {
        release,
        old: pkg("1.0"),
        new: pkg("2.0"),
    }
}

fn repo_file(id: &str, dir: &Path) -> String {
    format!(
        "[{id}]\nname={id}\nbaseurl=file://{}\nenabled=1\ngpgcheck=0\n",
        dir.display()
    )
}

fn image(root: &Path, r: &Rpms, repo: &str) {
    rpm_install(root, &[r.release.clone(), r.old.clone()], &[]).unwrap();
    write(&root.join("etc/dnf/dnf.conf"), "[main]\n");
    write(&root.join("etc/yum.repos.d/main.repo"), repo);
}

fn sha256(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// A repository with the given repomd.xml text (`{PRIMARY_SHA}` replaced by the primary file's
/// checksum) and primary file bytes at `repodata/<primary_name>`.
fn raw_repo(dir: &Path, primary_name: &str, primary: &[u8], repomd: &str) {
    let p = dir.join("repodata").join(primary_name);
    write(&p, primary);
    let md = repomd
        .replace("{PRIMARY_SHA}", &sha256(&p))
        .replace("{PRIMARY}", primary_name);
    write(&dir.join("repodata/repomd.xml"), md);
}

const REPOMD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <revision>1</revision>
  <data type="primary">
    <checksum type="sha256">{PRIMARY_SHA}</checksum>
    <location href="repodata/{PRIMARY}"/>
  </data>
</repomd>
"#;

/// A gzip file of `members` concatenated copies of one member holding 64 MiB of spaces, between
/// a primary.xml head and tail: a few MB that expand to `members` × 64 MiB.
fn gzip_bomb(work: &Path, members: usize) -> Vec<u8> {
    let gz = |data: &[u8]| {
        let src = work.join("gz-src");
        fs::write(&src, data).unwrap();
        testkit::run(Command::new("gzip").args(["-c", "-9"]).arg(&src))
            .unwrap()
            .stdout
    };
    let head = gz(br#"<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" packages="1"><package type="rpm"><name>hx-pkg</name><arch>noarch</arch><version epoch="0" ver="9" rel="1"/><summary>"#);
    let spaces = gz(&vec![b' '; 64 << 20]);
    let tail = gz(b"</summary></package></metadata>\n");
    let mut v = head;
    for _ in 0..members {
        v.extend_from_slice(&spaces);
    }
    v.extend(tail);
    v
}

/// `dnf repolist --all` on a copy of `root` with its own reposdir (dnf writes into an
/// installroot, and must not read the host's config).
fn dnf_repolist(root: &Path) -> String {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("root");
    copy_tree(root, &copy);
    let conf = scratch.path().join("dnf.conf");
    write(&conf, "[main]\n");
    let out = testkit::command("dnf")
        .arg(format!("--installroot={}", copy.display()))
        .arg(format!(
            "--setopt=reposdir={}",
            copy.join("etc/yum.repos.d").display()
        ))
        .arg(format!(
            "--setopt=cachedir={}",
            scratch.path().join("cache").display()
        ))
        .arg(format!("--config={}", conf.display()))
        .args(["--releasever=9", "-C", "repolist", "--all"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hostile_configs_and_metadata_in_one_scanin() {
    if !require_root() {
        return;
    }
    for t in ["rpm", "rpmbuild", "createrepo_c"] {
        if !testkit::require_tool(t) {
            return;
        }
    }
    let work = tempfile::tempdir().unwrap();
    let r = rpms(work.path());
    let mut sb = Sandbox::new();
    let repos = sb.tmp.path().join("repos");
    // The good repository, made by createrepo_c.
    let good_repo = repos.join("good");
    fs::create_dir_all(&good_repo).unwrap();
    fs::copy(&r.new, good_repo.join("hx-pkg-2.0-1.noarch.rpm")).unwrap();
    testkit::createrepo(&good_repo, &[]).unwrap();
    // The host's own repo file, which an image links to.
    write(
        &sb.outside_path("host.repo"),
        repo_file("hostrepo", &good_repo),
    );

    let new_target = |id: &str, repo: &str| {
        let t = sb.scanin.join(id);
        image(&t, &r, repo);
        t
    };
    let good_repo_text = repo_file("good", &good_repo);
    new_target("good", &good_repo_text);

    // Repo config that is a link to the host, a fifo, a loop, non-UTF-8, a 4 GiB sparse var.
    let t = new_target("repo-host-link", "");
    remove(&t.join("etc/yum.repos.d/main.repo"));
    symlink(
        sb.outside_path("host.repo"),
        t.join("etc/yum.repos.d/main.repo"),
    )
    .unwrap();
    let t = new_target("repo-fifo", &good_repo_text);
    mkfifo(&t.join("etc/yum.repos.d/fifo.repo"));
    remove(&t.join("etc/dnf/dnf.conf"));
    mkfifo(&t.join("etc/dnf/dnf.conf"));
    let t = new_target("config-loop", &good_repo_text);
    remove(&t.join("etc/dnf/dnf.conf"));
    symlink("dnf.conf", t.join("etc/dnf/dnf.conf")).unwrap();
    symlink("loop.repo", t.join("etc/yum.repos.d/loop.repo")).unwrap();
    let t = new_target("non-utf8", "");
    write(
        &t.join("etc/yum.repos.d")
            .join(OsStr::from_bytes(b"\xff\xfe.repo")),
        &good_repo_text,
    );
    write(
        &t.join("etc/dnf/vars").join(OsStr::from_bytes(b"v\xc3\x28")),
        "x\n",
    );
    let t = new_target("var-sparse-4g", &good_repo_text);
    fs::create_dir_all(t.join("etc/dnf/vars")).unwrap();
    fs::File::create(t.join("etc/dnf/vars/big"))
        .unwrap()
        .set_len(4 << 30)
        .unwrap();

    // Billion laughs and an external entity in repomd.xml.
    let laughs = repos.join("laughs");
    let mut dtd = String::from("<!DOCTYPE repomd [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>\n");
    raw_repo(
        &laughs,
        "primary.xml",
        b"<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"0\"/>",
        &REPOMD
            .replacen("\n", &format!("\n{dtd}"), 1)
            .replace("<revision>1</revision>", "<revision>&lol9;</revision>"),
    );
    new_target("billion-laughs", &repo_file("laughs", &laughs));
    let xxe = repos.join("xxe");
    raw_repo(
        &xxe,
        "primary.xml",
        b"<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"0\"/>",
        &REPOMD
            .replacen(
                "\n",
                &format!(
                    "\n<!DOCTYPE repomd [<!ENTITY xxe SYSTEM \"file://{}\">]>\n",
                    sb.outside_path("sentinel").display()
                ),
                1,
            )
            .replace("<revision>1</revision>", "<revision>&xxe;</revision>"),
    );
    new_target("external-entity", &repo_file("xxe", &xxe));

    sb.seal_outside();
    let before = sb.fingerprint_inputs();
    let bin = scanner_bin("scanner-yum-update");
    let run = run_bounded(&sb, &bin, &[], ADDRESS_SPACE, None);
    run.assert_completed();
    eprintln!(
        "scanner-yum-update took {:?}; stderr:\n{}",
        run.elapsed, run.stderr
    );
    sb.assert_outside_untouched();
    assert_eq!(
        sb.fingerprint_inputs(),
        before,
        "the scan modified its inputs"
    );
    assert_eq!(
        run.status.code(),
        Some(0),
        "atomic contract: 0 when targets were scanned"
    );

    // The good target: same answer as scanned alone.
    let alone = Sandbox::new();
    copy_tree(&sb.scanin.join("good"), &alone.scanin.join("good"));
    let run_alone = run_bounded(&alone, &bin, &[], ADDRESS_SPACE, None);
    run_alone.assert_completed();
    assert!(successful(&sb.json("good")));
    for f in ["updates.tsv", "obsoletes.tsv", "advisories.tsv"] {
        assert_eq!(sb.out_file("good", f), alone.out_file("good", f), "{f}");
    }
    assert!(sb.out_file("good", "updates.tsv").contains("hx-pkg"));

    // Host repo file never read (atime checked above), its repo never used.
    let j = sb.json("repo-host-link");
    assert!(!j.to_string().contains("hostrepo"), "{j:#}");
    assert!(sb.out_file("repo-host-link", "updates.tsv").is_empty());
    // Fifo config / loop: completes; the reason is named if it fails.
    for id in ["repo-fifo", "config-loop", "var-sparse-4g"] {
        let j = sb.json(id);
        if !successful(&j) {
            assert_failed_with(
                &j,
                &["regular", "fifo", "loop", "symbolic", "too large", "limit"],
            );
        }
    }
    // Non-UTF-8 names: dnf skips such a .repo file ("failed loading ..., skipping"), so no
    // repository is left; dnf check-update then fails, and the scan fails saying so.
    assert_failed_with(&sb.json("non-utf8"), &["no enabled repository"]);
    if testkit::require_tool("dnf") {
        let control = dnf_repolist(&sb.scanin.join("good"));
        assert!(control.contains("good"), "dnf repolist control:\n{control}");
        let repos = dnf_repolist(&sb.scanin.join("non-utf8"));
        assert!(
            !repos.contains("good"),
            "dnf used the non-UTF-8 repo file:\n{repos}"
        );
    }
    // XML with a DTD: refused clearly, the entity never expanded or fetched.
    assert_failed_with(
        &sb.json("billion-laughs"),
        &["entity", "dtd", "doctype", "escape"],
    );
    let j = sb.json("external-entity");
    assert!(!j.to_string().contains("SENTINEL"));
    assert_failed_with(&j, &["entity", "dtd", "doctype", "escape"]);
}

/// A primary.xml.gz of 4 MB expanding to 6 GiB: the target must be refused by a documented
/// limit (Successful "false" naming it), within the memory bound, and the other target in the
/// same /scanin still scanned. (Before scanner-yum-update's `YUM_UPDATE_MAX_METADATA` bound
/// this aborted the whole process: "memory allocation of 2147483648 bytes failed".)
#[test]
fn compression_bomb_in_primary() {
    for t in ["rpm", "rpmbuild", "createrepo_c", "gzip"] {
        if !testkit::require_tool(t) {
            return;
        }
    }
    let work = tempfile::tempdir().unwrap();
    let r = rpms(work.path());
    let mut sb = Sandbox::new();
    let bomb = sb.tmp.path().join("repos/bomb");
    raw_repo(&bomb, "primary.xml.gz", &gzip_bomb(work.path(), 96), REPOMD);
    image(&sb.scanin.join("bomb"), &r, &repo_file("bomb", &bomb));
    let good_repo = sb.tmp.path().join("repos/good");
    fs::create_dir_all(&good_repo).unwrap();
    fs::copy(&r.new, good_repo.join("hx-pkg-2.0-1.noarch.rpm")).unwrap();
    testkit::createrepo(&good_repo, &[]).unwrap();
    image(&sb.scanin.join("good"), &r, &repo_file("good", &good_repo));
    sb.seal_outside();
    let run = run_bounded(
        &sb,
        &scanner_bin("scanner-yum-update"),
        &[],
        ADDRESS_SPACE,
        None,
    );
    run.assert_completed();
    assert_failed_with(&sb.json("bomb"), &["limit", "too large", "larger than"]);
    assert!(successful(&sb.json("good")));
    assert!(sb.out_file("good", "updates.tsv").contains("hx-pkg"));
}
