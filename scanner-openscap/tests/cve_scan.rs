//! End-to-end CVE scans with the binary in atomic mode (/scanin, /scanout): feed chosen from a
//! content directory by the image's os-release (bzip2-compressed), per-definition results equal
//! to `oscap oval eval` on the same root, the `json` vulnerabilities equal to what
//! openscap-daemon's summariser wrote for oscap's run of this feed on this package set, and
//! images of another OS refused with a reason.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use scanner_openscap::result::OvalResult;

fn run_scanner(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_scanner-openscap"))
        .args(args)
        .output()
        .expect("run scanner-openscap")
}

fn read_tsv(p: &Path) -> Vec<(String, OvalResult)> {
    fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| {
            let (id, r) = l.split_once('\t').unwrap();
            (id.to_string(), OvalResult::parse(r).unwrap())
        })
        .collect()
}

/// A one-request HTTP server on 127.0.0.1 answering `path` with `body` (404 otherwise).
fn serve_once(body: Vec<u8>, path: &'static str) -> (u16, std::thread::JoinHandle<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{BufRead, BufReader};
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request = String::new();
        reader.read_line(&mut request).unwrap();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
            line.clear();
        }
        let mut stream = stream;
        if request.split(' ').nth(1) == Some(path) {
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .unwrap();
            stream.write_all(&body).unwrap();
        } else {
            write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (port, server)
}

