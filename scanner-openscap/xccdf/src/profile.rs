//! Profile resolution as oscap 1.3.7 does it: `extends` chains (per-idref overrides), then
//! `select`, `refine-value`, `set-value` and `refine-rule` (by item id or cluster-id), giving the
//! rules evaluated (with `requires`/`conflicts`), the bound value of every `Value`, and per-rule
//! refinements.
use std::collections::{BTreeMap, BTreeSet, HashSet};

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
    /// Values a `refine-value` gives a selector no `value` has: exporting one makes a rule
    /// `unknown` ("Value bindings not found.").
    pub unbindable: BTreeSet<String>,
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
    /// A `refine-rule` replaces the rule's role even when it has no `role` attribute (oscap
    /// 1.3.7 then treats the rule as `full`).
    pub fn rule_role<'a>(&'a self, r: &'a Rule) -> &'a str {
        match self.refinements.get(&r.id) {
            Some(x) => x.role.as_deref().unwrap_or("full"),
            None => &r.role,
        }
    }
}

/// Finds a profile by exact id, else by a unique suffix (`standard` or
/// `content_profile_standard`), as `oscap --profile` and the historical scanner accepted.
/// Abstract profiles are not candidates (oscap drops them when it resolves the benchmark).
pub fn find_profile<'a>(
    b: &'a Benchmark,
    wanted: &str,
) -> Result<&'a crate::benchmark::Profile, Error> {
    if let Some(p) = b.profile(wanted).filter(|p| !p.abstract_) {
        return Ok(p);
    }
    let matches: Vec<_> = b
        .profiles
        .iter()
        .filter(|p| !p.abstract_)
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

/// The statements of a profile after `extends` (as oscap 1.3.7 resolves it): the parent's
/// resolved statements, minus those of a kind (select, set-value, refine-value, refine-rule) whose
/// idref the child also names with that kind, then the child's own. A child's `refine-rule` thus
/// replaces the parent's for the same idref as a whole (attributes it leaves out are not
/// inherited), and a parent's `set-value` survives a child's `refine-value` of the same Value.
fn statements(b: &Benchmark, id: &str, depth: usize) -> Result<Vec<ProfileStatement>, Error> {
    if depth > 32 {
        return Err(Error::Content(format!("profile {id}: extends loop")));
    }
    let p = b
        .profile(id)
        .ok_or_else(|| Error::Content(format!("profile {id} extends an unknown profile")))?;
    let key = |st: &ProfileStatement| -> (u8, String) {
        match st {
            ProfileStatement::Select { idref, .. } => (0, idref.clone()),
            ProfileStatement::SetValue { idref, .. } => (1, idref.clone()),
            ProfileStatement::RefineValue { idref, .. } => (2, idref.clone()),
            ProfileStatement::RefineRule { idref, .. } => (3, idref.clone()),
        }
    };
    let mut out = match &p.extends {
        Some(parent) => {
            let own: BTreeSet<(u8, String)> = p.statements.iter().map(key).collect();
            statements(b, parent, depth + 1)?
                .into_iter()
                .filter(|st| !own.contains(&key(st)))
                .collect()
        }
        None => Vec::new(),
    };
    out.extend(p.statements.iter().cloned());
    Ok(out)
}

/// Applies `profile` (None: benchmark defaults) to the benchmark. An abstract profile cannot be
/// chosen (oscap drops abstract profiles before evaluating).
pub fn resolve(b: &Benchmark, profile: Option<&str>) -> Result<Resolved, Error> {
    match profile {
        Some(wanted) => resolve_profile(b, find_profile(b, wanted)?),
        None => resolve_with(b, None, String::new(), Vec::new()),
    }
}

/// Applies a profile of the benchmark, abstract or not (for listings).
pub fn resolve_profile(b: &Benchmark, p: &crate::benchmark::Profile) -> Result<Resolved, Error> {
    resolve_with(
        b,
        Some(p.id.clone()),
        p.title.clone(),
        statements(b, &p.id, 0)?,
    )
}

