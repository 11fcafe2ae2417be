//! Differential tests against the real `oscap` on rpm-based roots built here with rpmbuild and
//! `rpm --root`: for every definition our engine (collecting through rootfs + rpmdb) must give
//! exactly the result `oscap oval eval` gives with OSCAP_PROBE_ROOT on the same tree.

mod common;

use std::fs;
use std::path::Path;

use scanner_openscap::eval::Engine;
use scanner_openscap::parse::parse_file;
use scanner_openscap::probes::ImageProbes;
use scanner_openscap::result::OvalResult;
use testkit::{RpmSpec, SpecFile};

fn ours(defs: &Path, root: &Path) -> Vec<(String, OvalResult)> {
    let doc = parse_file(defs).expect("parse definitions");
    let probes = ImageProbes::for_document(rootfs::Rootfs::open(root).expect("open root"), &doc);
    let mut e = Engine::live(&doc, &probes);
    e.evaluate_all()
}

/// Our results for the definitions in `defs` on `root`, asserted equal to oscap's (`label`
/// names the document in the failure).
fn same_as_oscap(defs: &Path, root: &Path, work: &Path, label: &str) -> Vec<(String, OvalResult)> {
    let mine = ours(defs, root);
    let theirs = common::oscap_eval_root(defs, root, work);
    common::assert_same(&mine, &theirs, label);
    mine
}

/// Each of `wanted` is among `results`: a comparison that cannot come out vacuous.
fn assert_results_include(results: &[(String, OvalResult)], wanted: &[OvalResult]) {
    for want in wanted {
        assert!(results.iter().any(|(_, r)| r == want), "no {want:?} result");
    }
}

fn tools() -> bool {
    ["oscap", "rpm", "rpmbuild"]
        .iter()
        .all(|t| testkit::require_tool(t))
}

#[test]
fn hand_written_features_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("OVAL_KEEP_WORK").is_some())
        .tempdir()
        .unwrap();
    eprintln!("work dir: {}", work.path().display());
    let specs = vec![
        RpmSpec::new("pkga", "1.0", "1")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkga/a", "a\n")),
        RpmSpec::new("pkgb", "3.5", "2.el8")
            .epoch(2)
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkgb/b", "b\n")),
        common::release_pkg("8.6", "0.1.el8"),
    ];
    let root = common::build_root(work.path(), &specs, None);
    fs::create_dir_all(root.join("etc/dnf/modules.d")).unwrap();
    fs::write(
        root.join("etc/dnf/modules.d/idm.module"),
        "[idm]\nname=idm\nstream=DL1\nprofiles=\nstate=enabled\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/sample.conf"),
        "# sample\nMaxAuthTries 4\nVersion 1.2\nMaxAuthTries 6\n",
    )
    .unwrap();
    let defs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features.oval.xml");
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&defs, &root, work.path(), "features.oval.xml");
    if std::env::var_os("OVAL_SHOW").is_some() {
        for (id, r) in &mine {
            eprintln!("{id} {}", r.as_str());
        }
    }
    // The local-variable functions (definitions 103..113) all come out true; of the match
    // counts, 4 lines (PCRE's multiline `^` does not match after the final newline) and 8
    // subexpressions (groups that did not participate are left out).
    for (id, r) in &mine {
        let n: u32 = id.rsplit(':').next().unwrap().parse().unwrap();
        if n > 100 && n < 120 || [131, 136, 151].contains(&n) {
            assert_eq!(*r, OvalResult::True, "{id}");
        }
    }
    // The document exercises every result value the image can produce.
    assert_results_include(
        &mine,
        &[
            OvalResult::True,
            OvalResult::False,
            OvalResult::NotApplicable,
        ],
    );
}

#[test]
fn red_hat_rhel8_feed_matches_oscap() {
    if !tools() {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("OVAL_KEEP_WORK").is_some())
        .tempdir()
        .unwrap();
    eprintln!("work dir: {}", work.path().display());
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let root = common::rhel8_cve_root(work.path(), &signer, true);
    // The feed with Red Hat's key id replaced by the test key's (a transformation done here).
    let feed = fs::read_to_string(fx.join("claircore__com.redhat.rhsa-RHEL8.xml")).unwrap();
    assert!(feed.contains("199e2f91fd431d51"));
    let defs = work.path().join("rhel8-testkey.xml");
    fs::write(&defs, feed.replace("199e2f91fd431d51", &signer.key_id)).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(
        &defs,
        &root,
        work.path(),
        "com.redhat.rhsa-RHEL8 (test key)",
    );
    let trues = mine.iter().filter(|(_, r)| *r == OvalResult::True).count();
    assert!(
        trues >= 3,
        "the root should be vulnerable to several RHSAs, got {trues}"
    );
    assert!(mine.iter().any(|(_, r)| *r == OvalResult::False));
}

/// The 2020 OVAL v2 stream for RHEL 8 (181 definitions, module-stream gated advisories): a
/// RHEL 8.1 root with module packages older and newer than the fixes, idm:DL1 and httpd:2.4
/// enabled, nodejs on another stream than the advisory's.
#[test]
fn red_hat_v2_stream_with_modules_matches_oscap() {
    if !tools() || !testkit::require_tool("zstd") {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let out = testkit::run(
        testkit::command("zstd")
            .args(["-dc"])
            .arg(fx.join("clair__v2__rhel-8.oval.xml.zst")),
    )
    .expect("zstd -d");
    let feed = String::from_utf8(out.stdout).unwrap();
    assert!(feed.contains("199e2f91fd431d51"));
    let defs = work.path().join("rhel-8.oval.xml");
    fs::write(&defs, feed.replace("199e2f91fd431d51", &signer.key_id)).unwrap();
    let x = |n: &str, v: &str, r: &str| {
        RpmSpec::new(n, v, r).arch("x86_64").file(SpecFile::file(
            &format!("/usr/share/doc/{n}/README"),
            format!("{n}\n"),
        ))
    };
    let specs = [
        common::release_pkg("8.1", "3.el8"),
        // idm:DL1 (RHBA-2019:4268 fixes softhsm 2.4.0-2.module...): older -> true
        x("softhsm", "2.4.0", "1.module+el8.1.0+4098+f286395e"),
        // httpd:2.4 (RHSA-2019:0980 fixes mod_ssl 1:2.4.37-11.module...): newer -> false
        x("mod_ssl", "2.4.37", "12.module+el8.0.0+2969+90015743").epoch(1),
        // nodejs:12 advisory, but the image has stream 10 enabled
        x("npm", "6.4.1", "1.10.16.3.2.module+el8.0.0+4214+49953fda").epoch(1),
        x("systemd", "239", "10.el8"),
        x("glibc", "2.28", "42.el8"),
    ];
    let rpms_dir = work.path().join("rpms");
    fs::create_dir_all(&rpms_dir).unwrap();
    let rpms: Vec<_> = specs.iter().map(|s| s.build(&rpms_dir).unwrap()).collect();
    signer.sign(&rpms);
    let root = work.path().join("root");
    testkit::rpm_install(&root, &rpms, &[]).unwrap();
    let md = root.join("etc/dnf/modules.d");
    fs::create_dir_all(&md).unwrap();
    fs::write(
        md.join("idm.module"),
        "[idm]\nname=idm\nstream=DL1\nprofiles=\nstate=enabled\n",
    )
    .unwrap();
    fs::write(
        md.join("httpd.module"),
        "[httpd]\nname=httpd\nstate=enabled\nstream=2.4\nprofiles=\n",
    )
    .unwrap();
    fs::write(
        md.join("nodejs.module"),
        "[nodejs]\nname=nodejs\nstream=10\nprofiles=\nstate=enabled\n",
    )
    .unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&defs, &root, work.path(), "rhel-8.oval.xml (v2, test key)");
    let true_ids: Vec<&str> = mine
        .iter()
        .filter(|(_, r)| *r == OvalResult::True)
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        true_ids.contains(&"oval:com.redhat.rhba:def:20194268"),
        "{true_ids:?}"
    );
    assert!(
        !true_ids.contains(&"oval:com.redhat.rhsa:def:20190980"),
        "{true_ids:?}"
    );
}

