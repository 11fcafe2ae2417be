//! The XCCDF scoring models: the default one, and the flat ones a Benchmark may list.
//!
//! The XCCDF default scoring model (`urn:xccdf:scoring:default`, XCCDF 1.2 §7.3.2.1): a
//! weighted, normalised score computed per group over the children with a scored result,
//! maximum 100. Rules whose role is `unscored` do not count; a multi-check rule counts once, with
//! its first result (oscap 1.3.7 looks a rule's result up by id).

use std::collections::BTreeMap;

use crate::benchmark::{Benchmark, Item};
use crate::model::Score;
use crate::profile::Resolved;
use crate::result::XccdfResult;

/// The default scoring model.
pub const DEFAULT: &str = "urn:xccdf:scoring:default";

/// Whether a rule's result counts in a score (oscap 1.3.7: not for unscored rules, nor
/// notselected, notapplicable, informational or notchecked results); Some(passed) if it does.
fn scored(r: &crate::benchmark::Rule, resolved: &Resolved, res: XccdfResult) -> Option<bool> {
    if resolved.rule_role(r) == "unscored"
        || matches!(
            res,
            XccdfResult::NotApplicable
                | XccdfResult::NotChecked
                | XccdfResult::Informational
                | XccdfResult::NotSelected
        )
    {
        return None;
    }
    Some(matches!(res, XccdfResult::Pass | XccdfResult::Fixed))
}

/// The flat model (XCCDF 1.2 §7.3.2.2): (sum of the weights of passed rules, sum of the weights
/// of scored rules); weights 1 when `unweighted`. Groups and their weights do not matter.
pub fn flat_score(
    b: &Benchmark,
    resolved: &Resolved,
    results: &BTreeMap<String, XccdfResult>,
    unweighted: bool,
) -> (f64, f64) {
    let (mut score, mut max) = (0.0, 0.0);
    for r in b.rules() {
        let Some(pass) = results.get(&r.id).and_then(|x| scored(r, resolved, *x)) else {
            continue;
        };
        let w = if unweighted { 1.0 } else { r.weight };
        max += w;
        if pass {
            score += w;
        }
    }
    (score, max)
}

/// The scores of the models the Benchmark lists besides the default one (flat, flat-unweighted,
/// absolute: 1 when every scored rule passed, else 0); models oscap does not know are skipped.
pub fn other_scores(
    b: &Benchmark,
    resolved: &Resolved,
    results: &BTreeMap<String, XccdfResult>,
) -> Vec<Score> {
    b.models
        .iter()
        .filter_map(|m| {
            let (score, maximum) = match m.as_str() {
                "urn:xccdf:scoring:flat" => flat_score(b, resolved, results, false),
                "urn:xccdf:scoring:flat-unweighted" => flat_score(b, resolved, results, true),
                "urn:xccdf:scoring:absolute" => {
                    let (s, max) = flat_score(b, resolved, results, false);
                    (if s == max { 1.0 } else { 0.0 }, max)
                }
                _ => return None,
            };
            Some(Score {
                system: m.clone(),
                score,
                maximum,
            })
        })
        .collect()
}

/// Score of the benchmark given every rule's result; (score, maximum).
pub fn default_score(
    b: &Benchmark,
    resolved: &Resolved,
    results: &BTreeMap<String, XccdfResult>,
) -> (f64, f64) {
    // Returns (count, score) of a node.
    fn node(it: &Item, resolved: &Resolved, results: &BTreeMap<String, XccdfResult>) -> (u32, f64) {
        match it {
            Item::Rule(r) => {
                let Some(res) = results.get(&r.id) else {
                    return (0, 0.0);
                };
                match scored(r, resolved, *res) {
                    None => (0, 0.0),
                    Some(pass) => (1, if pass { 100.0 } else { 0.0 }),
                }
            }
            Item::Group(g) => group(&g.children, resolved, results),
        }
    }
    fn weight(it: &Item) -> f64 {
        match it {
            // oscap 1.3.7 scores with the Benchmark's weight even when a profile's refine-rule
            // changes it (it writes the refined weight into the rule-result, though): we follow
            // oscap so that scores compare; tests/semantics.rs shows the case.
            Item::Rule(r) => r.weight,
            Item::Group(g) => g.weight,
        }
    }
    fn group(
        children: &[Item],
        resolved: &Resolved,
        results: &BTreeMap<String, XccdfResult>,
    ) -> (u32, f64) {
        let (mut count, mut s, mut a) = (0u32, 0.0f64, 0.0f64);
        for c in children {
            let (cc, cs) = node(c, resolved, results);
            if cc != 0 {
                let w = weight(c);
                s += cs * w;
                a += w;
                count += 1;
            }
        }
        if a == 0.0 {
            (count, 0.0)
        } else {
            (count, s / a)
        }
    }
    let (_, score) = group(&b.items, resolved, results);
    (score, 100.0)
}
