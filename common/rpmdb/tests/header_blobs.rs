//! Every raw header-blob fixture parsed by our header parser must give exactly what real rpm
//! 4.18 printed for it (package list, --info columns, file columns), both through the rpm-format
//! renderer and the typed Package/FileEntry API. Headers with BAD digests are skipped like rpm.

mod support;

use support::*;

#[test]
fn claircore_header_matches_rpm() {
    let dir = local_fixtures().join("header-blobs/claircore-package-header");
    let n = check_blobs_against_rpm("claircore-package-header", &dir, load_blob_dir(&dir));
    assert_eq!(n, 1);
}

#[test]
fn bad_digest_header_is_skipped_like_rpm() {
    let dir = local_fixtures().join("header-blobs/go-rpmdb-bad-digests");
    let blobs = load_blob_dir(&dir);
    assert_eq!(blobs.len(), 1);
    // The blob itself parses; only its digests are wrong.
    let h = rpmdb::Header::parse(&blobs[0].1).unwrap();
    assert_eq!(
        rpmdb::digest::check(&h),
        rpmdb::digest::DigestCheck::Bad(vec!["SHA256", "SHA1"])
    );
    let checked = rpmdb::parse_package_checked(blobs[0].1.clone()).unwrap();
    let skipped = checked.expect_err("rpm skips this header");
    assert_eq!(
        skipped.reason,
        "Header SHA256 digest: BAD, Header SHA1 digest: BAD"
    );
    // rpm's own message names the same two digests.
    let stderr = String::from_utf8(read_expected(&dir, "rpm-stderr.txt")).unwrap();
    assert!(
        stderr.contains("Header SHA256 digest: BAD") && stderr.contains("Header SHA1 digest: BAD")
    );
    let n = check_blobs_against_rpm("go-rpmdb-bad-digests", &dir, blobs);
    assert_eq!(n, 0);
}

#[test]
fn every_shared_header_blob_set_matches_rpm() {
    let Some(shared) = shared_rpmdb() else { return };
    let root = shared.join("header-blobs");
    let mut sets: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected-packages.tsv").exists())
        .collect();
    sets.sort();
    assert!(
        sets.len() >= 8,
        "expected the 8 header-blob sets, found {sets:?}"
    );
    // Two workers (CI has two cores); each set is checked independently.
    let next = std::sync::Mutex::new(sets.into_iter());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(dir) = next.lock().unwrap().next() else {
                    break;
                };
                let name = dir.file_name().unwrap().to_string_lossy().into_owned();
                let blobs = load_blob_dir(&dir);
                assert!(!blobs.is_empty(), "{name}: no blobs");
                let n = check_blobs_against_rpm(&name, &dir, blobs);
                eprintln!("{name}: {n} packages identical to rpm");
            });
        }
    });
}

#[test]
fn digest_check_passes_on_every_real_header() {
    let dir = local_fixtures().join("header-blobs/claircore-package-header");
    for (_, blob) in load_blob_dir(&dir) {
        let h = rpmdb::Header::parse(&blob).unwrap();
        assert_eq!(rpmdb::digest::check(&h), rpmdb::digest::DigestCheck::Ok);
    }
}

#[test]
fn typed_fields_of_a_real_header() {
    let dir = local_fixtures().join("header-blobs/claircore-package-header");
    let (_, blob) = load_blob_dir(&dir).remove(0);
    let p = rpmdb::parse_package(&blob).unwrap().unwrap();
    assert_eq!(
        p.nevra(),
        "crypto-policies-20210213-1.git5c710c0.fc34.noarch"
    );
    assert_eq!(p.evr(), rpmdb::Evr::parse("20210213-1.git5c710c0.fc34"));
    // Dependencies are parallel arrays: names, flags and versions line up.
    let own = p
        .provides
        .iter()
        .find(|d| d.name == "crypto-policies")
        .expect("a package provides itself");
    assert_eq!(
        own.flags & rpmdb::tags::sense::EQUAL,
        rpmdb::tags::sense::EQUAL
    );
    assert_eq!(own.version, "20210213-1.git5c710c0.fc34");
    assert!(!p.requires.is_empty());
    // Corrupting any single byte of the blob never panics.
    for i in 0..blob.len().min(4096) {
        let mut b = blob.clone();
        b[i] ^= 0xff;
        if let Ok(Some(p)) = rpmdb::parse_package(&b) {
            let _ = p.files();
        }
    }
}

/// A package's identity read alone (what scanner-yum-update reads of every installed package)
/// is the full parse's, and is skipped exactly when the full parse is.
#[test]
fn package_id_is_the_full_packages_identity() {
    let root = local_fixtures().join("header-blobs");
    let mut seen = (0, 0);
    let sets = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path());
    for set in sets.filter(|p| p.is_dir()) {
        for (name, blob) in load_blob_dir(&set) {
            let full = rpmdb::parse_package_checked(blob.clone()).unwrap();
            let id = rpmdb::parse_package_id_checked(blob).unwrap();
            match (full, id) {
                (Ok(p), Ok(i)) => {
                    seen.0 += 1;
                    assert_eq!(
                        (p.name, p.epoch, p.version, p.release, p.arch, p.provides),
                        (i.name, i.epoch, i.version, i.release, i.arch, i.provides),
                        "{name}"
                    );
                }
                (Err(a), Err(b)) => {
                    seen.1 += 1;
                    assert_eq!(a, b, "{name}");
                }
                (a, b) => panic!("{name}: full {:?} vs identity {:?}", a.is_ok(), b.is_ok()),
            }
        }
    }
    assert!(seen.0 > 0 && seen.1 > 0, "{seen:?}");
}