/// OpenSCAP's own definition-only unit tests (state operators over a file's permission bits,
/// state entity check_existence over text lines) on a root holding their /tmp/foo.txt.
#[test]
fn openscap_unittest_documents_match_oscap() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    fs::create_dir_all(root.join("tmp")).unwrap();
    let foo = root.join("tmp/foo.txt");
    fs::write(&foo, "Hello\nHello\nHello\nHello\nHello\n").unwrap();
    fs::set_permissions(&foo, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    for name in ["statetype_operator.xml", "state_check_existence.xml"] {
        let defs = fx.join("openscap-unittests").join(name);
        let mine = same_as_oscap(&defs, &root, work.path(), name);
        assert!(mine.iter().any(|(_, r)| *r == OvalResult::True), "{name}");
        assert!(mine.iter().any(|(_, r)| *r == OvalResult::False), "{name}");
    }
}

/// The 2019 RHEL 3 feed (327 definitions, rpminfo only, two Red Hat key ids, "RHEL 3 is
/// installed" as rpminfo on redhat-release): both key ids replaced by the test key.
#[test]
fn red_hat_rhel3_feed_matches_oscap() {
    if !tools() {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let feed = fs::read_to_string(fx.join("claircore__Red_Hat_Enterprise_Linux_3.xml")).unwrap();
    let defs = work.path().join("rhel3.xml");
    fs::write(
        &defs,
        feed.replace("219180cddb42a60e", &signer.key_id)
            .replace("5326810137017186", &signer.key_id),
    )
    .unwrap();
    let x = |n: &str, v: &str, r: &str| {
        RpmSpec::new(n, v, r).arch("i386").file(SpecFile::file(
            &format!("/usr/share/doc/{n}/README"),
            format!("{n}\n"),
        ))
    };
    let specs = [
        RpmSpec::new("redhat-release", "3AS", "1").file(SpecFile::file(
            "/etc/redhat-release",
            "Red Hat Enterprise Linux AS release 3 (Taroon)\n",
        )),
        x("unzip", "5.50", "30.EL3"),
        x("initscripts", "7.31.29.EL", "1"),
        x("htdig", "3.1.6", "7.el3").epoch(2),
        x("seamonkey", "1.0.8", "0.1.el3"),
    ];
    let rpms_dir = work.path().join("rpms");
    fs::create_dir_all(&rpms_dir).unwrap();
    let rpms: Vec<_> = specs.iter().map(|s| s.build(&rpms_dir).unwrap()).collect();
    signer.sign(&rpms);
    let root = work.path().join("root");
    testkit::rpm_install(&root, &rpms, &["--ignorearch"]).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(
        &defs,
        &root,
        work.path(),
        "Red_Hat_Enterprise_Linux_3.xml (test key)",
    );
    let trues = mine.iter().filter(|(_, r)| *r == OvalResult::True).count();
    assert!(trues >= 3, "{trues} true");
    assert!(mine.iter().any(|(_, r)| *r == OvalResult::False));
}

/// One definition over one test: `(kind, object entities, state entities, check, existence)`.
type Case<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// An OVAL 5.11 document with one definition per case (ids 1, 2, ...), unix family.
fn unix_cases_document(cases: &[Case<'_>]) -> String {
    let (mut defs, mut tests, mut objects, mut states) =
        (String::new(), String::new(), String::new(), String::new());
    for (i, (kind, object, state, check, existence)) in cases.iter().enumerate() {
        let n = i + 1;
        defs.push_str(&format!(
            "<definition class=\"compliance\" id=\"oval:u:def:{n}\" version=\"1\"><metadata><title>{n}</title>\
             <description>{n}</description></metadata><criteria><criterion test_ref=\"oval:u:tst:{n}\"/>\
             </criteria></definition>\n"
        ));
        let state_ref = if state.is_empty() {
            String::new()
        } else {
            states.push_str(&format!(
                "<unix:{kind}_state id=\"oval:u:ste:{n}\" version=\"1\">{state}</unix:{kind}_state>\n"
            ));
            format!("<unix:state state_ref=\"oval:u:ste:{n}\"/>")
        };
        tests.push_str(&format!(
            "<unix:{kind}_test id=\"oval:u:tst:{n}\" version=\"1\" check=\"{check}\" \
             check_existence=\"{existence}\" comment=\"{n}\"><unix:object object_ref=\"oval:u:obj:{n}\"/>\
             {state_ref}</unix:{kind}_test>\n"
        ));
        objects.push_str(&format!(
            "<unix:{kind}_object id=\"oval:u:obj:{n}\" version=\"1\">{object}</unix:{kind}_object>\n"
        ));
    }
    let states = if states.is_empty() {
        String::new()
    } else {
        format!("<states>{states}</states>")
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<oval_definitions \
         xmlns=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\" \
         xmlns:oval=\"http://oval.mitre.org/XMLSchema/oval-common-5\" \
         xmlns:unix=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#unix\">\n\
         <generator><oval:schema_version>5.11</oval:schema_version>\
         <oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>\n\
         <definitions>{defs}</definitions><tests>{tests}</tests><objects>{objects}</objects>{states}\
         </oval_definitions>\n"
    )
}

/// password, shadow and symlink objects (what SSG's account and authselect rules use) on a root
/// with an awkward /etc/passwd, a lastlog record and every kind of symlink: our results equal
/// oscap's, definition by definition.
#[test]
fn accounts_and_symlinks_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = common::build_root(work.path(), &[common::release_pkg("8.6", "0.1.el8")], None);
    let etc = root.join("etc");
    fs::write(
        etc.join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\n# comment\n\nalice:x:1000:1000:Alice A:/home/alice:/bin/bash\n\
         bad:x::1:x:/h:/bin/sh\n  bob:x:1001:1001::/home/bob:/bin/sh:extra\nshort:x:5:6\n\
         empty::1002:1002::/home/empty:/bin/sh\ntoor:x: 0:0::/:/bin/sh\ntoor2:x:+0:0::/:/bin/sh\n\
         neg:x:-1:0::/:/bin/sh\n",
    )
    .unwrap();
    fs::write(
        etc.join("shadow"),
        "root:$6$abc$def:19000:0:99999:7:::\nalice:!!:19001::::::\n",
    )
    .unwrap();
    // lastlog: a record for uid 1000 only (records are 292 bytes).
    let mut lastlog = vec![0u8; 292 * 1001];
    lastlog[292 * 1000..292 * 1000 + 4].copy_from_slice(&1_700_000_000i32.to_le_bytes());
    fs::create_dir_all(root.join("var/log")).unwrap();
    fs::write(root.join("var/log/lastlog"), lastlog).unwrap();
    fs::create_dir_all(root.join("usr/share/links/dir")).unwrap();
    fs::write(root.join("usr/share/links/real"), "x\n").unwrap();
    for (name, target) in [
        ("dangling", "../nowhere"),
        ("absolute", "/etc/passwd"),
        ("chain", "absolute"),
        ("relative", "real"),
        ("todir", "dir"),
        ("loop", "loop"),
        ("escape", "../../../../../../etc/passwd"),
    ] {
        std::os::unix::fs::symlink(target, root.join("usr/share/links").join(name)).unwrap();
    }
    let path = |p: &str| format!("<unix:filepath>/usr/share/links/{p}</unix:filepath>");
    let canon = |p: &str| format!("<unix:canonical_path>{p}</unix:canonical_path>");
    let (p_dangling, p_absolute, p_chain, p_relative, p_todir, p_loop, p_escape, p_real, p_missing) = (
        path("dangling"),
        path("absolute"),
        path("chain"),
        path("relative"),
        path("todir"),
        path("loop"),
        path("escape"),
        path("real"),
        path("missing"),
    );
    let (c_passwd, c_real, c_dir) = (
        canon("/etc/passwd"),
        canon("/usr/share/links/real"),
        canon("/usr/share/links/dir"),
    );
    let any_user = "<unix:username operation=\"pattern match\">.*</unix:username>";
    let user = |u: &str| format!("<unix:username>{u}</unix:username>");
    let (bob, alice, root_user, bad, empty, short) = (
        user("bob"),
        user("alice"),
        user("root"),
        user("bad"),
        user("empty"),
        user("short"),
    );
    // Ids written the way strtoul still reads them: hidden uid-0 accounts must be seen.
    let (toor, toor2, neg) = (user("toor"), user("toor2"), user("neg"));
    let uid0 = "<unix:user_id datatype=\"int\">0</unix:user_id>";
    let cases: Vec<Case<'_>> = vec![
        ("password", any_user, "", "all", "at_least_one_exists"),
        ("password", any_user, "<unix:user_id datatype=\"int\" operation=\"less than\">1000</unix:user_id>", "all", "at_least_one_exists"),
        ("password", any_user, "<unix:user_id datatype=\"int\" operation=\"less than\">1000</unix:user_id>", "at least one", "at_least_one_exists"),
        ("password", &bob, "<unix:login_shell>/bin/sh:extra</unix:login_shell>", "all", "all_exist"),
        ("password", &bob, "<unix:gcos></unix:gcos>", "all", "all_exist"),
        ("password", &alice, "<unix:gcos>Alice A</unix:gcos><unix:home_dir>/home/alice</unix:home_dir>", "all", "all_exist"),
        ("password", &alice, "<unix:last_login datatype=\"int\">1700000000</unix:last_login>", "all", "all_exist"),
        ("password", &root_user, "<unix:last_login datatype=\"int\">-1</unix:last_login>", "all", "all_exist"),
        ("password", &bad, "", "all", "none_exist"),
        ("password", &short, "<unix:home_dir></unix:home_dir><unix:login_shell></unix:login_shell>", "all", "all_exist"),
        ("password", &empty, "<unix:password></unix:password>", "all", "all_exist"),
        ("password", any_user, "<unix:password operation=\"not equal\">x</unix:password>", "none satisfy", "any_exist"),
        ("password", &toor, uid0, "all", "all_exist"),
        ("password", &toor2, uid0, "all", "all_exist"),
        ("password", &neg, "", "all", "none_exist"),
        ("password", any_user, uid0, "only one", "at_least_one_exists"),
        ("shadow", any_user, "", "all", "at_least_one_exists"),
        ("shadow", &root_user, "<unix:encrypt_method>SHA-512</unix:encrypt_method>", "all", "all_exist"),
        ("sysctl", "<unix:name>kernel.hostname</unix:name>", "", "all", "at_least_one_exists"),
        ("sysctl", "<unix:name>kernel.hostname</unix:name>", "", "all", "none_exist"),
        ("symlink", &p_absolute, &c_passwd, "all", "all_exist"),
        ("symlink", &p_chain, &c_passwd, "all", "all_exist"),
        ("symlink", &p_relative, &c_real, "all", "all_exist"),
        ("symlink", &p_todir, &c_dir, "all", "all_exist"),
        ("symlink", &p_escape, &c_passwd, "all", "all_exist"),
        ("symlink", &p_dangling, "", "all", "all_exist"),
        ("symlink", &p_loop, "", "all", "all_exist"),
        ("symlink", &p_real, "", "all", "none_exist"),
        ("symlink", &p_missing, "", "all", "none_exist"),
        ("symlink", &p_relative, "<unix:canonical_path operation=\"pattern match\">^/usr/share/links/r.*$</unix:canonical_path>", "all", "all_exist"),
    ];
    let defs = work.path().join("accounts-links.oval.xml");
    fs::write(&defs, unix_cases_document(&cases)).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&defs, &root, work.path(), "accounts-links");
    assert_eq!(mine.len(), cases.len());
    if std::env::var_os("OVAL_SHOW").is_some() {
        for (id, r) in &mine {
            eprintln!("{id} {}", r.as_str());
        }
    }
    // The document is not trivially answered: every result kind the collectors produce occurs.
    assert_results_include(
        &mine,
        &[
            OvalResult::True,
            OvalResult::False,
            OvalResult::Error,
            OvalResult::NotApplicable,
        ],
    );
}

