//! scanner-openscap (cve) end to end: hostile image trees under an OVAL document whose tests
//! read files through every kind of hostile entry (links to the host, fifos, devices, loops, a
//! deep tree, a link to the host's passwd), hostile OVAL documents (billion laughs, external
//! entity, bzip2 bomb) given with `--oval`, and a data stream nested absurdly deep.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use testkit::{rpm_install, RpmSpec, SpecFile};

/// Definitions whose result is `true` only if the scanner saw the host through the image
/// (`leak-*`: file content, a directory walk, the password collector, symlink resolution), plus
/// one that is `true` on every target with a readable database (`installed`). Each `leak-*`
/// definition is `true` on an image that really holds what it looks for.
const OVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
  xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
  xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
  xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"
  xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">
  <generator>
    <oval:product_name>hostile-tests</oval:product_name>
    <oval:schema_version>5.11</oval:schema_version>
    <oval:timestamp>2026-01-01T00:00:00</oval:timestamp>
  </generator>
  <definitions>
    <definition id="oval:h:def:1" version="1" class="patch"><metadata><title>leak-passwd</title><description>image passwd shows host content</description><reference source="CVE" ref_id="CVE-0000-0001"/></metadata>
      <criteria><criterion test_ref="oval:h:tst:1"/></criteria></definition>
    <definition id="oval:h:def:2" version="1" class="patch"><metadata><title>leak-sentinel</title><description>a file in /usr/share/hx shows the host sentinel</description><reference source="CVE" ref_id="CVE-0000-0002"/></metadata>
      <criteria><criterion test_ref="oval:h:tst:2"/></criteria></definition>
    <definition id="oval:h:def:3" version="1" class="patch"><metadata><title>installed</title><description>hx-pkg is installed</description><reference source="CVE" ref_id="CVE-0000-0003"/></metadata>
      <criteria><criterion test_ref="oval:h:tst:3"/></criteria></definition>
    <definition id="oval:h:def:4" version="1" class="patch"><metadata><title>leak-walk</title><description>a recursive walk of /usr/share/hx finds the host sentinel</description><reference source="CVE" ref_id="CVE-0000-0004"/></metadata>
      <criteria><criterion test_ref="oval:h:tst:4"/></criteria></definition>
    <definition id="oval:h:def:5" version="1" class="patch"><metadata><title>leak-users</title><description>the password collector shows a host account</description><reference source="CVE" ref_id="CVE-0000-0005"/></metadata>
      <criteria><criterion test_ref="oval:h:tst:5"/></criteria></definition>
    <definition id="oval:h:def:6" version="1" class="patch"><metadata><title>leak-link</title><description>a symlink resolves to a host path</description><reference source="CVE" ref_id="CVE-0000-0006"/></metadata>
      <criteria operator="OR"><criterion test_ref="oval:h:tst:6"/><criterion test_ref="oval:h:tst:7"/></criteria></definition>
  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:h:tst:1" version="1" check="at least one" comment="passwd"><ind:object object_ref="oval:h:obj:1"/></ind:textfilecontent54_test>
    <ind:textfilecontent54_test id="oval:h:tst:2" version="1" check="at least one" comment="hx files"><ind:object object_ref="oval:h:obj:2"/></ind:textfilecontent54_test>
    <linux:rpminfo_test id="oval:h:tst:3" version="1" check="at least one" comment="hx-pkg"><linux:object object_ref="oval:h:obj:3"/></linux:rpminfo_test>
    <ind:textfilecontent54_test id="oval:h:tst:4" version="1" check="at least one" comment="walk"><ind:object object_ref="oval:h:obj:4"/></ind:textfilecontent54_test>
    <unix:password_test id="oval:h:tst:5" version="1" check="at least one" comment="users"><unix:object object_ref="oval:h:obj:5"/><unix:state state_ref="oval:h:ste:5"/></unix:password_test>
    <unix:symlink_test id="oval:h:tst:6" version="1" check="at least one" comment="abs link"><unix:object object_ref="oval:h:obj:6"/><unix:state state_ref="oval:h:ste:6"/></unix:symlink_test>
    <unix:symlink_test id="oval:h:tst:7" version="1" check="at least one" comment="rel link"><unix:object object_ref="oval:h:obj:7"/><unix:state state_ref="oval:h:ste:6"/></unix:symlink_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:h:obj:1" version="1"><ind:filepath>/etc/passwd</ind:filepath><ind:pattern operation="pattern match">HOSTLEAK</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>
    <ind:textfilecontent54_object id="oval:h:obj:2" version="1"><ind:path>/usr/share/hx</ind:path><ind:filename operation="pattern match">.*</ind:filename><ind:pattern operation="pattern match">SENTINEL</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>
    <linux:rpminfo_object id="oval:h:obj:3" version="1"><linux:name>hx-pkg</linux:name></linux:rpminfo_object>
    <ind:textfilecontent54_object id="oval:h:obj:4" version="1"><ind:behaviors recurse="symlinks and directories" recurse_direction="down" max_depth="-1"/><ind:path>/usr/share/hx</ind:path><ind:filename operation="pattern match">.*</ind:filename><ind:pattern operation="pattern match">SENTINEL</ind:pattern><ind:instance datatype="int" operation="greater than or equal">1</ind:instance></ind:textfilecontent54_object>
    <unix:password_object id="oval:h:obj:5" version="1"><unix:username operation="pattern match">.*</unix:username></unix:password_object>
    <unix:symlink_object id="oval:h:obj:6" version="1"><unix:filepath>/usr/share/hx/abs</unix:filepath></unix:symlink_object>
    <unix:symlink_object id="oval:h:obj:7" version="1"><unix:filepath>/usr/share/hx/rel</unix:filepath></unix:symlink_object>
  </objects>
  <states>
    <unix:password_state id="oval:h:ste:5" version="1"><unix:gcos operation="pattern match">HOSTLEAK</unix:gcos></unix:password_state>
    <unix:symlink_state id="oval:h:ste:6" version="1"><unix:canonical_path operation="pattern match">outside/sentinel$</unix:canonical_path></unix:symlink_state>
  </states>
