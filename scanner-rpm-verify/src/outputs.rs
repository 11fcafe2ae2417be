//! The three per-target outputs built from one [`Verification`]: the atomic `json` findings
//! (Vulnerabilities, Severity per [`crate::severity`]), the historical CentOS
//! `rpm_verify_scanner_results.json`, and `rpm-Va.txt` (see [`Verification::rpm_va_text`]).
//!
//! Legacy file, compared with the CentOS scanner (`rpm_verify.py`): same keys, values and
//! quirks (`UUID` = the /scanin directory name minus its first character, `"NA"` feed date,
//! the one-string list when nothing is found, string `"Successful"`), `issue` is rpm's nine
//! columns or `missing`. Deviations: `config` is true for `%config` files (reported only with
//! `--include-config`; the old scanner dropped them, so it was always false); `SIGNATURE` is
//! the `rpm -qi` Signature (first of DSAHEADER, RSAHEADER, SIGGPG, SIGPGP, dates in UTC)
//! instead of `%{SIGPGP:pgpsig}`, which modern packages lack; a file owned by several packages
//! is reported once per owning package, like rpm; when the image cannot be verified (no rpm
//! database) the file says so with `"Successful": "false"` instead of an empty success.

use report::Vulnerability;
use serde_json::{json, Map, Value};

use crate::policy::Policy;
use crate::scan::{Issue, PackageMeta, Verification};
use crate::severity;

/// Name of the legacy CentOS output file.
pub const LEGACY_FILE: &str = "rpm_verify_scanner_results.json";
/// Name of the unfiltered rpm text output.
pub const RPM_VA_FILE: &str = "rpm-Va.txt";
/// The atomic `Scan Type`.
pub const SCAN_TYPE: &str = "rpm-verify";
/// The scanner name in the atomic `json`.
pub const SCANNER: &str = "scanner-rpm-verify";

fn opt(v: &Option<String>) -> Value {
    match v {
        Some(s) => Value::String(s.clone()),
        None => Value::String("(none)".into()),
    }
}

/// The atomic `Vulnerabilities` item of one finding.
pub fn vulnerability(issue: &Issue, pkg: &PackageMeta) -> Vulnerability {
    let sev = severity::severity(issue);
    let flags = issue.line().split(' ').next().unwrap_or("").to_string();
    let mut custom = Map::new();
    custom.insert("Path".into(), json!(issue.path));
    custom.insert("Flags".into(), json!(flags));
    custom.insert("Changes".into(), json!(severity::changes(issue)));
    custom.insert(
        "File attributes".into(),
        json!(rpmverify::format::attr_letters(issue.flags)),
    );
    if let Some(state) = issue.state.label() {
        custom.insert("File state".into(), json!(state));
    }
    custom.insert("Package".into(), json!(pkg.nevra));
    custom.insert("Signature".into(), json!(pkg.signature));
    custom.insert("Signature key id".into(), opt(&pkg.key_id));
    custom.insert("Vendor".into(), opt(&pkg.vendor));
    custom.insert("Packager".into(), opt(&pkg.packager));
    custom.insert("Build host".into(), opt(&pkg.buildhost));
    custom.insert("rpm -V".into(), json!(issue.line()));
    Vulnerability {
        title: severity::title(issue),
        severity: sev.as_str().to_string(),
        description: format!(
            "rpm -V reports {} for {} owned by {}: {}.",
            flags,
            issue.path,
            pkg.nevra,
            severity::changes(issue).join(", ")
        ),
        custom: Value::Object(custom),
    }
}

/// The atomic findings kept by `policy`, in rpm's order.
pub fn vulnerabilities(v: &Verification, policy: &Policy) -> Vec<Vulnerability> {
    v.issues
        .iter()
        .filter(|i| policy.keeps(i))
        .map(|i| vulnerability(i, &v.packages[i.package]))
        .collect()
}

/// The atomic top-level `Custom`: counts and the policy in force.
pub fn summary_custom(v: &Verification, policy: &Policy, reported: usize) -> Value {
    json!({
        "Packages verified": v.packages_verified,
        "Files verified": v.files_verified,
        "rpm -Va findings": v.issues.len(),
        "Packages failing rpm -V": v.failed_packages,
        "Findings reported": reported,
        "Skipped database headers": v.warnings,
        "Policy": {
            "Include config files": policy.include_config(),
            "Excluded": policy.globs(),
        },
    })
}

/// The legacy `UUID`: the target's directory name without its first character.
pub fn legacy_uuid(target_id: &str) -> String {
    let mut c = target_id.chars();
    c.next();
    c.as_str().to_string()
}

/// The legacy file for a verified image.
pub fn legacy_json(
    v: &Verification,
    policy: &Policy,
    target_id: &str,
    start: &str,
    finish: &str,
) -> Value {
    let issues: Vec<Value> = v
        .issues
        .iter()
        .filter(|i| policy.keeps(i))
        .map(|i| {
            let p = &v.packages[i.package];
            let flags = if i.result.is_missing() {
                "missing".to_string()
            } else {
                i.line().split(' ').next().unwrap_or("").to_string()
            };
            json!({
                "issue": flags,
                "config": i.flags & rpmverify::attrs::fileflags::CONFIG != 0,
                "filename": i.path,
                "rpm": {
                    "RPM": p.nevra,
                    "SIGNATURE": p.signature,
                    "VENDOR": opt(&p.vendor),
                    "PACKAGER": opt(&p.packager),
                    "BUILDHOST": opt(&p.buildhost),
                },
            })
        })
        .collect();
    let (list, summary) = if issues.is_empty() {
        (
            vec![json!("No issues. Libraries and Binaries are intact.")],
            "Libraries and binaries in the image are intact.",
        )
    } else {
        (
            issues,
            "RPM verify scanner reported issues with some libraries/binaries.",
        )
    };
    legacy_doc(
        target_id,
        start,
        finish,
        "true",
        json!({"rpmVa_issues": list}),
        summary,
    )
}

/// The legacy file for an image that could not be verified.
pub fn legacy_failure(target_id: &str, start: &str, finish: &str, reason: &str) -> Value {
    legacy_doc(
        target_id,
        start,
        finish,
        "false",
        json!({"rpmVa_issues": []}),
        &format!("RPM verify scan failed: {reason}"),
    )
}

fn legacy_doc(
    target_id: &str,
    start: &str,
    finish: &str,
    successful: &str,
    results: Value,
    summary: &str,
) -> Value {
    json!({
        "Start Time": start,
        "Finished Time": finish,
        "Successful": successful,
        "Scan Type": "RPM Verify scan for finding tampered files.",
        "UUID": legacy_uuid(target_id),
        "CVE Feed Last Updated": "NA",
        "Scanner": "scanner-rpm-verify",
        "Scan Results": results,
        "Summary": summary,
    })
}