/// An OVAL 5.11 document around the given definitions, tests, objects, states and variables.
fn linux_document(defs: &str, tests: &str, objects: &str, states: &str, variables: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<oval_definitions \
         xmlns=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\" \
         xmlns:oval=\"http://oval.mitre.org/XMLSchema/oval-common-5\" \
         xmlns:ind=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#independent\" \
         xmlns:linux=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#linux\" \
         xmlns:unix=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#unix\">\n\
         <generator><oval:schema_version>5.11</oval:schema_version>\
         <oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>\n\
         <definitions>{defs}</definitions><tests>{tests}</tests><objects>{objects}</objects>\
         <states>{states}</states>{variables}</oval_definitions>\n"
    )
}

/// A compliance definition `oval:c:def:N` with the given criteria XML (may be empty).
fn definition(n: u32, criteria: &str, attrs: &str) -> String {
    format!(
        "<definition class=\"compliance\" id=\"oval:c:def:{n}\" version=\"1\"{attrs}><metadata>\
         <title>{n}</title><description>{n}</description></metadata>{criteria}</definition>\n"
    )
}

/// Definition `n` whose criteria is the one test `oval:{ns}:tst:{n}`.
fn one_test_definition(n: u32, ns: &str) -> String {
    definition(
        n,
        &format!("<criteria><criterion test_ref=\"oval:{ns}:tst:{n}\"/></criteria>"),
        "",
    )
}

/// Corners of the result algebra the feeds never use: a (deprecated) definition without
/// criteria is "not evaluated" — alone, extended, and mixed into every operator — and a test
/// with the deprecated check "none exist" means check "none satisfy" *and* check_existence
/// "none_exist", whatever check_existence says (so it is false as soon as one item exists).
#[test]
fn criteria_less_definitions_and_none_exist_checks_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let specs = [
        RpmSpec::new("pkga", "1.0", "1")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkga/a", "a\n")),
        RpmSpec::new("kernel", "4.18.0", "80.el8")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/k/80", "80\n")),
        RpmSpec::new("kernel", "4.18.0", "147.el8")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/k/147", "147\n")),
    ];
    let root = common::build_root(work.path(), &specs, None);
    let mut defs = String::new();
    let mut tests = String::new();
    let objects = "<linux:rpminfo_object id=\"oval:c:obj:1\" version=\"1\"><linux:name>pkga</linux:name></linux:rpminfo_object>\
        <linux:rpminfo_object id=\"oval:c:obj:2\" version=\"1\"><linux:name>nothere</linux:name></linux:rpminfo_object>\
        <linux:rpminfo_object id=\"oval:c:obj:3\" version=\"1\"><linux:name>kernel</linux:name></linux:rpminfo_object>\
        <unix:uname_object id=\"oval:c:obj:4\" version=\"1\"/>";
    let states = "<linux:rpminfo_state id=\"oval:c:ste:1\" version=\"1\"><linux:evr datatype=\"evr_string\">0:4.18.0-80.el8</linux:evr></linux:rpminfo_state>\
        <linux:rpminfo_state id=\"oval:c:ste:2\" version=\"1\"><linux:name>nothere</linux:name></linux:rpminfo_state>";
    // Tests 1..4: true, false, not applicable (uname offline), error (bad regex in the state).
    tests.push_str(
        "<linux:rpminfo_test id=\"oval:c:tst:1\" version=\"1\" check=\"all\" comment=\"t\"><linux:object object_ref=\"oval:c:obj:1\"/></linux:rpminfo_test>\
         <linux:rpminfo_test id=\"oval:c:tst:2\" version=\"1\" check=\"all\" comment=\"f\"><linux:object object_ref=\"oval:c:obj:2\"/></linux:rpminfo_test>\
         <unix:uname_test id=\"oval:c:tst:3\" version=\"1\" check=\"all\" comment=\"na\"><unix:object object_ref=\"oval:c:obj:4\"/></unix:uname_test>",
    );
    defs.push_str(&definition(1, "", " deprecated=\"true\""));
    let ext = |neg: bool| {
        format!(
            "<extend_definition definition_ref=\"oval:c:def:1\"{}/>",
            if neg { " negate=\"true\"" } else { "" }
        )
    };
    let crit = |t: u32| format!("<criterion test_ref=\"oval:c:tst:{t}\"/>");
    let mut n = 10;
    defs.push_str(&definition(
        n,
        &format!("<criteria>{}</criteria>", ext(true)),
        "",
    ));
    n += 1;
    for op in ["AND", "OR", "ONE", "XOR"] {
        for other in [1, 2, 3] {
            for crits in [
                format!("{}{}", ext(false), crit(other)),
                format!("{}{}{}", crit(1), crit(other), ext(false)),
            ] {
                defs.push_str(&definition(
                    n,
                    &format!("<criteria operator=\"{op}\">{crits}</criteria>"),
                    "",
                ));
                n += 1;
            }
        }
    }
    // "none exist" on objects with 0, 1 and 2 items, with and without states, under every
    // check_existence.
    let mut t = 100;
    for obj in [1, 2, 3] {
        for ce in [
            "all_exist",
            "any_exist",
            "at_least_one_exists",
            "none_exist",
            "only_one_exists",
        ] {
            for state in ["", "oval:c:ste:1", "oval:c:ste:2"] {
                let st = if state.is_empty() {
                    String::new()
                } else {
                    format!("<linux:state state_ref=\"{state}\"/>")
                };
                tests.push_str(&format!(
                    "<linux:rpminfo_test id=\"oval:c:tst:{t}\" version=\"1\" check=\"none exist\" \
                     check_existence=\"{ce}\" comment=\"c\"><linux:object object_ref=\"oval:c:obj:{obj}\"/>{st}\
                     </linux:rpminfo_test>"
                ));
                defs.push_str(&definition(
                    t,
                    &format!("<criteria>{}</criteria>", crit(t)),
                    "",
                ));
                t += 1;
            }
        }
    }
    let doc = work.path().join("corners.oval.xml");
    fs::write(&doc, linux_document(&defs, &tests, objects, states, "")).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "criteria corners");
    assert_results_include(
        &mine,
        &[
            OvalResult::True,
            OvalResult::False,
            OvalResult::NotEvaluated,
        ],
    );
}

