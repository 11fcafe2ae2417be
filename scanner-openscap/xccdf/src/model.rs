//! The evaluation result types shared by both engines and every output writer.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::benchmark::Ident;
use crate::result::XccdfResult;

/// Which evaluator produced a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Our XCCDF processing over an [`crate::OvalEvaluator`].
    Native,
    /// The installed `oscap xccdf eval`, its ARF translated.
    Oscap,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Native => "native",
            Engine::Oscap => "oscap",
        }
    }
}

/// The check a rule result came from (what the ARF `rule-result/check` records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInfo {
    pub system: String,
    pub href: String,
    pub name: Option<String>,
    /// (Value id, export name, bound value).
    pub exports: Vec<(String, String, String)>,
}

/// One `rule-result`.
#[derive(Debug, Clone)]
pub struct RuleResult {
    pub rule_id: String,
    pub result: XccdfResult,
    pub severity: String,
    pub weight: f64,
    pub role: String,
    pub title: String,
    /// Plain-text description, trimmed.
    pub description: String,
    /// Plain-text description as the historical atomic json carried it (untrimmed, with the
    /// whitespace tail that followed the element).
    pub description_atomic: String,
    pub idents: Vec<Ident>,
    pub checks: Vec<CheckInfo>,
    pub messages: Vec<String>,
    /// The rule's shell remediation (`fix` with system `urn:xccdf:fix:script:sh`), Values
    /// substituted, when it has one.
    pub remediation: Option<String>,
}

/// A TestResult `score` of a model other than the default one.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub system: String,
    pub score: f64,
    pub maximum: f64,
}

/// The result of evaluating a profile on one target.
#[derive(Debug, Clone)]
pub struct ComplianceResult {
    pub engine: Engine,
    pub datastream: PathBuf,
    pub datastream_id: String,
    pub xccdf_id: String,
    pub benchmark_id: String,
    pub benchmark_version: String,
    pub benchmark_title: String,
    /// Full profile id, None when the benchmark defaults were evaluated.
    pub profile_id: Option<String>,
    pub profile_title: String,
    /// `xccdf_org.open-scap_testresult_<profile>` as oscap names it.
    pub test_result_id: String,
    /// `%Y-%m-%dT%H:%M:%S` local time.
    pub start_time: String,
    pub end_time: String,
    /// CPE platforms found to apply (benchmark level).
    pub platforms: Vec<String>,
    /// Whether any benchmark platform applies (false: every selected rule is notapplicable).
    pub benchmark_applicable: bool,
    /// Bound Values (id -> value).
    pub values: BTreeMap<String, String>,
    /// Every rule of the benchmark in document order, notselected included (a multi-check rule
    /// may appear several times).
    pub rules: Vec<RuleResult>,
    pub score: f64,
    pub score_max: f64,
    /// Scores of the other models the Benchmark lists (`urn:xccdf:scoring:flat`, ...).
    pub other_scores: Vec<Score>,
    /// Things a user must know (e.g. "every rule is notapplicable: is the rpmdb readable?").
    pub warnings: Vec<String>,
}

impl ComplianceResult {
    /// Count of rule results per result value.
    pub fn counts(&self) -> BTreeMap<XccdfResult, usize> {
        let mut m = BTreeMap::new();
        for r in &self.rules {
            *m.entry(r.result).or_insert(0) += 1;
        }
        m
    }

    /// `rule_id<TAB>result` lines for every rule, sorted.
    pub fn results_tsv(&self) -> String {
        let mut lines: Vec<String> = self
            .rules
            .iter()
            .map(|r| format!("{}\t{}", r.rule_id, r.result))
            .collect();
        lines.sort();
        lines.dedup();
        let mut s = lines.join("\n");
        s.push('\n');
        s
    }

    /// Rule results that are selected (not notselected).
    pub fn selected(&self) -> impl Iterator<Item = &RuleResult> {
        self.rules
            .iter()
            .filter(|r| r.result != XccdfResult::NotSelected)
    }
}

/// The test-result id oscap gives a profile's TestResult.
pub fn test_result_id(profile: Option<&str>) -> String {
    format!(
        "xccdf_org.open-scap_testresult_{}",
        profile.unwrap_or("default-profile")
    )
}

/// Local time formatted as the atomic json and XCCDF times are.
pub fn now_local() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second]"
    ))
    .unwrap_or_else(|_| "unknown".into())
}