fn resolve_with(
    b: &Benchmark,
    profile_id: Option<String>,
    profile_title: String,
    stmts: Vec<ProfileStatement>,
) -> Result<Resolved, Error> {
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
    // Values: the last set-value wins over any refine-value (whatever their order); else the
    // refine-value's selector, which must name a `value` (oscap 1.3.7 falls back to the default
    // only for an empty selector; another unknown selector leaves the Value without a value: it
    // shows as empty in the TestResult and a rule exporting it is `unknown`).
    let mut set_values: BTreeMap<&str, &str> = BTreeMap::new();
    let mut refine_values: BTreeMap<&str, &str> = BTreeMap::new();
    let mut refinements: BTreeMap<String, Refinement> = BTreeMap::new();
    for st in &stmts {
        match st {
            ProfileStatement::Select { idref, selected } => {
                for id in by_ref.get(idref).into_iter().flatten() {
                    item_selected.insert(id.clone(), *selected);
                }
            }
            ProfileStatement::RefineValue { idref, selector } => {
                refine_values.insert(idref, selector);
            }
            ProfileStatement::SetValue { idref, value } => {
                set_values.insert(idref, value);
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
    let mut unbindable = BTreeSet::new();
    for (id, v) in &b.values {
        let chosen = match refine_values.get(id.as_str()) {
            Some(sel) => {
                let found = v.select_exact(sel);
                if found.is_none() {
                    unbindable.insert(id.clone());
                }
                found
            }
            None => v.select(None),
        };
        let bound = match set_values.get(id.as_str()) {
            Some(set) => Some(set.to_string()),
            None if refine_values.contains_key(id.as_str()) => {
                Some(chosen.unwrap_or_default().to_string())
            }
            None => chosen.map(str::to_string),
        };
        if let Some(val) = bound {
            values.insert(id.clone(), val);
        }
    }
    let selected_rules = select_rules(b, &item_selected);
    Ok(Resolved {
        profile_id,
        profile_title,
        item_selected,
        selected_rules,
        values,
        unbindable,
        refinements,
    })
}

/// The rules oscap 1.3.7 evaluates. An item's "selected" state is its own flag after the profile
/// (its groups do not count), walked in document order: a rule is evaluated when it and every
/// ancestor group are selected and its `requires`/`conflicts` are met; a rule or group whose
/// requirement is not met is deselected (with its descendants) on the spot, which later items'
/// `requires`/`conflicts` see, earlier ones do not.
fn select_rules(b: &Benchmark, own: &BTreeMap<String, bool>) -> BTreeSet<String> {
    struct Walk {
        state: BTreeMap<String, bool>,
        out: BTreeSet<String>,
        /// Every id deselected so far, in order: a group re-checks its own requirement only
        /// when one of the ids it names was deselected since (checking it again before each
        /// child costs children x requirements, quadratic on crafted content).
        deselected: Vec<String>,
    }
    impl Walk {
        fn on(&self, id: &str) -> bool {
            self.state.get(id).copied().unwrap_or(false)
        }
        fn met(&self, requires: &[Vec<String>], conflicts: &[String]) -> bool {
            requires.iter().all(|alts| alts.iter().any(|a| self.on(a)))
                && !conflicts.iter().any(|c| self.on(c))
        }
        fn deselect(&mut self, it: &Item) {
            match it {
                Item::Rule(r) => {
                    self.state.insert(r.id.clone(), false);
                    self.deselected.push(r.id.clone());
                }
                Item::Group(g) => {
                    self.state.insert(g.id.clone(), false);
                    self.deselected.push(g.id.clone());
                    for c in &g.children {
                        self.deselect(c);
                    }
                }
            }
        }
        fn item(&mut self, it: &Item, parent_selected: bool) {
            match it {
                Item::Rule(r) => {
                    if !parent_selected || !self.on(&r.id) {
                        return;
                    }
                    if self.met(&r.requires, &r.conflicts) {
                        self.out.insert(r.id.clone());
                    } else {
                        self.deselect(it);
                    }
                }
                Item::Group(g) => {
                    // Only deselections change the requirement's outcome (states only go to
                    // false, and an unmet group is deselected for good).
                    let named: HashSet<&str> = g
                        .requires
                        .iter()
                        .flatten()
                        .chain(&g.conflicts)
                        .map(String::as_str)
                        .collect();
                    let mut seen = self.deselected.len();
                    let mut checked = false;
                    for c in &g.children {
                        let mut on = self.on(&g.id);
                        let changed = self.deselected[seen..]
                            .iter()
                            .any(|id| named.contains(id.as_str()));
                        seen = self.deselected.len();
                        if on && (!checked || changed) {
                            checked = true;
                            if !self.met(&g.requires, &g.conflicts) {
                                self.deselect(it);
                                on = false;
                            }
                        }
                        self.item(c, parent_selected && on);
                    }
                }
            }
        }
    }
    let mut w = Walk {
        state: own.clone(),
        out: BTreeSet::new(),
        deselected: Vec::new(),
    };
    for it in &b.items {
        w.item(it, true);
    }
    w.out
}