/// Local-variable functions on the values oscap treats specially: regex_capture gives one value
/// per input (the empty string when the pattern does not match or its group does not take
/// part), counting an object that does not exist gives a variable that does not exist (not
/// 0), split with an empty delimiter splits at every character, and float arithmetic results
/// are printed with six decimals. Each variable is read through a variable_object, with and
/// without a state, and its values are pinned by `equals` states (check="all").
#[test]
fn local_variable_function_corners_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let specs = [
        RpmSpec::new("kernel", "4.18.0", "80.el8")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/k/80", "80\n")),
        RpmSpec::new("kernel", "4.18.0", "147.el8")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/k/147", "147\n")),
    ];
    let root = common::build_root(work.path(), &specs, None);
    let lit = |s: &str| format!("<literal_component>{s}</literal_component>");
    let missing = "<object_component object_ref=\"oval:f:obj:1\" item_field=\"name\"/>";
    let kernels = "<object_component object_ref=\"oval:f:obj:2\" item_field=\"release\"/>";
    // (datatype, function, the values oscap gives, "" = none)
    let cases: Vec<(&str, String, &[&str])> = vec![
        ("string", format!("<regex_capture pattern=\"b\">{}</regex_capture>", lit("abc")), &[""]),
        ("string", format!("<regex_capture pattern=\"(x)?b\">{}</regex_capture>", lit("abc")), &[""]),
        ("string", format!("<regex_capture pattern=\"z(.)\">{}</regex_capture>", lit("abc")), &[""]),
        ("string", format!("<regex_capture pattern=\"^(\\d)4\">{kernels}</regex_capture>"), &["1", ""]),
        ("string", format!("<regex_capture pattern=\"a(.)(.)\">{}</regex_capture>", lit("abcabd")), &["b"]),
        ("int", format!("<count>{missing}</count>"), &[]),
        ("int", format!("<count>{}{missing}</count>", lit("a")), &[]),
        ("int", format!("<count>{kernels}{missing}</count>"), &[]),
        ("int", format!("<count>{kernels}</count>"), &["2"]),
        ("string", format!("<split delimiter=\"\">{}</split>", lit("abc")), &["a", "b", "c"]),
        ("float", "<arithmetic arithmetic_operation=\"multiply\"><literal_component datatype=\"float\">1.5</literal_component><literal_component datatype=\"int\">2</literal_component></arithmetic>".to_string(), &["3.000000"]),
        ("int", "<arithmetic arithmetic_operation=\"add\"><literal_component datatype=\"float\">1.5</literal_component><literal_component datatype=\"int\">2</literal_component></arithmetic>".to_string(), &["3.500000"]),
    ];
    let (mut defs, mut tests, mut objects, mut states, mut vars) = (
        String::new(),
        String::new(),
        String::from(
            "<linux:rpminfo_object id=\"oval:f:obj:1\" version=\"1\"><linux:name>nothere</linux:name></linux:rpminfo_object>\
             <linux:rpminfo_object id=\"oval:f:obj:2\" version=\"1\"><linux:name>kernel</linux:name></linux:rpminfo_object>",
        ),
        String::from(
            "<ind:variable_state id=\"oval:f:ste:1\" version=\"1\"><ind:value operation=\"pattern match\">^</ind:value></ind:variable_state>",
        ),
        String::new(),
    );
    let mut n = 1;
    for (i, (dt, f, values)) in cases.iter().enumerate() {
        let v = 10 + i;
        vars.push_str(&format!(
            "<local_variable id=\"oval:c:var:{v}\" version=\"1\" datatype=\"{dt}\" comment=\"f\">{f}</local_variable>"
        ));
        objects.push_str(&format!(
            "<ind:variable_object id=\"oval:f:obj:{v}\" version=\"1\"><ind:var_ref>oval:c:var:{v}</ind:var_ref></ind:variable_object>"
        ));
        let mut state_refs = vec![String::new(), "oval:f:ste:1".to_string()];
        for (j, value) in values.iter().enumerate() {
            let s = format!("oval:f:ste:{}", 1000 + v * 10 + j);
            states.push_str(&format!(
                "<ind:variable_state id=\"{s}\" version=\"1\"><ind:value entity_check=\"at least one\">{value}</ind:value></ind:variable_state>"
            ));
            state_refs.push(s);
        }
        for s in state_refs {
            let st = if s.is_empty() {
                String::new()
            } else {
                format!("<ind:state state_ref=\"{s}\"/>")
            };
            // One item holds all the values: a value's own state (entity_check "at least
            // one") is true when that value is among them.
            tests.push_str(&format!(
                "<ind:variable_test id=\"oval:f:tst:{n}\" version=\"1\" check=\"at least one\" comment=\"f\">\
                 <ind:object object_ref=\"oval:f:obj:{v}\"/>{st}</ind:variable_test>"
            ));
            defs.push_str(&one_test_definition(n, "f"));
            n += 1;
        }
    }
    let doc = work.path().join("functions.oval.xml");
    fs::write(
        &doc,
        linux_document(
            &defs,
            &tests,
            &objects,
            &states,
            &format!("<variables>{vars}</variables>"),
        ),
    )
    .unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "function corners");
    // Every listed value was found (its definition is true); a variable without values is false.
    let trues = mine.iter().filter(|(_, r)| *r == OvalResult::True).count();
    let expected: usize = cases
        .iter()
        .map(|(_, _, v)| if v.is_empty() { 0 } else { 2 + v.len() })
        .sum();
    assert_eq!(trues, expected, "{mine:?}");
}

