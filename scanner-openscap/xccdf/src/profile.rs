//! Profile resolution: `extends` chains, then `select`, `refine-value`, `set-value` and
//! `refine-rule` applied in document order (by item id or cluster-id), giving the selected rules,
//! the bound Value of every `Value`, and per-rule refinements.

use std::collections::{BTreeMap, BTreeSet};

use crate::benchmark::{Benchmark, Item, ProfileStatement, Rule};
use crate::Error;

/// Per-rule refinements from `refine-rule`.
#[derive(Debug, Clone, Default)]
pub struct Refinement {
    pub selector: Option<String>,
    pub severity: Option<String>,
    pub weight: Option<f64>,
    pub role: Option<String>,
}

/// The outcome of applying a profile (or none) to a benchmark.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Full profile id, None for the benchmark defaults.
    pub profile_id: Option<String>,
    pub profile_title: String,
    /// Effective `selected` of every group and rule (own flag after the profile; ancestors are
    /// not folded in: see [`Resolved::rule_selected`]).
    pub item_selected: BTreeMap<String, bool>,
    /// Rule ids whose rule and ancestors are all selected.
    pub selected_rules: BTreeSet<String>,
    /// Bound value of every Value.
    pub values: BTreeMap<String, String>,
    pub refinements: BTreeMap<String, Refinement>,
}

impl Resolved {
    /// Whether the rule is selected (it and all its ancestor groups).
    pub fn rule_selected(&self, rule_id: &str) -> bool {
        self.selected_rules.contains(rule_id)
    }

    /// Effective severity, weight and role of a rule.
    pub fn rule_severity<'a>(&'a self, r: &'a Rule) -> &'a str {
        self.refinements
            .get(&r.id)
            .and_then(|x| x.severity.as_deref())
            .unwrap_or(&r.severity)
    }
    pub fn rule_weight(&self, r: &Rule) -> f64 {
        self.refinements
            .get(&r.id)
            .and_then(|x| x.weight)
            .unwrap_or(r.weight)
    }
    pub fn rule_role<'a>(&'a self, r: &'a Rule) -> &'a str {
        self.refinements
            .get(&r.id)
            .and_then(|x| x.role.as_deref())
            .unwrap_or(&r.role)
    }
}

