//! Behaviour where we deliberately differ from oscap 1.3.7 or have no oscap counterpart:
//! absolute symlinks resolve inside the image, header-only (v4) signatures count for
//! signature_keyid (rpm itself is the reference for the key id), unsupported object kinds give
//! `unknown` and are counted (never silently false), and DTDs are refused.

mod common;

use std::fs;
use std::path::Path;

use scanner_openscap::eval::Engine;
use scanner_openscap::parse::{parse_file, parse_reader};
use scanner_openscap::probes::ImageProbes;
use scanner_openscap::result::OvalResult;
use scanner_openscap::xml::XmlError;
use testkit::{RpmSpec, SpecFile};

const HEAD: &str = r#"<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
  xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
  xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
  xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator><oval:schema_version>5.11</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
"#;

type Evaluation = (Vec<(String, OvalResult)>, Vec<(String, usize)>);

fn eval(doc_text: &str, root: &Path) -> Evaluation {
    let doc = parse_reader(doc_text.as_bytes()).expect("parse");
    let probes = ImageProbes::new(rootfs::Rootfs::open(root).unwrap());
    let mut e = Engine::live(&doc, &probes);
    let r = e.evaluate_all();
    let mut u: Vec<_> = e.unsupported.iter().map(|(k, v)| (k.clone(), *v)).collect();
    u.sort();
    (r, u)
}

fn one_def(test: &str, object: &str, state: &str) -> String {
    format!(
        r#"{HEAD}<definitions><definition id="oval:b:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata>
<criteria><criterion test_ref="oval:b:tst:1"/></criteria></definition></definitions>
<tests>{test}</tests><objects>{object}</objects><states>{state}</states></oval_definitions>"#
    )
}

/// oscap 1.3.7 opens `<root>/etc/link` with the host kernel, so an absolute link
/// `/etc/link -> /etc/target` reads the *host's* /etc/target. We read the image's.
#[test]
fn absolute_symlinks_resolve_inside_the_image() {
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(root.join("etc/oval-target"), "origin=image\n").unwrap();
    std::os::unix::fs::symlink("/etc/oval-target", root.join("etc/oval-link")).unwrap();
    std::os::unix::fs::symlink(
        "../../../../../etc/oval-target",
        root.join("etc/oval-dotdot"),
    )
    .unwrap();
    for link in ["/etc/oval-link", "/etc/oval-dotdot"] {
        let doc = one_def(
            r#"<ind:textfilecontent54_test id="oval:b:tst:1" version="1" check="all" comment="c"><ind:object object_ref="oval:b:obj:1"/></ind:textfilecontent54_test>"#,
            &format!(
                r#"<ind:textfilecontent54_object id="oval:b:obj:1" version="1"><ind:filepath>{link}</ind:filepath><ind:pattern operation="pattern match">^origin=image$</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>"#
            ),
            "",
        );
        let (r, _) = eval(&doc, &root);
        assert_eq!(
            r[0].1,
            OvalResult::True,
            "{link} must read the image's file"
        );
    }
}

#[test]
fn unsupported_object_kinds_are_unknown_and_counted() {
    let work = tempfile::tempdir().unwrap();
    let doc = format!(
        r#"{HEAD}<definitions>
<definition id="oval:b:def:1" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata>
<criteria><criterion test_ref="oval:b:tst:1"/></criteria></definition>
<definition id="oval:b:def:2" version="1" class="compliance"><metadata><title>t</title><description>d</description></metadata>
<criteria><criterion test_ref="oval:b:tst:1" negate="true"/></criteria></definition>
</definitions>
<tests><linux:selinuxboolean_test id="oval:b:tst:1" version="1" check="all" comment="c"><linux:object object_ref="oval:b:obj:1"/></linux:selinuxboolean_test></tests>
<objects><linux:selinuxboolean_object id="oval:b:obj:1" version="1"><linux:name>httpd_can_network_connect</linux:name></linux:selinuxboolean_object></objects>
</oval_definitions>"#
    );
    let (r, unsupported) = eval(&doc, work.path());
    assert_eq!(r[0].1, OvalResult::Unknown);
    assert_eq!(
        r[1].1,
        OvalResult::Unknown,
        "negation must not turn it into a verdict"
    );
    assert_eq!(
        unsupported,
        vec![("linux:selinuxboolean_object".to_string(), 1)]
    );
}