/// Sets and filters around objects that do not exist or are in error: an rpminfo name pattern
/// that does not compile is an error (not an empty match); set members combine by OVAL's flag
/// tables, which are not symmetric (an INTERSECTION or COMPLEMENT whose first member does not
/// exist does not exist, even when the second is an error); and a filter only drops an item on
/// a definite answer (a state that errors keeps it, for include and exclude alike).
#[test]
fn sets_and_filters_with_errors_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let pkg = |n: &str, arch: &str| {
        RpmSpec::new(n, "1.0", "1")
            .arch(arch)
            .file(SpecFile::file(&format!("/usr/share/{n}/f"), "x\n"))
    };
    let specs = [
        pkg("pkga", "x86_64"),
        pkg("pkgb", "x86_64"),
        pkg("pkgn", "noarch"),
    ];
    let root = common::build_root(work.path(), &specs, None);
    let obj = |n: u32, body: &str| {
        format!("<linux:rpminfo_object id=\"oval:s:obj:{n}\" version=\"1\">{body}</linux:rpminfo_object>")
    };
    let refs = |a: u32, b: u32| {
        format!("<object_reference>oval:s:obj:{a}</object_reference><object_reference>oval:s:obj:{b}</object_reference>")
    };
    let filter =
        |action: &str, s: u32| format!("<filter action=\"{action}\">oval:s:ste:{s}</filter>");
    // 1 pkg*, 2 nothing, 3 an error (bad pattern), 4 pkga
    let mut objects = [
        obj(
            1,
            "<linux:name operation=\"pattern match\">^pkg</linux:name>",
        ),
        obj(2, "<linux:name>nothere</linux:name>"),
        obj(3, "<linux:name operation=\"pattern match\">(</linux:name>"),
        obj(4, "<linux:name>pkga</linux:name>"),
    ]
    .concat();
    let states = "<linux:rpminfo_state id=\"oval:s:ste:1\" version=\"1\"><linux:arch>x86_64</linux:arch></linux:rpminfo_state>\
        <linux:rpminfo_state id=\"oval:s:ste:2\" version=\"1\"><linux:name operation=\"pattern match\">(</linux:name></linux:rpminfo_state>\
        <linux:rpminfo_state id=\"oval:s:ste:3\" version=\"1\"><linux:arch>noarch</linux:arch></linux:rpminfo_state>";
    let mut bodies = vec![
        String::from("<linux:name operation=\"pattern match\">(</linux:name>"),
        format!(
            "<linux:name operation=\"pattern match\">^pkg</linux:name>{}",
            filter("include", 2)
        ),
        format!(
            "<linux:name operation=\"pattern match\">^pkg</linux:name>{}",
            filter("exclude", 2)
        ),
        format!(
            "<linux:name operation=\"pattern match\">^pkg</linux:name>{}{}",
            filter("include", 1),
            filter("exclude", 3)
        ),
        format!("<set>{}{}</set>", refs(1, 1), filter("include", 2)),
    ];
    for op in ["UNION", "INTERSECTION", "COMPLEMENT"] {
        for (a, b) in [
            (1, 3),
            (3, 1),
            (2, 3),
            (3, 2),
            (1, 2),
            (2, 1),
            (1, 4),
            (4, 1),
        ] {
            bodies.push(format!("<set set_operator=\"{op}\">{}</set>", refs(a, b)));
        }
    }
    let (mut defs, mut tests) = (String::new(), String::new());
    let mut n = 1;
    for (k, body) in bodies.iter().enumerate() {
        let o = 100 + k as u32;
        objects.push_str(&obj(o, body));
        for (check, existence, state) in [
            ("all", "at_least_one_exists", ""),
            ("all", "none_exist", ""),
            (
                "at least one",
                "any_exist",
                "<linux:state state_ref=\"oval:s:ste:1\"/>",
            ),
            (
                "only one",
                "at_least_one_exists",
                "<linux:state state_ref=\"oval:s:ste:3\"/>",
            ),
        ] {
            tests.push_str(&format!(
                "<linux:rpminfo_test id=\"oval:s:tst:{n}\" version=\"1\" check=\"{check}\" \
                 check_existence=\"{existence}\" comment=\"s\"><linux:object object_ref=\"oval:s:obj:{o}\"/>{state}\
                 </linux:rpminfo_test>"
            ));
            defs.push_str(&one_test_definition(n, "s"));
            n += 1;
        }
    }
    let doc = work.path().join("sets.oval.xml");
    fs::write(&doc, linux_document(&defs, &tests, &objects, states, "")).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "sets and filters");
    assert_results_include(
        &mine,
        &[OvalResult::True, OvalResult::False, OvalResult::Error],
    );
}

/// oscap's file walker, met by textfilecontent54 and file objects: symlinks are followed (a
/// file under a symlinked directory is found by the link's path) except into a directory on
/// the current path; `recurse_direction="down"` descends to `max_depth` through directories
/// and/or symlinks as `recurse` says; a symlink counts by its own name as a file (even one
/// leading to a cycle or nowhere); a path pattern without metacharacters is a literal start
/// directory; a relative filepath never matches; a filepath naming a directory (or a link to
/// one) is nothing. Item counts (and existence) per object equal oscap's.
#[test]
fn file_walks_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = common::build_root(work.path(), &[common::release_pkg("8.6", "0.1.el8")], None);
    let t = root.join("etc/tree");
    fs::create_dir_all(t.join("a/b/c")).unwrap();
    fs::create_dir_all(t.join("sub.conf")).unwrap();
    for (p, c) in [
        ("a/b/c/deep.conf", "k=deep\n"),
        ("a/mid.conf", "k=mid\n"),
        ("top.conf", "k=top\nk=again\n"),
        ("sub.conf/x", "k=x\n"),
    ] {
        fs::write(t.join(p), c).unwrap();
    }
    for (link, target) in [
        ("loop", "."),
        ("a/up", ".."),
        ("flink.conf", "a/mid.conf"),
        ("dlink", "a/b"),
        ("dang.conf", "nowhere"),
    ] {
        std::os::unix::fs::symlink(target, t.join(link)).unwrap();
    }
    let beh = |attrs: &str, ns: &str| {
        if attrs.is_empty() {
            String::new()
        } else {
            format!("<{ns}:behaviors {attrs}/>")
        }
    };
    let path_fn = |ns: &str, path: &str, pop: &str, filename: Option<&str>| {
        let f = match filename {
            Some(f) => {
                format!("<{ns}:filename operation=\"pattern match\">{f}</{ns}:filename>")
            }
            None => format!("<{ns}:filename xsi:nil=\"true\"/>"),
        };
        format!("<{ns}:path operation=\"{pop}\">{path}</{ns}:path>{f}")
    };
    let pattern = "<ind:pattern operation=\"pattern match\">^k=(\\w+)</ind:pattern>\
                   <ind:instance datatype=\"int\" operation=\"greater than or equal\">1</ind:instance>";
    // (kind, object body)
    let mut objects: Vec<(&str, String)> = Vec::new();
    for b in [
        "",
        "recurse_direction=\"down\"",
        "recurse_direction=\"down\" max_depth=\"0\"",
        "recurse_direction=\"down\" max_depth=\"1\"",
        "recurse_direction=\"down\" recurse=\"directories\"",
    ] {
        objects.push((
            "tfc",
            format!(
                "{}{}{pattern}",
                beh(b, "ind"),
                path_fn("ind", "/etc/tree", "equals", Some("\\.conf$"))
            ),
        ));
        objects.push((
            "file",
            format!(
                "{}{}",
                beh(b, "unix"),
                path_fn("unix", "/etc/tree", "equals", Some("."))
            ),
        ));
        objects.push((
            "file",
            format!(
                "{}{}",
                beh(b, "unix"),
                path_fn("unix", "/etc/tree", "equals", None)
            ),
        ));
        objects.push((
            "file",
            format!(
                "{}{}",
                beh(b, "unix"),
                path_fn("unix", "^/etc/tree/a", "pattern match", None)
            ),
        ));
    }
    let fp = |ns: &str, op: &str, v: &str| {
        format!("<{ns}:filepath operation=\"{op}\">{v}</{ns}:filepath>")
    };
    objects.extend([
        (
            "tfc",
            format!(
                "{}{pattern}",
                fp("ind", "pattern match", "^/etc/tree/.*\\.conf$")
            ),
        ),
        ("file", fp("unix", "pattern match", "^/etc/tree/.*$")),
        (
            "file",
            path_fn("unix", "^/etc/tree/.*b$", "pattern match", None),
        ),
        ("file", path_fn("unix", "^/etc/tre", "pattern match", None)),
        ("file", fp("unix", "equals", "/etc/tree/dlink")),
        ("file", fp("unix", "equals", "/etc/tree/dang.conf")),
        (
            "tfc",
            format!("{}{pattern}", fp("ind", "equals", "etc/tree/top.conf")),
        ),
        (
            "tfc",
            format!(
                "{}{pattern}",
                fp("ind", "equals", "/etc/tree/dlink/c/deep.conf")
            ),
        ),
    ]);
    let (mut defs, mut tests, mut objs, mut states, mut vars) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    const MAX: u32 = 24;
    for c in 1..=MAX {
        states.push_str(&format!(
            "<ind:variable_state id=\"oval:w:ste:{c}\" version=\"1\"><ind:value datatype=\"int\">{c}</ind:value></ind:variable_state>"
        ));
    }
    let mut n = 1;
    for (i, (kind, body)) in objects.iter().enumerate() {
        let o = i + 1;
        let (ns, k, field) = if *kind == "tfc" {
            ("ind", "textfilecontent54", "filepath")
        } else {
            ("unix", "file", "path")
        };
        objs.push_str(&format!(
            "<{ns}:{k}_object id=\"oval:w:obj:{o}\" version=\"1\">{body}</{ns}:{k}_object>"
        ));
        vars.push_str(&format!(
            "<local_variable id=\"oval:w:var:{o}\" version=\"1\" datatype=\"int\" comment=\"n\">\
             <count><object_component object_ref=\"oval:w:obj:{o}\" item_field=\"{field}\"/></count></local_variable>"
        ));
        objs.push_str(&format!(
            "<ind:variable_object id=\"oval:w:obj:{}\" version=\"1\"><ind:var_ref>oval:w:var:{o}</ind:var_ref></ind:variable_object>",
            1000 + o
        ));
        let mut add = |test: String, n: &mut u32| {
            tests.push_str(&test);
            defs.push_str(&one_test_definition(*n, "w"));
            *n += 1;
        };
        add(
            format!(
                "<{ns}:{k}_test id=\"oval:w:tst:{n}\" version=\"1\" check=\"all\" check_existence=\"none_exist\" \
                 comment=\"w\"><{ns}:object object_ref=\"oval:w:obj:{o}\"/></{ns}:{k}_test>"
            ),
            &mut n,
        );
        for c in 1..=MAX {
            add(
                format!(
                    "<ind:variable_test id=\"oval:w:tst:{n}\" version=\"1\" check=\"all\" comment=\"w\">\
                     <ind:object object_ref=\"oval:w:obj:{}\"/><ind:state state_ref=\"oval:w:ste:{c}\"/></ind:variable_test>",
                    1000 + o
                ),
                &mut n,
            );
        }
    }
    let doc = work.path().join("walks.oval.xml");
    let text = linux_document(
        &defs,
        &tests,
        &objs,
        &states,
        &format!("<variables>{vars}</variables>"),
    )
    .replace(
        "xmlns:unix=",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:unix=",
    );
    fs::write(&doc, text).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "file walks");
    // Every object found something except the four that must not (relative path, directory
    // link, literal missing start, and none of them is an error).
    let trues = mine.iter().filter(|(_, r)| *r == OvalResult::True).count();
    assert!(trues >= objects.len() - 4, "{trues} true of {}", mine.len());
}

