//! More XCCDF semantics on small hand-written benchmarks (tests/fixtures/semantics-cases, see
//! its README.txt), each composed into a source data stream by `oscap ds sds-compose` and
//! evaluated by `oscap xccdf eval` with each of its profiles: the native XCCDF layer, given
//! oscap's own OVAL results, gives the same rule-results in the same order (result, severity,
//! weight, role), the same bound Values (the TestResult's set-value) and the same score.

mod common;

use std::collections::BTreeMap;

use openscap_xccdf::native::{evaluate_native, NativeInput};
use openscap_xccdf::{ComplianceOptions, ComplianceResult, DataStreamCollection, Engine};

/// Rule id -> its rule-results in order: "result severity weight role".
fn results(r: &ComplianceResult) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for x in &r.rules {
        m.entry(x.rule_id.clone()).or_default().push(format!(
            "{} {} {} {}",
            x.result, x.severity, x.weight, x.role
        ));
    }
    m
}

/// Evaluates every profile (None: the benchmark defaults) with oscap and natively and compares.
fn same_as_oscap(benchmark: &str, profiles: &[Option<&str>]) {
    if !testkit::require_tool("oscap") {
        return;
    }
    let (_dir, ds_path, root) = common::compose_fixture("semantics-cases", benchmark);
    let ds = DataStreamCollection::load(&ds_path).unwrap();
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    for profile in profiles {
        let mut opts = ComplianceOptions::new(&ds_path).engine(Engine::Oscap);
        if let Some(p) = profile {
            opts = opts.profile(p);
        }
        opts.oscap.skip_validation = true;
        let run = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
        let table = common::TableEvaluator::new(common::oval_results_of_arf(&run.arf));
        let input = NativeInput {
            ds: &ds,
            profile: *profile,
            datastream_id: None,
            xccdf_id: None,
        };
        let (ours, _) = evaluate_native(&rootfs, &input, &table).unwrap();
        assert_eq!(
            results(&ours),
            results(&run.result),
            "{benchmark} {profile:?}: rule-results"
        );
        assert_eq!(
            ours.values, run.result.values,
            "{benchmark} {profile:?}: bound Values"
        );
        assert!(
            (ours.score - run.result.score).abs() < 1e-3,
            "{benchmark} {profile:?}: score {} vs oscap {}",
            ours.score,
            run.result.score
        );
        let systems = |r: &ComplianceResult| {
            r.other_scores
                .iter()
                .map(|s| s.system.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            systems(&ours),
            systems(&run.result),
            "{benchmark} {profile:?}"
        );
        for (o, t) in ours.other_scores.iter().zip(&run.result.other_scores) {
            assert!(
                (o.score - t.score).abs() < 1e-3 && (o.maximum - t.maximum).abs() < 1e-3,
                "{benchmark} {profile:?}: {o:?} vs oscap {t:?}"
            );
        }
        eprintln!(
            "{benchmark} {profile:?}: {} rule-results equal to oscap, score {:.6}",
            ours.rules.len(),
            ours.score
        );
    }
}

/// `extends` over three levels: a child's refine-rule replaces its parent's for the same rule
/// as a whole, a group selected by a profile shows its rules, refine-value/set-value inherited
/// and overridden, an unknown selector (no default fallback), `unscored` from a parent. The
/// abstract base profile cannot be evaluated, by oscap nor by us.
#[test]
fn profiles_extends_and_abstract_equal_oscap() {
    same_as_oscap(
        "profiles.xml",
        &[
            None,
            Some("xccdf_org.t_profile_pB"),
            Some("xccdf_org.t_profile_pC"),
            Some("xccdf_org.t_profile_pD"),
        ],
    );
    if !testkit::require_tool("oscap") {
        return;
    }
    let (_dir, ds_path, root) = common::compose_fixture("semantics-cases", "profiles.xml");
    let abs = "xccdf_org.t_profile_pA";
    let mut opts = ComplianceOptions::new(&ds_path)
        .profile(abs)
        .engine(Engine::Oscap);
    opts.oscap.skip_validation = true;
    assert!(openscap_xccdf::oscap::run_eval(&root, &opts).is_err());
    let ds = DataStreamCollection::load(&ds_path).unwrap();
    let input = NativeInput {
        ds: &ds,
        profile: Some(abs),
        datastream_id: None,
        xccdf_id: None,
    };
    let table = common::TableEvaluator::new(BTreeMap::new());
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    assert!(matches!(
        evaluate_native(&rootfs, &input, &table),
        Err(openscap_xccdf::Error::Selection(_))
    ));
}

/// Rules with role `unscored` (in the benchmark or by refine-rule) are informational and left out
/// of the score; a refine-rule without a role makes the rule `full` again.
#[test]
fn roles_equal_oscap() {
    same_as_oscap("roles.xml", &[None, Some("xccdf_org.t_profile_p1")]);
}

/// Value binding: no default `value` (the first one), a refine-value selector no `value` has (the
/// Value is left empty, exporting it makes the rule unknown), a parent's set-value beats a
/// child's refine-value, refine-rule selectors choosing the check.
#[test]
fn values_and_check_selection_equal_oscap() {
    same_as_oscap(
        "values.xml",
        &[
            None,
            Some("xccdf_org.t_profile_p1"),
            Some("xccdf_org.t_profile_p2"),
        ],
    );
    // A set-value does not save a rule exporting a Value whose refine-value selector is unknown.
    same_as_oscap("values-set.xml", &[None, Some("xccdf_org.t_profile_p1")]);
}

/// `requires`/`conflicts` as oscap evaluates them: an item counts as selected by its own flag
/// (a rule in a deselected group does), and an item deselected for an unmet requirement is seen
/// so by the items after it in document order only.
#[test]
fn requires_conflicts_equal_oscap() {
    same_as_oscap("requires.xml", &[None, Some("xccdf_org.t_profile_p1")]);
}

/// multi-check rule-results in oscap's order (definition ids descending) with the first one
/// scored; unscored/unchecked rules with complex checks, negation, multi-check, platforms and a
/// missing definition; an empty refine-value selector.
#[test]
fn checks_and_roles_equal_oscap() {
    same_as_oscap("checks.xml", &[None, Some("xccdf_org.t_profile_p1")]);
}

/// select and refine-rule by cluster-id (merged with a refine-rule of one member, inherited and
/// partly overridden), a group selected through its cluster-id, a refine-rule on a group.
#[test]
fn clusters_equal_oscap() {
    same_as_oscap(
        "clusters.xml",
        &[
            None,
            Some("xccdf_org.t_profile_p1"),
            Some("xccdf_org.t_profile_p2"),
        ],
    );
}

/// CPE-AL platforms (check-fact-ref, fact-ref to an unknown name, negation, nesting, several
/// platforms, inherited from nested groups), an unknown platform id, a platform referenced
/// without `#` (oscap takes it as a platform id too), role unchecked on a platform that does not
/// apply.
#[test]
fn platforms_equal_oscap() {
    same_as_oscap("platforms.xml", &[None]);
}

/// Default scoring with group and rule weights (fractional and nested), and the flat,
/// flat-unweighted and absolute models the benchmark lists; rules and groups of weight 0, a
/// group with only notapplicable rules, a scoring model oscap does not know.
#[test]
fn scoring_equal_oscap() {
    same_as_oscap("scoring.xml", &[None]);
    same_as_oscap("scoring-zero.xml", &[None]);
}

/// Rules exporting different Values to the same OVAL external variable: oscap evaluates each
/// rule's definitions with that rule's values. Here with scanner-openscap's OVAL engine (not
/// oscap's OVAL results, which hold one result per definition).
#[test]
fn exports_to_one_variable_with_scanner_oval_equal_oscap() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let (_dir, ds_path, root) = common::compose_fixture("semantics-cases", "exports.xml");
    let ds = DataStreamCollection::load(&ds_path).unwrap();
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    for profile in [None, Some("xccdf_org.t_profile_p1")] {
        let mut opts = ComplianceOptions::new(&ds_path).engine(Engine::Oscap);
        if let Some(p) = profile {
            opts = opts.profile(p);
        }
        opts.oscap.skip_validation = true;
        let run = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
        let input = NativeInput {
            ds: &ds,
            profile,
            datastream_id: None,
            xccdf_id: None,
        };
        let (ours, _) = evaluate_native(&rootfs, &input, &common::ScannerOval::default()).unwrap();
        assert_eq!(
            results(&ours),
            results(&run.result),
            "{profile:?}: rule-results"
        );
        assert!((ours.score - run.result.score).abs() < 1e-3, "{profile:?}");
    }
}