#[test]
fn doctype_and_external_entities_are_refused() {
    let doc = r#"<?xml version="1.0"?>
<!DOCTYPE oval_definitions [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions/></oval_definitions>"#;
    assert!(matches!(parse_reader(doc.as_bytes()), Err(XmlError::Dtd)));
    let undeclared = r#"<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><generator><timestamp>&x;</timestamp></generator></oval_definitions>"#;
    assert!(parse_reader(undeclared.as_bytes()).is_err());
}

/// A package signed with a header-only (v4) signature: oscap 1.3.7 reports key id 0 for it;
/// we report the key id rpm itself shows for the package.
#[test]
fn header_only_signatures_count_for_signature_keyid() {
    if !["rpm", "rpmbuild"].iter().all(|t| testkit::require_tool(t)) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let rpms = work.path().join("rpms");
    fs::create_dir_all(&rpms).unwrap();
    let rpm = RpmSpec::new("v4only", "1.0", "1")
        .file(SpecFile::file("/usr/share/v4only", "x\n"))
        .build(&rpms)
        .unwrap();
    signer.sign_v4_only(std::slice::from_ref(&rpm));
    let root = work.path().join("root");
    testkit::rpm_install(&root, &[rpm], &[]).unwrap();
    let out = testkit::run(testkit::rpm(&root).args([
        "-q",
        "--qf",
        "%{RSAHEADER:pgpsig}|%{SIGPGP:pgpsig}",
        "v4only",
    ]))
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (v4, v3) = text.split_once('|').unwrap();
    assert_eq!(
        v3, "(none)",
        "the package must have no v3 signature: {text}"
    );
    let rpm_key = v4.rsplit("Key ID ").next().unwrap().trim().to_string();
    assert_eq!(rpm_key, signer.key_id);
    let doc = one_def(
        r#"<linux:rpminfo_test id="oval:b:tst:1" version="1" check="all" comment="c"><linux:object object_ref="oval:b:obj:1"/><linux:state state_ref="oval:b:ste:1"/></linux:rpminfo_test>"#,
        r#"<linux:rpminfo_object id="oval:b:obj:1" version="1"><linux:name>v4only</linux:name></linux:rpminfo_object>"#,
        &format!(
            r#"<linux:rpminfo_state id="oval:b:ste:1" version="1"><linux:signature_keyid>{rpm_key}</linux:signature_keyid></linux:rpminfo_state>"#
        ),
    );
    let (r, _) = eval(&doc, &root);
    assert_eq!(r[0].1, OvalResult::True);
}

#[test]
fn bzip2_feeds_parse_like_plain_ones() {
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let plain = fx.join("claircore__com.redhat.rhsa-20201980.xml");
    let work = tempfile::tempdir().unwrap();
    let bz = work.path().join("feed.xml.bz2");
    let mut enc =
        bzip2::write::BzEncoder::new(fs::File::create(&bz).unwrap(), bzip2::Compression::fast());
    std::io::Write::write_all(&mut enc, &fs::read(&plain).unwrap()).unwrap();
    enc.finish().unwrap();
    let a = parse_file(&plain).unwrap();
    let b = parse_file(&bz).unwrap();
    assert!(!a.definitions.is_empty());
    assert_eq!(a.definitions.len(), b.definitions.len());
    assert_eq!(a.tests.len(), b.tests.len());
    assert_eq!(a.source_span, b.source_span);
}

#[test]
fn hostile_nesting_is_refused_not_recursed() {
    let deep = format!(
        r#"<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions><definition id="oval:b:def:1" version="1" class="patch">{}{}</definition></definitions></oval_definitions>"#,
        "<criteria>".repeat(10_000),
        "</criteria>".repeat(10_000)
    );
    match parse_reader(deep.as_bytes()) {
        Err(XmlError::Invalid(msg)) => assert!(msg.contains("nested deeper"), "{msg}"),
        other => panic!("expected a nesting error, got {other:?}"),
    }
}

/// rpmverifyfile's verification entities follow `rpm -V` on the same root (oscap 1.3.7's probe
/// reports garbled items for tampered files, so rpm itself is the reference here).
#[test]
fn rpmverifyfile_outcomes_follow_rpm_verify() {
    if !["rpm", "rpmbuild"].iter().all(|t| testkit::require_tool(t)) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let rpms = work.path().join("rpms");
    fs::create_dir_all(&rpms).unwrap();
    let rpm = RpmSpec::new("tamper", "1.0", "1")
        .file(SpecFile::file("/usr/share/tamper/changed", "a\n"))
        .file(SpecFile::file("/usr/share/tamper/chmod", "b\n"))
        .file(SpecFile::file("/usr/share/tamper/intact", "c\n"))
        .file(SpecFile::file("/usr/share/tamper/gone", "d\n"))
        .build(&rpms)
        .unwrap();
    let root = work.path().join("root");
    testkit::rpm_install(&root, &[rpm], &[]).unwrap();
    fs::write(root.join("usr/share/tamper/changed"), "changed!\n").unwrap();
    fs::set_permissions(
        root.join("usr/share/tamper/chmod"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    fs::remove_file(root.join("usr/share/tamper/gone")).unwrap();
    // rpm -V exits 1 when something differs: read its output whatever the status.
    let out = testkit::rpm(&root).args(["-V", "tamper"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut rpm_says = std::collections::HashMap::new();
    for line in text.lines() {
        let path = line.rsplit(' ').next().unwrap().to_string();
        rpm_says.insert(path, line.split(' ').next().unwrap().to_string());
    }
    let doc = one_def(
        r#"<linux:rpmverifyfile_test id="oval:b:tst:1" version="1" check="all" comment="c"><linux:object object_ref="oval:b:obj:1"/></linux:rpmverifyfile_test>"#,
        r#"<linux:rpmverifyfile_object id="oval:b:obj:1" version="1"><linux:name>tamper</linux:name><linux:epoch operation="pattern match"/><linux:version operation="pattern match"/><linux:release operation="pattern match"/><linux:arch operation="pattern match"/><linux:filepath operation="pattern match">^/usr/share/tamper/</linux:filepath></linux:rpmverifyfile_object>"#,
        "",
    );
    let doc = parse_reader(doc.as_bytes()).unwrap();
    let probes = ImageProbes::new(rootfs::Rootfs::open(&root).unwrap());
    let mut e = Engine::live(&doc, &probes);
    let col = e.collect("oval:b:obj:1").unwrap();
    assert_eq!(col.items.len(), 4);
    // rpm -V columns: S M 5 D L U G T P.
    let columns = [
        "size_differs",
        "mode_differs",
        "md5_differs",
        "device_differs",
        "link_mismatch",
        "ownership_differs",
        "group_differs",
        "mtime_differs",
        "capabilities_differ",
    ];
    for &i in &col.items {
        let item = &e.store.items[i];
        let path = item.values("filepath").next().unwrap().to_string();
        let flags = rpm_says
            .get(&path)
            .cloned()
            .unwrap_or_else(|| ".........".into());
        for (k, name) in columns.iter().enumerate() {
            let ours = item.values(name).next().unwrap();
            let want = if flags == "missing" {
                "not performed"
            } else {
                match flags.as_bytes()[k] {
                    b'.' => "pass",
                    b'?' => "not performed",
                    _ => "fail",
                }
            };
            assert_eq!(ours, want, "{path} {name} (rpm -V: {flags})");
        }
    }
    assert!(rpm_says.len() >= 3, "rpm -V reported {text}");
}