/// Finds a profile by exact id, else by a unique suffix (`standard` or
/// `content_profile_standard`), as `oscap --profile` and the historical scanner accepted.
pub fn find_profile<'a>(
    b: &'a Benchmark,
    wanted: &str,
) -> Result<&'a crate::benchmark::Profile, Error> {
    if let Some(p) = b.profile(wanted) {
        return Ok(p);
    }
    let matches: Vec<_> = b
        .profiles
        .iter()
        .filter(|p| {
            p.id.ends_with(&format!("_profile_{wanted}"))
                || (wanted.len() > 3 && p.id.ends_with(wanted))
        })
        .collect();
    match matches.as_slice() {
        [p] => Ok(p),
        [] => Err(Error::Selection(format!(
            "no profile {wanted:?} in benchmark {} (profiles: {})",
            b.id,
            b.profiles
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        many => Err(Error::Selection(format!(
            "profile {wanted:?} is ambiguous: {}",
            many.iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn statements(b: &Benchmark, id: &str, depth: usize) -> Result<Vec<ProfileStatement>, Error> {
    if depth > 32 {
        return Err(Error::Content(format!("profile {id}: extends loop")));
    }
    let p = b
        .profile(id)
        .ok_or_else(|| Error::Content(format!("profile {id} extends an unknown profile")))?;
    let mut out = match &p.extends {
        Some(parent) => statements(b, parent, depth + 1)?,
        None => Vec::new(),
    };
    out.extend(p.statements.iter().cloned());
    Ok(out)
}

/// Applies `profile` (None: benchmark defaults) to the benchmark.
pub fn resolve(b: &Benchmark, profile: Option<&str>) -> Result<Resolved, Error> {
    let (profile_id, profile_title, stmts) = match profile {
        Some(wanted) => {
            let p = find_profile(b, wanted)?;
            (
                Some(p.id.clone()),
                p.title.clone(),
                statements(b, &p.id, 0)?,
            )
        }
        None => (None, String::new(), Vec::new()),
    };
    // Default selection of every item, and the idref -> item ids map (ids and cluster-ids).
    let mut item_selected = BTreeMap::new();
    let mut by_ref: BTreeMap<String, Vec<String>> = BTreeMap::new();
    fn index(
        items: &[Item],
        sel: &mut BTreeMap<String, bool>,
        by_ref: &mut BTreeMap<String, Vec<String>>,
    ) {
        for it in items {
            let (id, selected, cluster) = match it {
                Item::Group(g) => {
                    index(&g.children, sel, by_ref);
                    (&g.id, g.selected, &g.cluster_id)
                }
                Item::Rule(r) => (&r.id, r.selected, &r.cluster_id),
            };
            sel.insert(id.clone(), selected);
            by_ref.entry(id.clone()).or_default().push(id.clone());
            if let Some(c) = cluster {
                by_ref.entry(c.clone()).or_default().push(id.clone());
            }
        }
    }
    index(&b.items, &mut item_selected, &mut by_ref);
    let mut value_sel: BTreeMap<String, Result<String, String>> = BTreeMap::new(); // Ok(set) / Err(selector)
    let mut refinements: BTreeMap<String, Refinement> = BTreeMap::new();
    let value_ids = |idref: &str| -> Vec<String> {
        if b.values.contains_key(idref) {
            vec![idref.to_string()]
        } else {
            Vec::new()
        }
    };
    for st in &stmts {
        match st {
            ProfileStatement::Select { idref, selected } => {
                for id in by_ref.get(idref).into_iter().flatten() {
                    item_selected.insert(id.clone(), *selected);
                }
            }
            ProfileStatement::RefineValue { idref, selector } => {
                for v in value_ids(idref) {
                    value_sel.insert(v, Err(selector.clone()));
                }
            }
            ProfileStatement::SetValue { idref, value } => {
                for v in value_ids(idref) {
                    value_sel.insert(v, Ok(value.clone()));
                }
            }
            ProfileStatement::RefineRule {
                idref,
                selector,
                severity,
                weight,
                role,
            } => {
                for id in by_ref.get(idref).into_iter().flatten() {
                    let r = refinements.entry(id.clone()).or_default();
                    if selector.is_some() {
                        r.selector = selector.clone();
                    }
                    if severity.is_some() {
                        r.severity = severity.clone();
                    }
                    if weight.is_some() {
                        r.weight = *weight;
                    }
                    if role.is_some() {
                        r.role = role.clone();
                    }
                }
            }
        }
    }
    let mut values = BTreeMap::new();
    for (id, v) in &b.values {
        let bound = match value_sel.get(id) {
            Some(Ok(set)) => Some(set.clone()),
            Some(Err(sel)) => v.select(Some(sel)).map(str::to_string),
            None => v.select(None).map(str::to_string),
        };
        if let Some(val) = bound {
            values.insert(id.clone(), val);
        }
    }
    // Selection by flags, then XCCDF `requires`/`conflicts`: an item whose requirement is not met
    // (no id of a `requires` selected, or a `conflicts` id selected) is not processed.
    let flagged: BTreeSet<String> = b
        .rules_with_groups()
        .into_iter()
        .filter(|(r, groups)| {
            item_selected.get(&r.id).copied().unwrap_or(false)
                && groups
                    .iter()
                    .all(|g| item_selected.get(&g.id).copied().unwrap_or(false))
        })
        .map(|(r, _)| r.id.clone())
        .collect();
    let is_on = |id: &str| {
        flagged.contains(id)
            || (item_selected.get(id).copied().unwrap_or(false)
                && !b.rules().iter().any(|r| r.id == id))
    };
    let met = |requires: &[Vec<String>], conflicts: &[String]| {
        requires.iter().all(|alts| alts.iter().any(|a| is_on(a)))
            && !conflicts.iter().any(|c| is_on(c))
    };
    let mut selected_rules = BTreeSet::new();
    for (r, groups) in b.rules_with_groups() {
        if flagged.contains(&r.id)
            && met(&r.requires, &r.conflicts)
            && groups.iter().all(|g| met(&g.requires, &g.conflicts))
        {
            selected_rules.insert(r.id.clone());
        }
    }
    Ok(Resolved {
        profile_id,
        profile_title,
        item_selected,
        selected_rules,
        values,
        refinements,
    })
}
