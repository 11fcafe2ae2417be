//! Shared helpers of the rpmdb integration tests: locating fixtures, reading rpm's expected
//! outputs, comparing with a readable diff, and rendering the typed API (`Package`,
//! `FileEntry`) in rpm's column format to cross-check it against rpm.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use rpmdb::query::{self, Mode};
use rpmdb::Package;

pub fn local_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// shared/fixtures/rpmdb (None outside CI when absent; a panic under CI=true).
pub fn shared_rpmdb() -> Option<PathBuf> {
    testkit::shared_fixtures().map(|d| d.join("rpmdb"))
}

pub fn read_expected(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if name.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        out
    } else {
        raw
    }
}

/// Header blobs of a header-blob fixture folder: every *.bin / *.header file, and the
/// entries of bins.tar.zst.
pub fn load_blob_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        if n.ends_with(".tar.zst") {
            let f = std::fs::File::open(&p).unwrap();
            let dec = zstd::Decoder::new(f).unwrap();
            let mut ar = tar::Archive::new(dec);
            for e in ar.entries().unwrap() {
                let mut e = e.unwrap();
                if !e.header().entry_type().is_file() {
                    continue;
                }
                let name = e.path().unwrap().display().to_string();
                let mut blob = Vec::new();
                e.read_to_end(&mut blob).unwrap();
                out.push((name, blob));
            }
        } else if n.ends_with(".bin") || n.ends_with(".header") {
            out.push((n, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Multiset diff of two line lists, at most `limit` lines each way.
fn line_diff(expected: &[u8], got: &[u8], limit: usize) -> String {
    let mut counts: BTreeMap<&[u8], i64> = BTreeMap::new();
    for l in expected.split(|&b| b == b'\n') {
        *counts.entry(l).or_default() += 1;
    }
    for l in got.split(|&b| b == b'\n') {
        *counts.entry(l).or_default() -= 1;
    }
    let (mut missing, mut extra) = (Vec::new(), Vec::new());
    for (l, c) in counts {
        let s = String::from_utf8_lossy(l).into_owned();
        if c > 0 {
            missing.push(s);
        } else if c < 0 {
            extra.push(s);
        }
    }
    let mut out = format!(
        "{} lines only in rpm's output, {} only in ours\n",
        missing.len(),
        extra.len()
    );
    for l in missing.iter().take(limit) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in extra.iter().take(limit) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// Asserts byte equality, printing a line diff when they differ.
pub fn assert_same(what: &str, expected: &[u8], got: &[u8]) {
    if expected != got {
        panic!(
            "{what}: our output differs from rpm's\n{}",
            line_diff(expected, got, 15)
        );
    }
}

/// Some expected-files.tsv.gz files name the first column PACKAGE instead of NEVRA (same
/// --qf, see shared/fixtures/rpmdb/README.txt); only the header line differs.
pub fn normalise_files_header(expected: Vec<u8>) -> Vec<u8> {
    let prefix = b"PACKAGE\tFILENAMES\t";
    if expected.starts_with(prefix) {
        let mut v = b"NEVRA".to_vec();
        v.extend_from_slice(&expected[b"PACKAGE".len()..]);
        v
    } else {
        expected
    }
}

fn none(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "(none)".into())
}

/// The `--info` line of a package built from the typed `Package` fields only.
pub fn typed_info_line(p: &Package) -> String {
    let h = &p.header;
    let size = if h.has(rpmdb::tags::LONGSIZE) || h.has(rpmdb::tags::SIZE) {
        p.size.to_string()
    } else {
        "(none)".into()
    };
    [
        p.name.clone(),
        p.epoch_num().to_string(),
        p.version.clone(),
        p.release.clone(),
        none(p.arch.as_ref()),
        none(p.installtime),
        none(p.buildtime),
        none(p.vendor.as_ref()),
        none(p.packager.as_ref()),
        none(p.buildhost.as_ref()),
        size,
        none(p.sourcerpm.as_ref()),
        none(p.license.as_ref()),
        {
            let text = p.signature_text();
            if let Some(sig) = &p.signature {
                assert_eq!(text, sig.summary());
            }
            text
        },
    ]
    .join("\t")
}

fn fflags(v: u32) -> String {
    use rpmdb::tags::fileflags::*;
    [
        (DOC, 'd'),
        (CONFIG, 'c'),
        (SPECFILE, 's'),
        (MISSINGOK, 'm'),
        (NOREPLACE, 'n'),
        (GHOST, 'g'),
        (LICENSE, 'l'),
        (README, 'r'),
        (ARTIFACT, 'a'),
    ]
    .iter()
    .filter(|(b, _)| v & b != 0)
    .map(|(_, c)| *c)
    .collect()
}

fn fstate(v: Option<u8>) -> String {
    match v {
        None => "(none)",
        Some(0) => "normal",
        Some(1) => "replaced",
        Some(2) => "not installed",
        Some(3) => "net shared",
        Some(4) => "wrong color",
        Some(_) => "(unknown)",
    }
    .into()
}

/// Columns of expected-files rows that the typed `FileEntry` carries (FILEDIGESTALGO and
/// FILEDEVICES are per-header / not in FileEntry and are dropped).
const TYPED_COLUMNS: [usize; 15] = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16];

pub fn project_expected_files(expected: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(expected);
    let mut rows: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            TYPED_COLUMNS
                .iter()
                .map(|&i| f[i])
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    rows.sort();
    rows
}

/// File rows from the typed `Package::files()` in the projected column set.
pub fn typed_file_rows(p: &Package) -> Vec<String> {
    let nevra = format!(
        "{}-{}-{}.{}",
        p.name,
        p.version,
        p.release,
        none(p.arch.as_ref())
    );
    p.files()
        .unwrap_or_else(|e| panic!("{nevra}: files(): {e}"))
        .iter()
        .map(|f| {
            [
                nevra.clone(),
                f.path.clone(),
                format!("{:o}", f.mode),
                f.size.to_string(),
                f.digest.clone(),
                f.mtime.to_string(),
                f.user.clone(),
                f.group.clone(),
                fflags(f.flags),
                fstate(f.state),
                f.linkto.clone(),
                f.rdev.to_string(),
                f.inode.to_string(),
                f.verify_flags.to_string(),
                none(f.caps.as_ref()),
            ]
            .join("\t")
        })
        .collect()
}

/// Checks the blobs of one fixture against rpm's expected-* files in `dir`, through both the
/// rpm-format renderer and the typed API. Returns the number of packages.
pub fn check_blobs_against_rpm(what: &str, dir: &Path, blobs: Vec<(String, Vec<u8>)>) -> usize {
    let mut warnings = Vec::new();
    let headers = query::load_headers(blobs.clone(), &mut warnings);
    let packages = query::render_headers(&headers, Mode::Packages, &mut warnings);
    assert_same(
        &format!("{what} packages"),
        &read_expected(dir, "expected-packages.tsv"),
        &packages,
    );
    let info = query::render_headers(&headers, Mode::Info, &mut Vec::new());
    let expected_info = read_expected(dir, "expected-info.tsv");
    assert_same(&format!("{what} info"), &expected_info, &info);
    let files = query::render_headers(&headers, Mode::Files, &mut Vec::new());
    let expected_files = normalise_files_header(read_expected(dir, "expected-files.tsv.gz"));
    assert_same(&format!("{what} files"), &expected_files, &files);
    // The one-pass path rpmdb-query takes (parse, check and format per worker) prints the same.
    let mut one_pass = Vec::new();
    let mut one_pass_warnings = Vec::new();
    query::write_blobs(
        blobs.clone(),
        Mode::Files,
        &mut one_pass_warnings,
        &mut one_pass,
    )
    .unwrap();
    assert_same(
        &format!("{what} files, one pass"),
        &expected_files,
        &one_pass,
    );
    // ... and skips the same headers, reported in the same order.
    let mut two_pass_warnings = Vec::new();
    query::load_headers(blobs.clone(), &mut two_pass_warnings);
    assert_eq!(
        one_pass_warnings, two_pass_warnings,
        "{what}: skip warnings"
    );

    // The typed API on the same headers (parse_package itself is checked on the small sets).
    let mut typed_info = Vec::new();
    let mut typed_files = Vec::new();
    for (name, h) in headers {
        let p = Package::from_header(h).unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
        typed_info.push(typed_info_line(&p));
        typed_files.extend(typed_file_rows(&p));
    }
    if blobs.len() < 10 {
        // parse_package agrees with load_headers on which headers are kept.
        let kept = blobs
            .iter()
            .filter(|(_, b)| rpmdb::parse_package(b).unwrap().is_some())
            .count();
        assert_eq!(
            kept,
            typed_info.len(),
            "{what}: parse_package keeps other headers"
        );
    }
    typed_info.sort();
    let mut expected_rows: Vec<String> = String::from_utf8_lossy(&expected_info)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    expected_rows.sort();
    assert_eq!(
        typed_info, expected_rows,
        "{what}: typed Package fields differ from rpm --info"
    );
    typed_files.sort();
    let projected = project_expected_files(&expected_files);
    if typed_files != projected {
        let a = projected.join("\n");
        let b = typed_files.join("\n");
        panic!(
            "{what}: typed FileEntry list differs from rpm\n{}",
            line_diff(a.as_bytes(), b.as_bytes(), 15)
        );
    }
    String::from_utf8_lossy(&packages).lines().count()
}
