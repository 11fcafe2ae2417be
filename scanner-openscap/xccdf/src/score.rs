//! The XCCDF default scoring model (`urn:xccdf:scoring:default`, XCCDF 1.2 §7.3.2.1): a
//! weighted, normalised score computed per group over the children with a scored result,
//! maximum 100. Rules whose role is `unscored` do not count; a multi-check rule counts once, with
//! its first result (oscap 1.3.7 looks a rule's result up by id).

use std::collections::BTreeMap;

use crate::benchmark::{Benchmark, Item};
use crate::profile::Resolved;
use crate::result::XccdfResult;

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
                if resolved.rule_role(r) == "unscored" {
                    return (0, 0.0);
                }
                let counted = !matches!(
                    res,
                    XccdfResult::NotApplicable
                        | XccdfResult::NotChecked
                        | XccdfResult::Informational
                        | XccdfResult::NotSelected
                );
                if !counted {
                    return (0, 0.0);
                }
                let pass = matches!(res, XccdfResult::Pass | XccdfResult::Fixed);
                (1, if pass { 100.0 } else { 0.0 })
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
