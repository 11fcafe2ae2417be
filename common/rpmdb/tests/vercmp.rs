//! rpmvercmp and EVR ordering against every vector real rpm produced
//! (tests/fixtures/vercmp/*.tsv, copied from shared/fixtures/vercmp).

use std::cmp::Ordering;
use std::path::Path;

use rpmdb::evr::{compare_evr, rpmvercmp, Evr};

fn rows(name: &str) -> Vec<(String, String, Ordering)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vercmp")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "bad row {l:?} in {name}");
            let want = match f[2].trim() {
                "-1" => Ordering::Less,
                "0" => Ordering::Equal,
                "1" => Ordering::Greater,
                other => panic!("bad expectation {other:?} in {name}"),
            };
            (f[0].to_string(), f[1].to_string(), want)
        })
        .collect();
    assert!(!rows.is_empty(), "{name} has no rows");
    rows
}

fn check(name: &str, cmp: impl Fn(&str, &str) -> Ordering) {
    let mut failures = Vec::new();
    let all = rows(name);
    for (a, b, want) in &all {
        let got = cmp(a, b);
        if got != *want {
            failures.push(format!("{a} vs {b}: rpm says {want:?}, we say {got:?}"));
        }
        // Antisymmetry: swapping the operands must reverse the answer.
        let back = cmp(b, a);
        if back != want.reverse() {
            failures.push(format!(
                "{b} vs {a}: expected {:?}, we say {back:?}",
                want.reverse()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} rows fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn rpmvercmp_vectors() {
    check("rpmvercmp.tsv", rpmvercmp);
}

#[test]
fn rpmvercmp_oddities() {
    check("rpmvercmp-oddities.tsv", rpmvercmp);
}

#[test]
fn evr_vectors() {
    check("evrcmp.tsv", |a, b| {
        compare_evr(&Evr::parse(a), &Evr::parse(b))
    });
    check("evrcmp.tsv", |a, b| Evr::parse(a).cmp(&Evr::parse(b)));
}
