//! XCCDF semantics on a hand-written benchmark (tests/fixtures/semantics), composed into a
//! source data stream by `oscap ds sds-compose` and evaluated by `oscap xccdf eval` with two
//! profiles (one extending the other): the native XCCDF layer, given oscap's own OVAL results,
//! gives the same result for every rule (multi-check results compared as multisets), the same
//! score, and exports the Value the profile selects.

mod common;

use std::collections::BTreeMap;

use openscap_xccdf::native::{evaluate_native, NativeInput};
use openscap_xccdf::{ComplianceOptions, DataStreamCollection, Engine};

fn results(r: &openscap_xccdf::ComplianceResult) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for x in &r.rules {
        m.entry(x.rule_id.clone())
            .or_default()
            .push(x.result.to_string());
    }
    m.values_mut().for_each(|v| v.sort());
    m
}

#[test]
fn hand_written_semantics_equal_oscap() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let (_dir, ds_path, root) = common::compose_fixture("semantics", "xccdf.xml");
    let ds = DataStreamCollection::load(&ds_path).unwrap();
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    let mut r8 = Vec::new();
    for (profile, exported) in [
        ("xccdf_org.test_profile_base", "4"),
        ("xccdf_org.test_profile_child", "5"),
    ] {
        let mut opts = ComplianceOptions::new(&ds_path)
            .profile(profile)
            .engine(Engine::Oscap);
        opts.oscap.skip_validation = true;
        let run = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
        let table = common::TableEvaluator::new(common::oval_results_of_arf(&run.arf));
        let input = NativeInput {
            ds: &ds,
            profile: Some(profile),
            datastream_id: None,
            xccdf_id: None,
        };
        let (ours, _) = evaluate_native(&rootfs, &input, &table).unwrap();
        let (o, t) = (results(&ours), results(&run.result));
        for (id, theirs) in &t {
            assert_eq!(o.get(id), Some(theirs), "{profile} {id}");
        }
        assert_eq!(o.len(), t.len());
        assert!(
            (ours.score - run.result.score).abs() < 1e-3,
            "{profile}: score {} vs {}",
            ours.score,
            run.result.score
        );
        assert_eq!(
            table.seen_vars.lock().unwrap().get("oval:t:var:1"),
            Some(&vec![exported.to_string()]),
            "{profile}: exported value"
        );
        let r1 = ours
            .rules
            .iter()
            .find(|x| x.rule_id == "xccdf_org.test_rule_r1")
            .unwrap();
        let t1 = run
            .result
            .rules
            .iter()
            .find(|x| x.rule_id == "xccdf_org.test_rule_r1")
            .unwrap();
        assert_eq!(
            (r1.severity.as_str(), r1.weight),
            (t1.severity.as_str(), t1.weight),
            "{profile}: refine-rule"
        );
        r8.push(o["xccdf_org.test_rule_r8"].clone());
        eprintln!(
            "{profile}: {} rule results equal to oscap, score {:.6}",
            ours.rules.len(),
            ours.score
        );
    }
    // The exported Value decides the verdict: 4 fails, 5 passes.
    assert_eq!(r8, [vec!["fail".to_string()], vec!["pass".to_string()]]);
}