/// A datatype, (item value, state value) pairs, and the operations tried on each pair.
type DatatypeGroup<'a> = (&'a str, &'a [(&'a str, &'a str)], Vec<&'a str>);

/// Entity comparisons by datatype, item value (a constant variable read through a
/// variable_object) against state value: ipv4_address and ipv6_address as oscap compares them
/// (equality of address and mask, subset/superset of networks, ordering only between equal
/// masks, an error otherwise), next to version, int, float and evr_string corner values.
#[test]
fn datatype_comparisons_match_oscap() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    fs::create_dir_all(&root).unwrap();
    let ops = |list: &[&'static str]| list.to_vec();
    let order = ops(&[
        "equals",
        "not equal",
        "less than",
        "greater than",
        "greater than or equal",
        "less than or equal",
    ]);
    let ip = ops(&[
        "equals",
        "not equal",
        "less than",
        "greater than",
        "less than or equal",
        "subset of",
        "superset of",
    ]);
    // (datatype, item value, state value, operations)
    let groups: Vec<DatatypeGroup<'_>> = vec![
        (
            "ipv4_address",
            &[
                ("192.168.1.1", "192.168.1.1"),
                ("192.168.1.1", "192.168.1.0/24"),
                ("10.0.0.1", "10.0.0.2"),
                ("192.168.1.1/255.255.255.0", "192.168.1.0/24"),
                ("10.0.0.0/8", "10.1.2.3"),
                ("10.0.0.1/24", "10.0.1.9/24"),
                ("1.2.3.4/33", "1.2.3.4"),
                ("01.2.3.4", "1.2.3.4"),
            ],
            ip.clone(),
        ),
        (
            "ipv6_address",
            &[
                ("::1", "::1"),
                ("fe80::1/64", "fe80::2/64"),
                ("fe80::/64", "fe80::1"),
                ("fe80::1", "fe80::/10"),
                ("::ffff:1.2.3.4", "::ffff:1.2.3.5"),
                ("2001:db8::/129", "2001:db8::"),
                ("2001:DB8::1", "2001:db8::1"),
            ],
            ip,
        ),
        (
            "version",
            &[
                ("1.0", "1.0.0"),
                ("1.10", "1.2"),
                ("1.2a", "1.2"),
                ("1..2", "1.2"),
            ],
            order.clone(),
        ),
        (
            "int",
            &[("+5", "5"), (" 5", "5"), ("010", "8"), ("abc", "0")],
            order.clone(),
        ),
        ("float", &[("1e3", "1000"), (".5", "0.5")], order.clone()),
        (
            "evr_string",
            &[
                ("0:1.0~rc1-1", "0:1.0-1"),
                ("0:1.0^git1-1", "0:1.0-1"),
                ("0:1.0-1", "0:1.0"),
                ("0:2-1", "0:10-1"),
            ],
            order,
        ),
    ];
    let (mut defs, mut tests, mut objs, mut states, mut vars) = (
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    );
    let mut n = 1;
    for (dt, pairs, operations) in &groups {
        for (item, state) in pairs.iter() {
            for op in operations {
                vars.push_str(&format!(
                    "<constant_variable id=\"oval:d:var:{n}\" version=\"1\" datatype=\"{dt}\" comment=\"d\">\
                     <value>{item}</value></constant_variable>"
                ));
                objs.push_str(&format!(
                    "<ind:variable_object id=\"oval:d:obj:{n}\" version=\"1\"><ind:var_ref>oval:d:var:{n}</ind:var_ref></ind:variable_object>"
                ));
                states.push_str(&format!(
                    "<ind:variable_state id=\"oval:d:ste:{n}\" version=\"1\">\
                     <ind:value datatype=\"{dt}\" operation=\"{op}\">{state}</ind:value></ind:variable_state>"
                ));
                tests.push_str(&format!(
                    "<ind:variable_test id=\"oval:d:tst:{n}\" version=\"1\" check=\"all\" comment=\"d\">\
                     <ind:object object_ref=\"oval:d:obj:{n}\"/><ind:state state_ref=\"oval:d:ste:{n}\"/></ind:variable_test>"
                ));
                defs.push_str(&one_test_definition(n, "d"));
                n += 1;
            }
        }
    }
    let doc = work.path().join("datatypes.oval.xml");
    fs::write(
        &doc,
        linux_document(
            &defs,
            &tests,
            &objs,
            &states,
            &format!("<variables>{vars}</variables>"),
        ),
    )
    .unwrap();
    let mine = same_as_oscap(&doc, &root, work.path(), "datatypes");
    assert_results_include(
        &mine,
        &[OvalResult::True, OvalResult::False, OvalResult::Error],
    );
}

