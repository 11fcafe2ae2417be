//! The native engine: XCCDF processing (profile, CPE applicability, check selection, value
//! export, multi-check, complex-check, negation, scoring) on top of an OVAL evaluator supplied
//! by the caller through [`OvalEvaluator`].

use std::collections::{BTreeMap, BTreeSet};

use crate::benchmark::{Benchmark, Check, CheckNode, ComplexCheck, Operator, Rule};
use crate::cpe::{self, CpeCheck};
use crate::datastream::{ComponentContent, ComponentRef, DataStream, DataStreamCollection, Target};
use crate::model::{now_local, test_result_id, CheckInfo, ComplianceResult, Engine, RuleResult};
use crate::profile::{self, Resolved};
use crate::result::{OvalResult, XccdfResult};
use crate::xml::OVAL_SYSTEM;
use crate::Error;

/// One evaluation request: a whole OVAL definitions document, the external variables bound from
/// XCCDF Values, and the definitions whose results are needed.
#[derive(Debug)]
pub struct OvalRequest<'a> {
    /// Data stream component id of the OVAL document.
    pub component_id: &'a str,
    /// The file name the content refers to it by (e.g. `ssg-rhel8-oval.xml`).
    pub href: &'a str,
    /// A standalone `oval_definitions` document.
    pub document: &'a str,
    /// External variable id -> values.
    pub external_variables: &'a BTreeMap<String, Vec<String>>,
    /// Definitions to evaluate.
    pub definition_ids: &'a [String],
}

/// What an evaluator returns for a request.
#[derive(Debug, Clone, Default)]
pub struct OvalOutcome {
    /// Definition id -> result. A definition it cannot evaluate (unsupported test kind) must be
    /// [`OvalResult::NotEvaluated`] (-> XCCDF notchecked), never true or false.
    pub results: BTreeMap<String, OvalResult>,
    /// An OVAL results document (`oval_results`) to embed in the ARF, when the engine makes one.
    pub results_document: Option<String>,
}

/// The OVAL engine the native XCCDF evaluation delegates to. Implemented by scanner-openscap's
/// engine (and by fixed tables in tests).
pub trait OvalEvaluator {
    fn evaluate(
        &self,
        root: &rootfs::Rootfs,
        request: &OvalRequest<'_>,
    ) -> Result<OvalOutcome, Box<dyn std::error::Error + Send + Sync>>;
}

/// OVAL results documents produced during a native evaluation, keyed by component id, with the
/// href they were referenced by (for the ARF).
#[derive(Debug, Clone, Default)]
pub struct OvalReports {
    pub documents: Vec<(String, String, String)>,
}

#[derive(Debug)]
enum Plan {
    Fixed(XccdfResult, String),
    Check {
        /// Index of the OVAL session (component and variable bindings) that evaluates it.
        session: usize,
        component: String,
        defs: Vec<String>,
        multi: bool,
        negate: bool,
        info: CheckInfo,
    },
    Complex {
        op: Operator,
        negate: bool,
        children: Vec<Plan>,
    },
    /// A rule whose role is `unscored`: its check runs, its result is `informational`.
    Informational(Box<Plan>),
}

/// The message oscap gives a check none of whose content references resolved.
const NONE_RESOLVABLE: &str = "None of the check-content-ref elements was resolvable.";

/// One OVAL evaluation: a component, the definitions wanted from it and the external variable
/// bindings they are evaluated with.
struct Session {
    component: String,
    href: String,
    defs: BTreeSet<String>,
    vars: BTreeMap<String, Vec<String>>,
}

/// The OVAL evaluations a native run needs. Checks whose exports agree share a session; a check
/// binding an external variable to another value than a session has gets its own session (oscap
/// evaluates each rule with its own bindings; SSG always exports one Value per variable, so its
/// checks share one session per component).
#[derive(Default)]
struct Requests {
    sessions: Vec<Session>,
}