</oval_definitions>
"#;

fn base_image(work: &Path) -> PathBuf {
    let rpm = RpmSpec::new("hx-pkg", "1.0", "1")
        .file(SpecFile::file("/usr/share/hx/data", "data\n"))
        .build(work)
        .unwrap();
    let root = work.join("base");
    write(
        &root.join("etc/passwd"),
        "root:x:0:0:image root:/root:/bin/sh\n",
    );
    write(&root.join("etc/os-release"), "ID=rhel\nVERSION_ID=9.4\n");
    rpm_install(&root, &[rpm], &[]).unwrap();
    root
}

/// A sandbox whose one target `img` is a bare RHEL 9 tree (just its os-release), for hostile
/// content given on the command line rather than in the image.
fn rhel9_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    write(
        &sb.scanin.join("img/etc/os-release"),
        "ID=rhel\nVERSION_ID=9.4\n",
    );
    sb
}

fn titles(j: &serde_json::Value) -> Vec<String> {
    j["Vulnerabilities"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["Title"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn run_oval(sb: &Sandbox, oval: &Path) -> Run {
    run_oval_within(sb, oval, ADDRESS_SPACE)
}

fn run_oval_within(sb: &Sandbox, oval: &Path, address_space: u64) -> Run {
    let args: Vec<&OsStr> = vec![OsStr::new("--oval"), oval.as_os_str()];
    run_bounded(
        sb,
        &scanner_bin("scanner-openscap"),
        &args,
        address_space,
        None,
    )
}

/// Scans the sandbox's targets with [`OVAL`] within 1 GiB of address space and checks that
/// `img` completed, succeeded, does not report `title`, and nothing outside was touched. Returns
/// the sandbox for more checks.
fn assert_bounded_scan_without(mut sb: Sandbox, title: &str) -> Sandbox {
    let oval = sb.tmp.path().join("hostile.oval.xml");
    write(&oval, OVAL);
    sb.seal_outside();
    run_oval_within(&sb, &oval, 1 << 30).assert_completed();
    let j = sb.json("img");
    assert!(successful(&j), "{j:#}");
    assert!(!titles(&j).contains(&title.to_string()), "{j:#}");
    sb.assert_outside_untouched();
    sb
}

#[test]
fn hostile_trees_under_a_file_reading_oval() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    copy_tree(&base, &sb.scanin.join("good"));
    let t = sb.scanin.join("hostile");
    copy_tree(&base, &t);
    let hx = t.join("usr/share/hx");
    mkfifo(&hx.join("fifo"));
    mksock(&hx.join("sock"));
    mkzero(&hx.join("zero"));
    symlink(sb.outside_path("sentinel"), hx.join("abs")).unwrap();
    let rel = format!(
        "{}{}",
        "../".repeat(30),
        sb.outside_path("sentinel").display()
    );
    symlink(rel.replace("//", "/"), hx.join("rel")).unwrap();
    symlink(sb.outside.clone(), hx.join("outside-dir")).unwrap();
    symlink("loop", hx.join("loop")).unwrap();
    symlink(".", hx.join("self")).unwrap();
    deep_dirs(&hx.join("deep"), 3000);
    remove(&t.join("etc/passwd"));
    symlink(sb.outside_path("passwd"), t.join("etc/passwd")).unwrap();
    // Same, with the database directory a link to the host.
    let nodb = sb.scanin.join("db-host-link");
    copy_tree(&base, &nodb);
    remove(&nodb.join("var/lib/rpm"));
    fs::create_dir_all(sb.outside.join("rpm")).unwrap();
    fs::copy(
        base.join("var/lib/rpm/rpmdb.sqlite"),
        sb.outside.join("rpm/rpmdb.sqlite"),
    )
    .unwrap();
    symlink(sb.outside.join("rpm"), nodb.join("var/lib/rpm")).unwrap();
    let oval = sb.tmp.path().join("hostile.oval.xml");
    write(&oval, OVAL);
    sb.seal_outside();
    let before = sb.fingerprint_inputs();

    let run = run_oval(&sb, &oval);
    run.assert_completed();
    eprintln!(
        "scanner-openscap took {:?}; stderr:\n{}",
        run.elapsed, run.stderr
    );
    sb.assert_outside_untouched();
    assert_eq!(
        sb.fingerprint_inputs(),
        before,
        "the scan modified its inputs"
    );

    let good = sb.json("good");
    assert!(successful(&good), "{good:#}");
    assert_eq!(titles(&good), vec!["installed".to_string()]);
    let j = sb.json("hostile");
    assert!(successful(&j), "{j:#}");
    assert_eq!(titles(&j), vec!["installed".to_string()], "{j:#}");
    let j = sb.json("db-host-link");
    assert!(
        !titles(&j).contains(&"installed".to_string()),
        "host database read: {j:#}"
    );
    if !successful(&j) {
        assert_failed_with(&j, &["rpm database", "not found"]);
    }
}

/// The control for the test above: on an image that itself holds what the `leak-*` definitions
/// look for (a HOSTLEAK account, SENTINEL files, links to an `outside/sentinel` inside the
/// image), every one of them is true, so their staying false above means something.
#[test]
fn leak_definitions_fire_on_an_image_that_holds_them() {
    if !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let sb = Sandbox::new();
    let img = sb.scanin.join("img");
    copy_tree(&base_image(work.path()), &img);
    write(
        &img.join("etc/passwd"),
        "root:x:0:0:HOSTLEAK:/root:/bin/sh\n",
    );
    write(&img.join("x/outside/sentinel"), "SENTINEL\n");
    write(&img.join("usr/share/hx/file"), "SENTINEL\n");
    symlink("/x/outside/sentinel", img.join("usr/share/hx/abs")).unwrap();
    let oval = sb.tmp.path().join("control.oval.xml");
    write(&oval, OVAL);
    run_oval(&sb, &oval).assert_completed();
    let j = sb.json("img");
    let mut got = titles(&j);
    got.sort();
    assert_eq!(
        got,
        [
            "installed",
            "leak-link",
            "leak-passwd",
            "leak-sentinel",
            "leak-users",
            "leak-walk"
        ],
        "{j:#}"
    );
}

/// A 16 MiB /etc/passwd of 1.4 million one-letter accounts under a `password_object` matching
/// every name: collection stops at the item bound, and the scan completes within 1 GiB of
/// address space. (Collecting them all took 1.4 GB and 18 s.)
#[test]
fn huge_passwd_is_bounded() {
    let sb = rhel9_sandbox();
    let line = "a:x:1:1::/:\n";
    let n = (16 << 20) / line.len() - 1;
    write(&sb.scanin.join("img/etc/passwd"), line.repeat(n));
    assert_bounded_scan_without(sb, "leak-users");
}

/// A 60 MiB file of nothing but matching lines under a `textfilecontent54_object`: matching
/// stops at the work bound (the object is an error, not a verdict) and the scan completes in
/// seconds within 1 GiB of address space. (Each PCRE2 match call re-validates the rest of the
/// file, so the 7 million matches took days before the bound; their items would not fit either.)
#[test]
fn file_of_matches_is_bounded() {
    let sb = rhel9_sandbox();
    write(
        &sb.scanin.join("img/usr/share/hx/matches"),
        "SENTINEL\n".repeat(7_000_000),
    );
    assert_bounded_scan_without(sb, "leak-sentinel");
}

/// Symlinks to directories making a DAG: 24 levels under /usr/share/hx/d, each holding two
/// links with 200-byte names to the next level, so a walk that follows symlinks (`leak-walk`:
/// recurse down through symlinks and directories) could meet 2^k paths at level k, each 200
/// bytes longer per level, from 48 inodes (paths reach PATH_MAX near level 20). The walk stops
/// at its budget of path bytes, some 15 levels down (the definition is an error, not a verdict),
/// and the scan completes within 1 GiB of address space. (Before the budget counted path bytes and
/// was shared by the object's walks, 16 levels took 2 GB and 35 s, and each level doubled it.)
#[test]
fn symlink_dag_under_a_walked_directory_is_bounded() {
    let sb = rhel9_sandbox();
    let d = sb.scanin.join("img/usr/share/hx/d");
    let levels = 24;
    for i in 1..=levels {
        let dir = d.join(format!("L{i}"));
        fs::create_dir_all(&dir).unwrap();
        if i < levels {
            for c in ['a', 'b'] {
                let name: String = std::iter::repeat_n(c, 200).collect();
                symlink(format!("/usr/share/hx/d/L{}", i + 1), dir.join(name)).unwrap();
            }
        } else {
            write(&dir.join("f"), "no sentinel here\n");
        }
    }
    let sb = assert_bounded_scan_without(sb, "leak-walk");
    let tsv = fs::read_to_string(sb.scanout.join("img/results.tsv")).unwrap();
    let walk = tsv.lines().find(|l| l.starts_with("oval:h:def:4\t"));
    assert!(walk.is_some_and(|l| l.contains("error")), "{tsv}");
}

/// Seventy symlinks to one 64 MiB file that starts with a NUL, under a `textfilecontent54_object`
/// (`leak-sentinel`): oscap matches only up to the NUL, so there is no text to scan, but each
/// path is still read whole. Reading counts against the object's scan bound, so the object is an
/// error (4.4 GiB read) instead of reading on for free through as many links as the image holds.
#[test]
fn links_to_one_big_file_count_what_they_read() {
    let sb = rhel9_sandbox();
    let hx = sb.scanin.join("img/usr/share/hx");
    let mut big = vec![b'S'; 64 << 20];
    big[0] = 0;
    fs::create_dir_all(&hx).unwrap();
    fs::write(hx.join("big"), &big).unwrap();
    for i in 0..70 {
        symlink("big", hx.join(format!("l{i}"))).unwrap();
    }
    let sb = assert_bounded_scan_without(sb, "leak-sentinel");
    let tsv = fs::read_to_string(sb.scanout.join("img/results.tsv")).unwrap();
    let def = tsv.lines().find(|l| l.starts_with("oval:h:def:2\t"));
    assert!(def.is_some_and(|l| l.contains("error")), "{tsv}");
}

/// XML with a DTD in the OVAL feed: every target fails with the reason, nothing is fetched.
#[test]
fn billion_laughs_and_external_entities_in_oval() {
    let mut sb = rhel9_sandbox();
    let mut dtd = String::from("<!DOCTYPE oval_definitions [\n<!ENTITY lol \"lol\">\n");
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
    dtd.push_str(&format!(
        "<!ENTITY xxe SYSTEM \"file://{}\">\n]>\n",
        sb.outside_path("sentinel").display()
    ));
    let doc = |body: &str| {
        OVAL.replacen("\n", &format!("\n{dtd}"), 1).replace(
            "<title>installed</title>",
            &format!("<title>{body}</title>"),
        )
    };
    let laughs = sb.tmp.path().join("laughs.xml");
    write(&laughs, doc("&lol9;"));
    let xxe = sb.tmp.path().join("xxe.xml");
    write(&xxe, doc("&xxe;"));
    sb.seal_outside();
    for oval in [&laughs, &xxe] {
        let run = run_oval(&sb, oval);
        run.assert_completed();
        let j = sb.json("img");
        assert!(!j.to_string().contains("SENTINEL"));
        assert_failed_with(&j, &["DTD", "DOCTYPE", "entit"]);
    }
    sb.assert_outside_untouched();
}

/// Criteria nested a million levels deep in the feed: the process survives (recursion in the
/// parser, the evaluator or a destructor must not overflow the target thread's stack), and the
/// target is either evaluated or refused with a reason. (Before scanner-openscap bounded XML
/// nesting, this overflowed the 256 MiB target stack and aborted the process.)
#[test]
fn deeply_nested_oval_criteria() {
    let mut sb = rhel9_sandbox();
    let depth = 1_000_000;
    let nested = format!(
        "{}<criterion test_ref=\"oval:h:tst:3\"/>{}",
        "<criteria>".repeat(depth),
        "</criteria>".repeat(depth)
    );
    let doc = OVAL.replacen(
        "<criteria><criterion test_ref=\"oval:h:tst:3\"/></criteria>",
        &nested,
        1,
    );
    assert_ne!(doc, OVAL);
    let oval = sb.tmp.path().join("deep.oval.xml");
    write(&oval, doc);
    sb.seal_outside();
    let run = run_oval(&sb, &oval);
    run.assert_completed();
    let j = sb.json("img");
    if !successful(&j) {
        assert_failed_with(&j, &["deep", "depth", "nest", "rpm database"]);
    }
}

/// XCCDF Groups nested 200,000 levels deep in a data stream given with `--datastream`: the
/// process survives and the target fails with a reason. (Before the nesting bound, the XML
/// parser's recursion overflowed the target thread's stack and aborted the process.)
#[test]
fn deeply_nested_xccdf_groups() {
    let mut sb = rhel9_sandbox();
    let depth = 200_000;
    let groups: String = (0..depth)
        .map(|i| format!("<Group id=\"xccdf_org.h_group_g{i}\"><title>g</title>"))
        .collect();
    let doc = format!(
        "<?xml version=\"1.0\"?>\n<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" \
         id=\"xccdf_org.h_benchmark_b\" resolved=\"1\"><status>draft</status><title>t</title>\
         <version>1</version>{groups}<Rule id=\"xccdf_org.h_rule_r\" selected=\"true\">\
         <title>r</title></Rule>{}</Benchmark>",
        "</Group>".repeat(depth)
    );
    let ds = sb.tmp.path().join("deep-ds.xml");
    write(&ds, doc);
    sb.seal_outside();
    let args: Vec<&OsStr> = vec![
        OsStr::new("--scan-type"),
        OsStr::new("configuration_compliance"),
        OsStr::new("--datastream"),
        ds.as_os_str(),
    ];
    let run = run_bounded(
        &sb,
        &scanner_bin("scanner-openscap"),
        &args,
        ADDRESS_SPACE,
        None,
    );
    run.assert_completed();
    let j = sb.json("img");
    assert!(!successful(&j), "{j}");
    assert_failed_with(&j, &["nested deeper"]);
    sb.assert_outside_untouched();
}

/// An OVAL .bz2 of a few KB expanding to GiBs inside one description: refused by a limit, not
/// by exhausting memory.
#[test]
fn bzip2_bomb_oval_feed() {
    if !testkit::require_tool("bzip2") {
        return;
    }
    let mut sb = rhel9_sandbox();
    let bz = |data: &[u8]| {
        let src = sb.tmp.path().join("bz-src");
        fs::write(&src, data).unwrap();
        let out = Command::new("bzip2")
            .args(["-c", "-9"])
            .arg(&src)
            .output()
            .unwrap();
        out.stdout
    };
    let (head, tail) = OVAL.split_once("hx-pkg is installed").unwrap();
    let mut v = bz(head.as_bytes());
    let spaces = bz(&vec![b' '; 64 << 20]);
    for _ in 0..64 {
        v.extend_from_slice(&spaces);
    }
    v.extend(bz(tail.as_bytes()));
    let oval = sb.tmp.path().join("bomb.oval.xml.bz2");
    fs::write(&oval, v).unwrap();
    sb.seal_outside();
    let run = run_oval(&sb, &oval);
    run.assert_completed();
    assert_failed_with(&sb.json("img"), &["limit", "too large", "larger than"]);
}