/// A textfilecontent54 pattern taken from a variable with several values: oscap searches the
/// file once per value (whatever var_check says), so the items of every pattern are there; a
/// value that does not compile makes the object an error. A filepath or path from a
/// multi-valued variable, by contrast, keeps its var_check (with "all" no path qualifies).
#[test]
fn textfilecontent_pattern_variables_match_oscap() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = work.path().join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/multi.conf"),
        "# head\nkey = one\nKey = two\n\nkey=three\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("etc/sub")).unwrap();
    fs::write(root.join("etc/other.conf"), "key=four\n").unwrap();
    fs::write(root.join("etc/sub/multi.conf"), "key=five\n").unwrap();
    let vars = "<variables>\
        <constant_variable id=\"oval:p:var:1\" version=\"1\" datatype=\"string\" comment=\"p\">\
        <value>^key\\s*=\\s*(\\w+)$</value><value>^Key\\s*=\\s*(\\w+)$</value></constant_variable>\
        <constant_variable id=\"oval:p:var:2\" version=\"1\" datatype=\"string\" comment=\"p\">\
        <value>^key</value><value>(</value></constant_variable>\
        <constant_variable id=\"oval:p:var:3\" version=\"1\" datatype=\"string\" comment=\"p\">\
        <value>/etc/multi.conf</value><value>/etc/other.conf</value><value>/etc/nonexist</value></constant_variable>\
        <constant_variable id=\"oval:p:var:4\" version=\"1\" datatype=\"string\" comment=\"p\">\
        <value>/etc</value><value>/etc/sub</value></constant_variable></variables>";
    let states = "<ind:textfilecontent54_state id=\"oval:p:ste:1\" version=\"1\"><ind:subexpression>two</ind:subexpression></ind:textfilecontent54_state>\
        <ind:textfilecontent54_state id=\"oval:p:ste:2\" version=\"1\"><ind:subexpression operation=\"pattern match\">^t</ind:subexpression></ind:textfilecontent54_state>";
    let (mut defs, mut tests, mut objs) = (String::new(), String::new(), String::new());
    let mut n = 1;
    let pattern_var = |var: u32, check: &str| {
        format!(
            "<ind:filepath>/etc/multi.conf</ind:filepath>\
             <ind:pattern operation=\"pattern match\" var_ref=\"oval:p:var:{var}\" var_check=\"{check}\"/>"
        )
    };
    let path_var = |entities: &str, check: &str| {
        format!(
            "{}<ind:pattern operation=\"pattern match\">^key=(\\w+)</ind:pattern>",
            entities.replace("CHECK", check)
        )
    };
    let filepath = "<ind:filepath var_ref=\"oval:p:var:3\" var_check=\"CHECK\"/>";
    let path = "<ind:path var_ref=\"oval:p:var:4\" var_check=\"CHECK\"/><ind:filename>multi.conf</ind:filename>";
    let objects = [
        pattern_var(1, "all"),
        pattern_var(1, "at least one"),
        pattern_var(1, "none satisfy"),
        pattern_var(1, "only one"),
        pattern_var(2, "all"),
        path_var(filepath, "all"),
        path_var(filepath, "at least one"),
        path_var(filepath, "only one"),
        path_var(path, "all"),
        path_var(path, "at least one"),
    ];
    for (o, body) in (1..).zip(objects) {
        objs.push_str(&format!(
            "<ind:textfilecontent54_object id=\"oval:p:obj:{o}\" version=\"1\">{body}\
             <ind:instance datatype=\"int\" operation=\"greater than or equal\">1</ind:instance></ind:textfilecontent54_object>"
        ));
        for (state, test_check) in [
            ("", "all"),
            ("oval:p:ste:1", "none satisfy"),
            ("oval:p:ste:1", "only one"),
            ("oval:p:ste:2", "all"),
            ("oval:p:ste:2", "at least one"),
        ] {
            let st = if state.is_empty() {
                String::new()
            } else {
                format!("<ind:state state_ref=\"{state}\"/>")
            };
            tests.push_str(&format!(
                "<ind:textfilecontent54_test id=\"oval:p:tst:{n}\" version=\"1\" check=\"{test_check}\" comment=\"p\">\
                 <ind:object object_ref=\"oval:p:obj:{o}\"/>{st}</ind:textfilecontent54_test>"
            ));
            defs.push_str(&one_test_definition(n, "p"));
            n += 1;
        }
    }
    let doc = work.path().join("patterns.oval.xml");
    fs::write(&doc, linux_document(&defs, &tests, &objs, states, vars)).unwrap();
    let mine = same_as_oscap(&doc, &root, work.path(), "pattern variables");
    assert_results_include(
        &mine,
        &[OvalResult::True, OvalResult::False, OvalResult::Error],
    );
}

/// rpminfo_object behavior `filepaths="true"` (OVAL 5.11.1): each item lists every path of its
/// package as `filepath` (owned directories, config files and symlinks included), which states
/// and variables can then use.
///
/// Reference-tool defect, deliberately not copied: oscap 1.3.7's rpminfo probe (and its
/// current source) walks the package's file list twice, so every path appears twice in its
/// item; an entity_check "only one" state or a count of the paths then differs from the
/// package's real list (rpm -ql). Only comparisons the duplication cannot change are made here.
#[test]
fn rpminfo_filepaths_behavior_matches_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let specs = [
        RpmSpec::new("pkgf", "1.0", "1")
            .arch("x86_64")
            .file(SpecFile::dir("/usr/share/pkgf"))
            .file(SpecFile::file("/usr/share/pkgf/a", "a\n"))
            .file(SpecFile::file("/etc/pkgf.conf", "x=1\n").directive("%config(noreplace)"))
            .file(SpecFile::symlink("/usr/share/pkgf/link", "a")),
        RpmSpec::new("pkgg", "2.0", "1")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkgg/b", "b\n")),
    ];
    let root = common::build_root(work.path(), &specs, None);
    let objects = "<linux:rpminfo_object id=\"oval:r:obj:1\" version=\"1\"><linux:behaviors filepaths=\"true\"/>\
        <linux:name operation=\"pattern match\">^pkg[fg]$</linux:name></linux:rpminfo_object>\
        <linux:rpminfo_object id=\"oval:r:obj:2\" version=\"1\"><linux:behaviors filepaths=\"true\"/>\
        <linux:name>pkgf</linux:name></linux:rpminfo_object>";
    let mut states = String::new();
    let mut state_refs = Vec::new();
    for (i, entity) in [
        "<linux:filepath entity_check=\"at least one\">/usr/share/pkgf</linux:filepath>",
        "<linux:filepath entity_check=\"at least one\">/etc/pkgf.conf</linux:filepath>",
        "<linux:filepath entity_check=\"at least one\">/usr/share/pkgf/link</linux:filepath>",
        "<linux:filepath operation=\"pattern match\">^/usr/share/</linux:filepath>",
    ]
    .iter()
    .enumerate()
    {
        states.push_str(&format!(
            "<linux:rpminfo_state id=\"oval:r:ste:{}\" version=\"1\">{entity}</linux:rpminfo_state>",
            i + 1
        ));
        state_refs.push(i + 1);
    }
    let (mut defs, mut tests) = (String::new(), String::new());
    let mut n = 1;
    for s in &state_refs {
        for (obj, check) in [(1, "all"), (1, "at least one"), (2, "all")] {
            tests.push_str(&format!(
                "<linux:rpminfo_test id=\"oval:r:tst:{n}\" version=\"1\" check=\"{check}\" comment=\"r\">\
                 <linux:object object_ref=\"oval:r:obj:{obj}\"/><linux:state state_ref=\"oval:r:ste:{s}\"/></linux:rpminfo_test>"
            ));
            defs.push_str(&one_test_definition(n, "r"));
            n += 1;
        }
    }
    let doc = work.path().join("filepaths.oval.xml");
    fs::write(
        &doc,
        linux_document(&defs, &tests, objects, &states, "").replace(
            "<oval:schema_version>5.11</oval:schema_version>",
            "<oval:schema_version>5.11.1</oval:schema_version>",
        ),
    )
    .unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "rpminfo filepaths");
    assert_results_include(&mine, &[OvalResult::True, OvalResult::False]);
}

