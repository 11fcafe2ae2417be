//! The atomic `json` document of a configuration-compliance scan, as the historical openscap
//! scanner (openscap-daemon's `oscapd-evaluate scan`) wrote it: one `Vulnerabilities` item per
//! rule result that is fail, error, unknown or notchecked, in rule-result order.

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
pub fn vulnerabilities(r: &ComplianceResult) -> Vec<Value> {
    r.rules
        .iter()
        .filter(|x| reported(x.result))
        .map(|x| {
            json!({
                "Title": x.title,
                "Description": x.description_atomic,
                "Severity": atomic_severity(&x.severity),
                "Custom": {"XCCDF result": x.result.as_str()},
            })
        })
        .collect()
}

/// The whole `json` document for one target (keys in the historical order).
pub fn atomic_json(r: &ComplianceResult, uuid: &str, time: &str, finished_time: &str) -> Value {
    let mut m = Map::new();
    m.insert("UUID".into(), json!(uuid));
    m.insert("Scanner".into(), json!("openscap"));
    m.insert("Time".into(), json!(time));
    m.insert("Finished Time".into(), json!(finished_time));
    m.insert("Vulnerabilities".into(), Value::Array(vulnerabilities(r)));
    m.insert("Successful".into(), json!("true"));
    m.insert(
        "Profile".into(),
        json!(r.profile_id.clone().unwrap_or_else(|| "(default)".into())),
    );
    m.insert("Scan Type".into(), json!("Configuration Compliance"));
    Value::Object(m)
}