#[test]
fn atomic_cve_scan_matches_oscap_and_oscapd() {
    if !["oscap", "rpm", "rpmbuild"]
        .iter()
        .all(|t| testkit::require_tool(t))
    {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let built = common::rhel8_cve_root(work.path(), &signer, false);
    // atomic layout: /scanin/<id> is the root; a second target is a CentOS root.
    let scanin = work.path().join("scanin");
    let scanout = work.path().join("scanout");
    fs::create_dir_all(&scanin).unwrap();
    fs::create_dir_all(&scanout).unwrap();
    let root = scanin.join("rhel8img");
    fs::rename(&built, &root).unwrap();
    let centos = scanin.join("centosimg");
    fs::create_dir_all(centos.join("etc")).unwrap();
    fs::write(
        centos.join("etc/os-release"),
        "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"8\"\nPRETTY_NAME=\"CentOS Linux 8\"\n",
    )
    .unwrap();
    // Content dir with the test-key feed, bzip2-compressed.
    let content = work.path().join("content");
    fs::create_dir_all(&content).unwrap();
    let feed = fs::read_to_string(fx.join("claircore__com.redhat.rhsa-RHEL8.xml"))
        .unwrap()
        .replace("199e2f91fd431d51", &signer.key_id);
    let plain = work.path().join("rhel8-testkey.xml");
    fs::write(&plain, &feed).unwrap();
    let mut bz = bzip2::write::BzEncoder::new(
        fs::File::create(content.join("com.redhat.rhsa-RHEL8.xml.bz2")).unwrap(),
        bzip2::Compression::fast(),
    );
    bz.write_all(feed.as_bytes()).unwrap();
    bz.finish().unwrap();

    common::prepare_root_for_oscap(&root, work.path());
    let out = run_scanner(&[
        "--scanin".as_ref(),
        scanin.as_os_str(),
        "--scanout".as_ref(),
        scanout.as_os_str(),
        "--content_dir".as_ref(),
        content.as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Per-definition results equal oscap's on the same root.
    let ours = read_tsv(&scanout.join("rhel8img/results.tsv"));
    let theirs = common::oscap_eval_root(&plain, &root, work.path());
    common::assert_same(&ours, &theirs, "results.tsv");

    // json: the vulnerabilities openscap-daemon wrote for oscap's run on this package set.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(scanout.join("rhel8img/json")).unwrap()).unwrap();
    assert_eq!(json["Successful"], "true");
    assert_eq!(json["Scanner"], "openscap");
    assert_eq!(json["Scan Type"], "CVE");
    assert_eq!(json["UUID"], "/scanin/rhel8img");
    let oscapd: serde_json::Value =
        serde_json::from_slice(&fs::read(fx.join("oscap-runs/atomic-json-cve.json")).unwrap())
            .unwrap();
    assert_eq!(json["Vulnerabilities"], oscapd["Vulnerabilities"]);

    // cve.xml is an OVAL results document oscap itself validates and reads.
    let cve = scanout.join("rhel8img/cve.xml");
    testkit::run(
        testkit::command("oscap")
            .args(["oval", "validate"])
            .arg(&cve),
    )
    .expect("oscap oval validate accepts our cve.xml");
    let from_xml = scanner_openscap::results_doc::definition_results(&cve).unwrap();
    assert_eq!(from_xml.len(), ours.len());
    let report = work.path().join("report.html");
    testkit::run(
        testkit::command("oscap")
            .args(["oval", "generate", "report", "--output"])
            .arg(&report)
            .arg(&cve),
    )
    .expect("oscap oval generate report on our cve.xml");
    let html = fs::read_to_string(&report).unwrap();
    assert!(html.contains("RHSA-2019:3700"));

    // The same feed over http gives the same per-definition results, forced (--oval URL) or
    // chosen by the image's os-release when the content directory has none (--feed_url).
    let body = fs::read(content.join("com.redhat.rhsa-RHEL8.xml.bz2")).unwrap();
    let empty = work.path().join("empty-content");
    fs::create_dir_all(&empty).unwrap();
    for (n, mode) in ["oval", "feed_url"].iter().enumerate() {
        let (port, server) = serve_once(body.clone(), "/rhel-8.oval.xml.bz2");
        let url_out = work.path().join(format!("url-out-{n}"));
        fs::create_dir_all(&url_out).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scanner-openscap"));
        for v in ["http_proxy", "HTTP_PROXY", "ALL_PROXY", "all_proxy"] {
            cmd.env_remove(v);
        }
        cmd.args([
            "--rootfs".as_ref(),
            root.as_os_str(),
            "--output".as_ref(),
            url_out.as_os_str(),
        ]);
        if *mode == "oval" {
            cmd.arg("--oval")
                .arg(format!("http://127.0.0.1:{port}/rhel-8.oval.xml.bz2"));
        } else {
            cmd.arg("--content_dir")
                .arg(&empty)
                .arg("--feed_url")
                .arg(format!(
                    "http://127.0.0.1:{port}/{{id}}-{{major}}.oval.xml.bz2"
                ));
        }
        let out = cmd.output().unwrap();
        server.join().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(read_tsv(&url_out.join("results.tsv")), ours, "{mode}");
    }

    // The CentOS image is refused with a reason, not scanned with the RHEL feed.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(scanout.join("centosimg/json")).unwrap()).unwrap();
    assert_eq!(json["Successful"], "false");
    let reason = json["Custom"]["Error"].as_str().unwrap();
    assert!(reason.contains("CentOS Linux 8"), "{reason}");
    assert!(!scanout.join("centosimg/results.tsv").exists());
}

#[test]
fn unusable_content_files_are_named_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.xml");
    for (flag, path, why) in [
        ("--oval", missing.as_path(), "No such file or directory"),
        ("--oval", dir.path(), "is a directory"),
        (
            "--datastream",
            missing.as_path(),
            "No such file or directory",
        ),
        ("--datastream", dir.path(), "is a directory"),
    ] {
        let mut args = vec![std::ffi::OsStr::new(flag), path.as_os_str()];
        if flag == "--datastream" {
            args.push("--scan-type".as_ref());
            args.push("configuration_compliance".as_ref());
        }
        args.extend(["--rootfs".as_ref(), dir.path().as_os_str()]);
        let out = run_scanner(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!("{flag} {}: {why}", path.display())),
            "{flag}: {stderr}"
        );
    }
}