/// A variable that cannot be computed (its object is an error, its regex_capture pattern does
/// not compile, an external variable without value): oscap still gives its variable_object one
/// item, without any value — a test without state is true, a state on `value` is unknown —
/// whereas a variable over an object that does not exist gives an object that does not exist.
/// A variable that is computed but has no value (a substring past the end) also gives one
/// item without value, and a reference to it cannot be computed. An object entity taking its
/// value from any of these matches nothing (does not exist).
#[test]
fn variables_in_error_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = common::build_root(work.path(), &[common::release_pkg("8.6", "0.1.el8")], None);
    let objects_base = "<linux:rpminfo_object id=\"oval:e:obj:1\" version=\"1\"><linux:name operation=\"pattern match\">(</linux:name></linux:rpminfo_object>\
        <linux:rpminfo_object id=\"oval:e:obj:2\" version=\"1\"><linux:name>nothere</linux:name></linux:rpminfo_object>\
        <linux:rpminfo_object id=\"oval:e:obj:3\" version=\"1\"><set><object_reference>oval:e:obj:1</object_reference><object_reference>oval:e:obj:2</object_reference></set></linux:rpminfo_object>";
    let functions = [
        "<count><object_component object_ref=\"oval:e:obj:1\" item_field=\"name\"/></count>",
        "<count><object_component object_ref=\"oval:e:obj:3\" item_field=\"name\"/></count>",
        "<object_component object_ref=\"oval:e:obj:1\" item_field=\"name\"/>",
        "<regex_capture pattern=\"(\"><literal_component>abc</literal_component></regex_capture>",
        "<count><object_component object_ref=\"oval:e:obj:2\" item_field=\"name\"/></count>",
        "<object_component object_ref=\"oval:e:obj:2\" item_field=\"name\"/>",
        "<variable_component var_ref=\"oval:e:var:1\"/>",
        // complete but without values: a substring past the end; a reference to that; a count
        // of an empty split (0)
        "<substring substring_start=\"10\" substring_length=\"2\"><literal_component>abc</literal_component></substring>",
        "<count><variable_component var_ref=\"oval:e:var:17\"/></count>",
        "<count><split delimiter=\"\"><literal_component></literal_component></split></count>",
    ];
    let states = "<ind:variable_state id=\"oval:e:ste:1\" version=\"1\"><ind:value operation=\"pattern match\">^</ind:value></ind:variable_state>\
        <ind:variable_state id=\"oval:e:ste:2\" version=\"1\"><ind:value datatype=\"int\">0</ind:value></ind:variable_state>";
    let (mut defs, mut tests, mut objs, mut vars) = (
        String::new(),
        String::new(),
        objects_base.to_string(),
        String::new(),
    );
    let mut n = 1;
    for (v, f) in (10..).zip(functions) {
        vars.push_str(&format!(
            "<local_variable id=\"oval:e:var:{v}\" version=\"1\" datatype=\"string\" comment=\"e\">{f}</local_variable>"
        ));
        objs.push_str(&format!(
            "<ind:variable_object id=\"oval:e:obj:{v}\" version=\"1\"><ind:var_ref>oval:e:var:{v}</ind:var_ref></ind:variable_object>"
        ));
        for (state, existence) in [
            ("", "at_least_one_exists"),
            ("", "none_exist"),
            (
                "<ind:state state_ref=\"oval:e:ste:1\"/>",
                "at_least_one_exists",
            ),
            (
                "<ind:state state_ref=\"oval:e:ste:2\"/>",
                "at_least_one_exists",
            ),
        ] {
            tests.push_str(&format!(
                "<ind:variable_test id=\"oval:e:tst:{n}\" version=\"1\" check=\"all\" check_existence=\"{existence}\" \
                 comment=\"e\"><ind:object object_ref=\"oval:e:obj:{v}\"/>{state}</ind:variable_test>"
            ));
            defs.push_str(&one_test_definition(n, "e"));
            n += 1;
        }
    }
    // rpminfo objects whose name comes from each variable (and from the external one).
    vars.push_str(
        "<external_variable id=\"oval:e:var:1\" version=\"1\" datatype=\"string\" comment=\"no value given\"/>",
    );
    for v in (10..20).chain([1]) {
        let o = 100 + v;
        objs.push_str(&format!(
            "<linux:rpminfo_object id=\"oval:e:obj:{o}\" version=\"1\"><linux:name var_ref=\"oval:e:var:{v}\"/></linux:rpminfo_object>"
        ));
        for existence in ["at_least_one_exists", "none_exist"] {
            tests.push_str(&format!(
                "<linux:rpminfo_test id=\"oval:e:tst:{n}\" version=\"1\" check=\"all\" check_existence=\"{existence}\" \
                 comment=\"e\"><linux:object object_ref=\"oval:e:obj:{o}\"/></linux:rpminfo_test>"
            ));
            defs.push_str(&one_test_definition(n, "e"));
            n += 1;
        }
    }
    let doc = work.path().join("var-errors.oval.xml");
    fs::write(
        &doc,
        linux_document(
            &defs,
            &tests,
            &objs,
            states,
            &format!("<variables>{vars}</variables>"),
        ),
    )
    .unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "variables in error");
    assert_results_include(
        &mine,
        &[OvalResult::True, OvalResult::False, OvalResult::Unknown],
    );
}

/// file_object items as oscap fills them: `has_extended_acl` (an access ACL, or a default ACL
/// on a directory; a symlink answers for its target, a dangling one has the entity "does not
/// exist") and the empty filename of a directory item.
#[test]
fn file_items_match_oscap() {
    if !tools() || !testkit::require_tool("setfacl") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let root = common::build_root(work.path(), &[common::release_pkg("8.6", "0.1.el8")], None);
    let d = root.join("etc/acls");
    fs::create_dir_all(d.join("plaindir")).unwrap();
    fs::create_dir_all(d.join("defdir")).unwrap();
    fs::write(d.join("plain"), "x\n").unwrap();
    fs::write(d.join("acl"), "x\n").unwrap();
    std::os::unix::fs::symlink("acl", d.join("link")).unwrap();
    std::os::unix::fs::symlink("nowhere", d.join("dangling")).unwrap();
    let setfacl = |args: &[&str], p: &Path| {
        testkit::command("setfacl")
            .args(args)
            .arg(p)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !setfacl(&["-m", "u:nobody:r"], &d.join("acl"))
        || !setfacl(&["-d", "-m", "u:nobody:r"], &d.join("defdir"))
    {
        eprintln!("skipping: the work directory's filesystem has no ACLs");
        return;
    }
    let mut objects = String::new();
    for (i, name) in ["plain", "acl", "link", "dangling"].iter().enumerate() {
        objects.push_str(&format!(
            "<unix:file_object id=\"oval:f:obj:{}\" version=\"1\"><unix:filepath>/etc/acls/{name}</unix:filepath></unix:file_object>",
            i + 1
        ));
    }
    for (i, name) in ["plaindir", "defdir"].iter().enumerate() {
        objects.push_str(&format!(
            "<unix:file_object id=\"oval:f:obj:{}\" version=\"1\"><unix:path>/etc/acls/{name}</unix:path>\
             <unix:filename xsi:nil=\"true\"/></unix:file_object>",
            i + 5
        ));
    }
    let states = "<unix:file_state id=\"oval:f:ste:1\" version=\"1\"><unix:has_extended_acl datatype=\"boolean\">false</unix:has_extended_acl></unix:file_state>\
        <unix:file_state id=\"oval:f:ste:2\" version=\"1\"><unix:has_extended_acl datatype=\"boolean\">true</unix:has_extended_acl></unix:file_state>\
        <unix:file_state id=\"oval:f:ste:3\" version=\"1\"><unix:filename></unix:filename></unix:file_state>\
        <unix:file_state id=\"oval:f:ste:4\" version=\"1\"><unix:filename operation=\"pattern match\">^$</unix:filename></unix:file_state>";
    let (mut defs, mut tests) = (String::new(), String::new());
    let mut n = 1;
    for o in 1..=6 {
        for s in 1..=4 {
            tests.push_str(&format!(
                "<unix:file_test id=\"oval:f:tst:{n}\" version=\"1\" check=\"all\" comment=\"f\">\
                 <unix:object object_ref=\"oval:f:obj:{o}\"/><unix:state state_ref=\"oval:f:ste:{s}\"/></unix:file_test>"
            ));
            defs.push_str(&one_test_definition(n, "f"));
            n += 1;
        }
    }
    let doc = work.path().join("file-items.oval.xml");
    let text = linux_document(&defs, &tests, &objects, states, "").replace(
        "xmlns:unix=",
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:unix=",
    );
    fs::write(&doc, text).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = same_as_oscap(&doc, &root, work.path(), "file items");
    assert_results_include(&mine, &[OvalResult::True, OvalResult::False]);
}