impl Requests {
    /// Adds definitions to evaluate with these exports; returns the session index, None when
    /// the component already has [`MAX_SESSIONS`] sessions and none agrees.
    fn add(
        &mut self,
        component: &str,
        href: &str,
        defs: &[String],
        exports: &[(String, String, String)],
    ) -> Option<usize> {
        // What the check binds: a variable exported twice keeps its last value, as stored
        // below (comparing every export would make such a check agree with no session, not
        // even the one it opened, and open a new one for every rule using it).
        let mut bound: BTreeMap<&str, &str> = BTreeMap::new();
        for (_, var, value) in exports {
            bound.insert(var, value);
        }
        let agrees = |s: &Session| {
            s.component == component
                && bound.iter().all(|(var, value)| {
                    s.vars
                        .get(*var)
                        .is_none_or(|v| v.len() == 1 && v[0] == *value)
                })
        };
        let i = match self.sessions.iter().position(agrees) {
            Some(i) => i,
            None => {
                if self
                    .sessions
                    .iter()
                    .filter(|s| s.component == component)
                    .count()
                    >= MAX_SESSIONS
                {
                    return None;
                }
                self.sessions.push(Session {
                    component: component.to_string(),
                    href: href.to_string(),
                    defs: BTreeSet::new(),
                    vars: BTreeMap::new(),
                });
                self.sessions.len() - 1
            }
        };
        let s = &mut self.sessions[i];
        s.defs.extend(defs.iter().cloned());
        for (var, value) in bound {
            s.vars.insert(var.to_string(), vec![value.to_string()]);
        }
        Some(i)
    }
}

/// Bound on the OVAL sessions of one component (each evaluates its definitions once more):
/// content binding one variable to more values than this gets `notchecked` beyond it.
const MAX_SESSIONS: usize = 64;

struct Ctx<'a> {
    ds: &'a DataStreamCollection,
    stream: &'a DataStream,
    checklist: &'a ComponentRef,
    resolved: &'a Resolved,
}

