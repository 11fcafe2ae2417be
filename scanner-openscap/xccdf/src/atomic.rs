//! The atomic result of a configuration-compliance scan, as the historical openscap scanner
//! (openscap-daemon's `oscapd-evaluate scan`) reported it: one `Vulnerabilities` item per rule
//! result that is fail, error, unknown or notchecked, in rule-result order, and the `Profile`.
//! Built as a [`report::ScanResult`]; the report crate writes it as `json` like every scanner's.

use report::{ScanResult, Vulnerability};
use serde_json::{json, Map, Value};

use crate::model::ComplianceResult;
use crate::result::XccdfResult;

/// The historical severity mapping: low -> Low, medium -> Moderate, high -> Important, anything
/// else -> Unknown (the historical code used Python substring tests such as
/// `severity in "low"`, so an empty severity maps to Low; kept).
pub fn atomic_severity(s: &str) -> &'static str {
    // Python's `severity in "low"` is a substring test.
    if "low".contains(s) {
        "Low"
    } else if "medium".contains(s) {
        "Moderate"
    } else if "high".contains(s) {
        "Important"
    } else {
        "Unknown"
    }
}

/// Whether a rule result becomes a `Vulnerabilities` item.
pub fn reported(r: XccdfResult) -> bool {
    !matches!(
        r,
        XccdfResult::Pass
            | XccdfResult::Fixed
            | XccdfResult::Informational
            | XccdfResult::NotSelected
            | XccdfResult::NotApplicable
    )
}

/// The `Vulnerabilities` list.
pub fn vulnerabilities(r: &ComplianceResult) -> Vec<Vulnerability> {
    r.rules
        .iter()
        .filter(|x| reported(x.result))
        .map(|x| Vulnerability {
            title: x.title.clone(),
            severity: atomic_severity(&x.severity).to_string(),
            description: x.description_atomic.clone(),
            custom: json!({"XCCDF result": x.result.as_str()}),
        })
        .collect()
}

/// The result of one target: the historical `Vulnerabilities` and `Profile`, plus a `Custom`
/// summary the historical scanner did not write (the data stream file `datastream`, the count
/// of rules per result, and any warnings).
pub fn scan_result(r: &ComplianceResult, datastream: &str) -> ScanResult {
    let mut result = ScanResult::success();
    result.scan_type = Some("Configuration Compliance".into());
    result.vulnerabilities = Some(vulnerabilities(r));
    result.extra_keys.push((
        "Profile".into(),
        json!(r.profile_id.clone().unwrap_or_else(|| "(default)".into())),
    ));
    let mut counts = Map::new();
    for (result_name, n) in r.counts() {
        counts.insert(result_name.as_str().to_string(), json!(n));
    }
    let mut custom = Map::new();
    custom.insert("Data stream".into(), json!(datastream));
    custom.insert("Rule results".into(), Value::Object(counts));
    if !r.warnings.is_empty() {
        custom.insert("Warnings".into(), json!(r.warnings));
    }
    result.custom = Some(Value::Object(custom));
    result
}
