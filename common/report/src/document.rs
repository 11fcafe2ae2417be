//! The atomic `json` result document: what a scanner found for one target, and its exact rendering
//! (key order and byte format of oscapd-evaluate's files, which atomic reads).

use serde_json::{Map, Value};

use crate::pyjson;

/// One finding, listed under `"Vulnerabilities"` (atomic prints Title, Severity and Custom).
#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    pub title: String,
    pub severity: String,
    pub description: String,
    /// Printed by atomic under the title; `{}` when there is nothing to add.
    pub custom: Value,
}

impl Vulnerability {
    fn into_value(self) -> Value {
        // oscapd's key order: Title, Description, Severity, Custom.
        let mut m = Map::new();
        m.insert("Title".into(), Value::String(self.title));
        m.insert("Description".into(), Value::String(self.description));
        m.insert("Severity".into(), Value::String(self.severity));
        m.insert("Custom".into(), self.custom);
        Value::Object(m)
    }
}

/// What a scanner returns for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanResult {
    /// `"Successful": "true"`/`"false"`; false makes atomic print "is not supported for this scan".
    pub successful: bool,
    /// Overrides the scan type given to [`crate::run_targets`] (oscapd wrote e.g. `"CVE"`).
    pub scan_type: Option<String>,
    /// `"CVE Feed Last Updated"`, emitted only when set (oscapd: only when a CVE scan ran).
    pub cve_feed_last_updated: Option<String>,
    /// `"Vulnerabilities"`, emitted when `Some` (also when empty, as oscapd does).
    pub vulnerabilities: Option<Vec<Vulnerability>>,
    /// `"Results"`: items each with a `"Custom"` (atomic prints "The following results were found").
    pub results: Option<Vec<Value>>,
    /// Top-level `"Custom"`, printed by atomic before the findings.
    pub custom: Option<Value>,
    /// Further top-level keys, placed between `"Successful"` and `"Scan Type"` (oscapd's `"Profile"`).
    pub extra_keys: Vec<(String, Value)>,
    /// Other files to write next to `json` in the target's output directory (`cve.xml`, ...).
    pub extra_files: Vec<(String, Vec<u8>)>,
}

impl ScanResult {
    /// A successful result with no findings yet (`"Vulnerabilities": []`, as oscapd always wrote).
    pub fn success() -> ScanResult {
        ScanResult {
            successful: true,
            scan_type: None,
            cve_feed_last_updated: None,
            vulnerabilities: Some(Vec::new()),
            results: None,
            custom: None,
            extra_keys: Vec::new(),
            extra_files: Vec::new(),
        }
    }

    /// An unsuccessful result explaining why in `"Custom": {"Error": reason}`.
    pub fn failure(reason: impl Into<String>) -> ScanResult {
        let mut custom = Map::new();
        custom.insert("Error".into(), Value::String(reason.into()));
        ScanResult {
            successful: false,
            custom: Some(Value::Object(custom)),
            ..ScanResult::success()
        }
    }
}

/// Fields of the document that come from the run rather than the scanner's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// `"UUID"`: `/scanin/<id>` in atomic mode.
    pub uuid: String,
    /// `"Scanner"`: the scanner name as registered in /etc/atomic.d.
    pub scanner: String,
    /// Default `"Scan Type"`.
    pub scan_type: String,
    /// `"Time"` (start) and `"Finished Time"`, see [`crate::time::local_timestamp`].
    pub time: String,
    pub finished_time: String,
}

/// Builds the `json` document, keys in oscapd-evaluate's order: UUID, Scanner, Time, Finished Time,
/// [CVE Feed Last Updated], [Vulnerabilities], [Results], [Custom], Successful, [extra keys],
/// Scan Type.
pub fn document(run: &RunInfo, result: &ScanResult) -> Value {
    into_document(run, result.clone())
}

/// [`document`], taking the result (its findings move into the document instead of being
/// copied: thousands of values for a large scan).
pub fn into_document(run: &RunInfo, result: ScanResult) -> Value {
    let mut m = Map::new();
    m.insert("UUID".into(), Value::String(run.uuid.clone()));
    m.insert("Scanner".into(), Value::String(run.scanner.clone()));
    m.insert("Time".into(), Value::String(run.time.clone()));
    m.insert(
        "Finished Time".into(),
        Value::String(run.finished_time.clone()),
    );
    if let Some(feed) = result.cve_feed_last_updated {
        m.insert("CVE Feed Last Updated".into(), Value::String(feed));
    }
    if let Some(v) = result.vulnerabilities {
        m.insert(
            "Vulnerabilities".into(),
            Value::Array(v.into_iter().map(Vulnerability::into_value).collect()),
        );
    }
    if let Some(r) = result.results {
        m.insert("Results".into(), Value::Array(r));
    }
    if let Some(c) = result.custom {
        m.insert("Custom".into(), c);
    }
    m.insert(
        "Successful".into(),
        Value::String(if result.successful { "true" } else { "false" }.into()),
    );
    for (k, v) in result.extra_keys {
        m.insert(k, v);
    }
    let scan_type = result.scan_type.unwrap_or_else(|| run.scan_type.clone());
    m.insert("Scan Type".into(), Value::String(scan_type));
    Value::Object(m)
}

/// The bytes of a `json` file: Python's `json.dump(doc, f, indent=2)`, as oscapd wrote it.
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    pyjson::to_string_indent(doc, 2).into_bytes()
}
/// Whether a result document is successful as atomic decides it (`"Successful"` is a string
/// whose upper case is `TRUE`).
pub fn is_successful(doc: &Value) -> bool {
    doc.get("Successful")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}