impl Ctx<'_> {
    fn plan_check(&self, c: &Check, requests: &mut Requests) -> Plan {
        if c.system != OVAL_SYSTEM {
            return Plan::Fixed(
                XccdfResult::NotChecked,
                format!("check system {} is not supported", c.system),
            );
        }
        // oscap 1.3.7 binds every exported Value first: one missing from the benchmark, without
        // any value, or refined with a selector no `value` has makes the check `unknown`.
        if c.exports.iter().any(|(vid, _)| {
            !self.resolved.values.contains_key(vid) || self.resolved.unbindable.contains(vid)
        }) {
            return Plan::Fixed(XccdfResult::Unknown, "Value bindings not found.".into());
        }
        let exports: Vec<(String, String, String)> = c
            .exports
            .iter()
            .filter_map(|(vid, name)| {
                self.resolved
                    .values
                    .get(vid)
                    .map(|v| (vid.clone(), name.clone(), v.clone()))
            })
            .collect();
        for r in &c.content_refs {
            let Target::Local(comp) = self.ds.resolve_href(self.stream, self.checklist, &r.href)
            else {
                continue;
            };
            let ComponentContent::Oval(info) = &comp.content else {
                continue;
            };
            let mut defs: Vec<String> = match &r.name {
                Some(n) if info.classes.contains_key(n) => vec![n.clone()],
                Some(_) => continue,
                None => info.order.clone(),
            };
            if c.multi_check && r.name.is_none() {
                // oscap 1.3.7 walks the definitions in descending id order (byte-wise): that
                // is the order of the rule-results, and the first one is what the score uses.
                defs.sort_unstable_by(|a, b| b.as_bytes().cmp(a.as_bytes()));
            }
            let Some(session) = requests.add(&comp.id, &r.href, &defs, &exports) else {
                return Plan::Fixed(
                    XccdfResult::NotChecked,
                    format!(
                        "more than {MAX_SESSIONS} different bindings of exported Values to {}",
                        r.href
                    ),
                );
            };
            return Plan::Check {
                session,
                component: comp.id.clone(),
                multi: c.multi_check && r.name.is_none(),
                negate: c.negate,
                defs,
                info: CheckInfo {
                    system: c.system.clone(),
                    href: r.href.clone(),
                    name: r.name.clone(),
                    exports,
                },
            };
        }
        Plan::Fixed(XccdfResult::NotChecked, NONE_RESOLVABLE.into())
    }

    fn plan_complex(&self, cc: &ComplexCheck, requests: &mut Requests) -> Plan {
        let children = cc
            .children
            .iter()
            .map(|n| match n {
                CheckNode::Check(c) => {
                    let mut p = self.plan_check(c, requests);
                    if let Plan::Check { multi, .. } = &mut p {
                        *multi = false; // ignored inside complex-check (XCCDF 1.2)
                    }
                    p
                }
                CheckNode::Complex(inner) => self.plan_complex(inner, requests),
            })
            .collect();
        Plan::Complex {
            op: cc.operator,
            negate: cc.negate,
            children,
        }
    }

    /// XCCDF 1.2 §7.2.3.5: complex-check wins; else checks with the refined selector (or none),
    /// the first whose system is supported.
    fn plan_rule(&self, r: &Rule, requests: &mut Requests) -> Plan {
        if let Some(cc) = &r.complex_check {
            return self.plan_complex(cc, requests);
        }
        let selector = self
            .resolved
            .refinements
            .get(&r.id)
            .and_then(|x| x.selector.clone());
        let mut candidates: Vec<&Check> =
            r.checks.iter().filter(|c| c.selector == selector).collect();
        if candidates.is_empty() && selector.is_some() {
            candidates = r.checks.iter().filter(|c| c.selector.is_none()).collect();
        }
        match candidates.iter().find(|c| c.system == OVAL_SYSTEM) {
            Some(c) => {
                let p = self.plan_check(c, requests);
                if self.resolved.rule_role(r) != "unscored" {
                    return p;
                }
                // oscap 1.3.7 turns the result of a single check (resolvable or not) of an
                // unscored rule into informational; a multi-check keeps its results.
                match p {
                    Plan::Check { multi: false, .. } => Plan::Informational(Box::new(p)),
                    Plan::Fixed(XccdfResult::NotChecked, m) if m == NONE_RESOLVABLE => {
                        Plan::Fixed(XccdfResult::Informational, m)
                    }
                    p => p,
                }
            }
            None if candidates.is_empty() => Plan::Fixed(
                XccdfResult::NotChecked,
                "No candidate or applicable check found.".into(),
            ),
            None => Plan::Fixed(
                XccdfResult::NotChecked,
                format!(
                    "no supported check system among {}",
                    candidates
                        .iter()
                        .map(|c| c.system.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
}

/// Definition results of every session, by session index.
type OvalTable = Vec<BTreeMap<String, OvalResult>>;

fn def_result(
    ds: &DataStreamCollection,
    table: &OvalTable,
    session: usize,
    component: &str,
    def: &str,
) -> (XccdfResult, Option<String>) {
    let class = match ds.component(component).map(|c| &c.content) {
        Some(ComponentContent::Oval(info)) => info.classes.get(def).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    match table.get(session).and_then(|m| m.get(def)) {
        Some(r) => (XccdfResult::from_oval(*r, &class), None),
        None => (
            XccdfResult::NotChecked,
            Some(format!("the OVAL engine returned no result for {def}")),
        ),
    }
}

/// Results of a plan: one entry, or several for a multi-check (with the definition name).
fn run_plan(
    ds: &DataStreamCollection,
    table: &OvalTable,
    p: &Plan,
    msgs: &mut Vec<String>,
) -> Vec<(XccdfResult, Option<String>)> {
    match p {
        Plan::Fixed(r, m) => {
            msgs.push(m.clone());
            vec![(*r, None)]
        }
        Plan::Check {
            session,
            component,
            defs,
            multi,
            negate,
            ..
        } => {
            let mut each = Vec::new();
            for d in defs {
                let (r, m) = def_result(ds, table, *session, component, d);
                if let Some(m) = m {
                    msgs.push(m);
                }
                each.push((r, d.clone()));
            }
            let neg = |r: XccdfResult| if *negate { r.negate() } else { r };
            if *multi && !each.is_empty() {
                each.into_iter().map(|(r, d)| (neg(r), Some(d))).collect()
            } else {
                let combined = each
                    .iter()
                    .map(|(r, _)| *r)
                    .reduce(XccdfResult::and)
                    .unwrap_or(XccdfResult::NotChecked);
                vec![(neg(combined), None)]
            }
        }
        Plan::Complex {
            op,
            negate,
            children,
        } => {
            let mut acc: Option<XccdfResult> = None;
            for c in children {
                let r = run_plan(ds, table, c, msgs)
                    .first()
                    .map(|x| x.0)
                    .unwrap_or(XccdfResult::NotChecked);
                acc = Some(match (acc, op) {
                    (None, _) => r,
                    (Some(a), Operator::And) => a.and(r),
                    (Some(a), Operator::Or) => a.or(r),
                });
            }
            let r = acc.unwrap_or(XccdfResult::Unknown);
            vec![(if *negate { r.negate() } else { r }, None)]
        }
        Plan::Informational(inner) => {
            run_plan(ds, table, inner, msgs);
            vec![(XccdfResult::Informational, None)]
        }
    }
}

fn plan_infos(p: &Plan, out: &mut Vec<CheckInfo>) {
    match p {
        Plan::Fixed(..) => {}
        Plan::Check { info, .. } => out.push(info.clone()),
        Plan::Complex { children, .. } => children.iter().for_each(|c| plan_infos(c, out)),
        Plan::Informational(inner) => plan_infos(inner, out),
    }
}

/// Options of a native evaluation already loaded.
pub struct NativeInput<'a> {
    pub ds: &'a DataStreamCollection,
    pub profile: Option<&'a str>,
    pub datastream_id: Option<&'a str>,
    pub xccdf_id: Option<&'a str>,
}

/// Evaluates a profile natively. Returns the result and the OVAL results documents the
/// evaluator produced.
pub fn evaluate_native(
    root: &rootfs::Rootfs,
    input: &NativeInput<'_>,
    oval: &dyn OvalEvaluator,
) -> Result<(ComplianceResult, OvalReports), Error> {
    let start_time = now_local();
    let ds = input.ds;
    let (stream, checklist, bench) = ds.select(input.datastream_id, input.xccdf_id)?;
    let resolved = profile::resolve(bench, input.profile)?;
    let mut reports = OvalReports::default();

    // 1. CPE applicability: the benchmark platforms and those of selected rules and their groups.
    let dicts = ds.dictionaries(stream);
    let dict_refs: Vec<_> = dicts.iter().map(|(_, d)| *d).collect();
    let rules = bench.rules_with_groups();
    let mut platform_refs: BTreeSet<String> = bench.platforms.iter().cloned().collect();
    for (r, groups) in &rules {
        if resolved.rule_selected(&r.id) {
            platform_refs.extend(r.platforms.iter().cloned());
            for g in groups {
                platform_refs.extend(g.platforms.iter().cloned());
            }
        }
    }
    let mut needed: Vec<CpeCheck> = Vec::new();
    for p in &platform_refs {
        cpe::checks_needed(p, &bench.platform_specs, &dict_refs, &mut needed);
    }
    // Resolve each needed check's href through the dictionaries' catalogs (then the checklist's).
    let mut cpe_requests = Requests::default();
    let mut cpe_where: BTreeMap<(String, String), usize> = BTreeMap::new(); // (href,id) -> session
    for c in needed.iter().filter(|c| c.system == OVAL_SYSTEM) {
        let from: Vec<&ComponentRef> = dicts.iter().map(|(r, _)| *r).chain([checklist]).collect();
        for f in from {
            if let Target::Local(comp) = ds.resolve_href(stream, f, &c.href) {
                if matches!(comp.content, ComponentContent::Oval(_)) {
                    // No exports: always the component's first session.
                    if let Some(session) =
                        cpe_requests.add(&comp.id, &c.href, std::slice::from_ref(&c.id), &[])
                    {
                        cpe_where.insert((c.href.clone(), c.id.clone()), session);
                    }
                    break;
                }
            }
        }
    }
    let cpe_table = run_requests(ds, root, oval, &cpe_requests, &mut reports)?;
    let cpe_true = |c: &CpeCheck| {
        cpe_where
            .get(&(c.href.clone(), c.id.clone()))
            .and_then(|session| cpe_table.get(*session))
            .and_then(|m| m.get(&c.id))
            == Some(&OvalResult::True)
    };
    let applies: BTreeMap<String, bool> = platform_refs
        .iter()
        .map(|p| {
            (
                p.clone(),
                cpe::platform_applies(p, &bench.platform_specs, &dict_refs, &cpe_true),
            )
        })
        .collect();
    let benchmark_applicable = bench.platforms.is_empty()
        || bench
            .platforms
            .iter()
            .any(|p| applies.get(p).copied().unwrap_or(false));
    let platforms: Vec<String> = bench
        .platforms
        .iter()
        .filter(|p| applies.get(*p).copied().unwrap_or(false))
        .cloned()
        .collect();
    let any_applies = |list: &[String]| {
        list.is_empty()
            || list
                .iter()
                .any(|p| applies.get(p).copied().unwrap_or(false))
    };

    // 2. Plan every selected, applicable rule.
    let ctx = Ctx {
        ds,
        stream,
        checklist,
        resolved: &resolved,
    };
    let mut requests = Requests::default();
    let mut plans: Vec<Option<Plan>> = Vec::with_capacity(rules.len());
    for (r, groups) in &rules {
        let plan = if !resolved.rule_selected(&r.id) {
            None
        } else if resolved.rule_role(r) == "unchecked" {
            // Before applicability, as oscap 1.3.7 decides it.
            Some(Plan::Fixed(XccdfResult::NotChecked, String::new()))
        } else if !benchmark_applicable
            || !any_applies(&r.platforms)
            || !groups.iter().all(|g| any_applies(&g.platforms))
        {
            Some(Plan::Fixed(XccdfResult::NotApplicable, String::new()))
        } else {
            Some(ctx.plan_rule(r, &mut requests))
        };
        plans.push(plan);
    }
    let table = run_requests(ds, root, oval, &requests, &mut reports)?;

    // 3. Results.
    let mut out_rules = Vec::new();
    let mut by_rule: BTreeMap<String, XccdfResult> = BTreeMap::new();
    for ((r, _), plan) in rules.iter().zip(&plans) {
        let mut msgs = Vec::new();
        let (results, infos) = match plan {
            None => (vec![(XccdfResult::NotSelected, None)], Vec::new()),
            Some(p) => {
                let mut infos = Vec::new();
                plan_infos(p, &mut infos);
                (run_plan(ds, &table, p, &mut msgs), infos)
            }
        };
        msgs.retain(|m| !m.is_empty());
        // The score takes a rule's first result (oscap looks rule-results up by id).
        if let Some((first, _)) = results.first() {
            by_rule.insert(r.id.clone(), *first);
        }
        for (res, instance) in results {
            let mut checks = infos.clone();
            if let Some(def) = &instance {
                for c in &mut checks {
                    c.name = Some(def.clone());
                }
            }
            out_rules.push(rule_result(bench, &resolved, r, res, checks, msgs.clone()));
        }
    }
    let (score, score_max) = crate::score::default_score(bench, &resolved, &by_rule);
    let other_scores = crate::score::other_scores(bench, &resolved, &by_rule);
    let mut result = ComplianceResult {
        engine: Engine::Native,
        datastream: ds.path.clone(),
        datastream_id: stream.id.clone(),
        xccdf_id: checklist.id.clone(),
        benchmark_id: bench.id.clone(),
        benchmark_version: bench.version.clone(),
        benchmark_title: bench.title.clone(),
        test_result_id: test_result_id(resolved.profile_id.as_deref()),
        profile_id: resolved.profile_id.clone(),
        profile_title: resolved.profile_title.clone(),
        start_time,
        end_time: now_local(),
        platforms,
        benchmark_applicable,
        values: resolved.values.clone(),
        rules: out_rules,
        score,
        score_max,
        other_scores,
        warnings: Vec::new(),
    };
    crate::warn_all_notapplicable(&mut result);
    Ok((result, reports))
}

fn rule_result(
    _b: &Benchmark,
    resolved: &Resolved,
    r: &Rule,
    result: XccdfResult,
    checks: Vec<CheckInfo>,
    messages: Vec<String>,
) -> RuleResult {
    RuleResult {
        rule_id: r.id.clone(),
        result,
        severity: resolved.rule_severity(r).to_string(),
        weight: resolved.rule_weight(r),
        role: resolved.rule_role(r).to_string(),
        title: r.title.clone(),
        description: r.description.trim().to_string(),
        description_atomic: format!("{}{}", r.description, r.description_tail),
        idents: r.idents.clone(),
        checks,
        messages,
        remediation: r.fix_text(crate::benchmark::FIX_SH, &resolved.values),
    }
}

fn run_requests(
    ds: &DataStreamCollection,
    root: &rootfs::Rootfs,
    oval: &dyn OvalEvaluator,
    requests: &Requests,
    reports: &mut OvalReports,
) -> Result<OvalTable, Error> {
    let mut table = OvalTable::with_capacity(requests.sessions.len());
    let mut documents: BTreeMap<&str, String> = BTreeMap::new();
    for s in &requests.sessions {
        if !documents.contains_key(s.component.as_str()) {
            let comp = ds
                .component(&s.component)
                .ok_or_else(|| Error::Content(format!("component {} vanished", s.component)))?;
            documents.insert(&s.component, ds.component_xml(comp));
        }
        let document = &documents[s.component.as_str()];
        let todo: Vec<String> = s.defs.iter().cloned().collect();
        let req = OvalRequest {
            component_id: &s.component,
            href: &s.href,
            document,
            external_variables: &s.vars,
            definition_ids: &todo,
        };
        let outcome = oval.evaluate(root, &req).map_err(|e| Error::Oval {
            component: s.component.clone(),
            message: e.to_string(),
        })?;
        table.push(outcome.results);
        if let Some(doc) = outcome.results_document {
            reports
                .documents
                .push((s.component.clone(), s.href.clone(), doc));
        }
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::{Requests, MAX_SESSIONS};

    fn export(var: &str, value: &str) -> (String, String, String) {
        ("xccdf_value".into(), var.into(), value.into())
    }

    #[test]
    fn a_variable_exported_twice_shares_one_session() {
        let mut r = Requests::default();
        let check = [export("oval:v:1", "a"), export("oval:v:1", "b")];
        for _ in 0..3 {
            assert_eq!(r.add("c", "c.xml", &["oval:d:1".into()], &check), Some(0));
        }
        assert_eq!(r.sessions.len(), 1);
        assert_eq!(r.sessions[0].vars["oval:v:1"], ["b"]);
    }

    #[test]
    fn sessions_per_component_are_bounded() {
        let mut r = Requests::default();
        for i in 0..MAX_SESSIONS {
            let value = i.to_string();
            assert_eq!(
                r.add("c", "c.xml", &[], &[export("oval:v:1", &value)]),
                Some(i)
            );
        }
        assert_eq!(
            r.add("c", "c.xml", &[], &[export("oval:v:1", "more")]),
            None
        );
        // A value already bound still finds its session; another component has its own room.
        assert_eq!(
            r.add("c", "c.xml", &[], &[export("oval:v:1", "7")]),
            Some(7)
        );
        assert_eq!(
            r.add("d", "d.xml", &[], &[export("oval:v:1", "more")]),
            Some(MAX_SESSIONS)
        );
    }
}
