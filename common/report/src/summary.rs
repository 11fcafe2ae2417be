//! The text `atomic scan` prints after a scan for a set of `json` result files (header per target,
//! top-level Custom, "The following issues were found:", ...), reproduced for demos and for a
//! stand-alone summary that reads like atomic's.

use std::path::Path;

use serde_json::Value;

/// One result file as atomic shows it: `name` is what the user typed (or the ID / rootfs path) and
/// `name2` the parenthesised second name (first 15 characters of the ID, or the image's tags).
#[derive(Debug, Clone)]
pub struct SummaryEntry<'a> {
    pub name: &'a str,
    pub name2: &'a str,
    pub doc: &'a Value,
}

/// Python's `str()` of a JSON scalar as atomic formats it with `"{}".format(...)`.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        // Python would print the repr of a container; atomic never reaches this for Title/Severity
        // of real scanners. Use compact JSON.
        other => other.to_string(),
    }
}

/// atomic's recursive rendering of a Custom value: a dict gives `key: value` lines, nested
/// containers a `key:` line then their content indented by 2; list scalars one per line; a dict or
/// list inside a list is rendered 2 deeper without a header.
fn custom(out: &mut String, value: &Value, indent: usize) {
    let space = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::Object(_) | Value::Array(_) => {
                        out.push_str(&format!("{space}{k}:\n"));
                        custom(out, v, indent + 2);
                    }
                    scalar => out.push_str(&format!("{space}{k}: {}\n", py_str(scalar))),
                }
            }
        }
        Value::Array(items) => {
            for x in items {
                match x {
                    Value::Object(_) | Value::Array(_) => custom(out, x, indent + 2),
                    scalar => out.push_str(&format!("{space}{}\n", py_str(scalar))),
                }
            }
        }
        _ => {}
    }
}

/// Python's `len(x) > 0` for the containers and strings atomic tests; other scalars count as
/// non-empty (and render as nothing).
fn non_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The summary for `--rootfs`-style results: each `(name, json document)` gets the header
/// `name (first 15 chars of name)`, then the findings as atomic prints them, and finally the
/// "Files associated with this scan are in <results_dir>." line.
pub fn render_atomic_summary(results: &[(String, Value)], results_dir: &Path) -> String {
    let short: Vec<String> = results
        .iter()
        .map(|(n, _)| n.chars().take(15).collect())
        .collect();
    let entries: Vec<SummaryEntry<'_>> = results
        .iter()
        .zip(&short)
        .map(|((name, doc), name2)| SummaryEntry { name, name2, doc })
        .collect();
    render_atomic_summary_entries(&entries, results_dir)
}

/// The result documents of a results directory as atomic finds them: every file named exactly
/// `json` one level down (`<results_dir>/<id>/json`), as `(id, document)` sorted by id. Files that
/// are not valid JSON are reported as errors.
pub fn load_results(results_dir: &Path) -> std::io::Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(results_dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            continue;
        }
        let path = entry.path().join("json");
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let doc: Value = serde_json::from_slice(&bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        out.push((entry.file_name().to_string_lossy().into_owned(), doc));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// [`render_atomic_summary`] with explicit second names.
pub fn render_atomic_summary_entries(entries: &[SummaryEntry<'_>], results_dir: &Path) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!("\n{} ({})\n\n", e.name, e.name2));
        let ok = crate::document::is_successful(e.doc);
        if !ok {
            out.push_str(&format!(
                "     {} is not supported for this scan.\n",
                e.name
            ));
            continue;
        }
        if let Some(c) = e.doc.get("Custom") {
            custom(&mut out, c, 3);
        }
        let vulns = e.doc.get("Vulnerabilities").and_then(Value::as_array);
        let results = e.doc.get("Results").and_then(Value::as_array);
        if let Some(vulns) = vulns.filter(|v| !v.is_empty()) {
            out.push_str("The following issues were found:\n\n");
            for v in vulns {
                if let Some(t) = v.get("Title") {
                    out.push_str(&format!("     {}\n", py_str(t)));
                }
                if let Some(s) = v.get("Severity") {
                    out.push_str(&format!("     Severity: {}\n", py_str(s)));
                }
                if let Some(c) = v.get("Custom").filter(|c| non_empty(c)) {
                    custom(&mut out, c, 7);
                }
                out.push('\n');
            }
        } else if let Some(results) = results.filter(|r| !r.is_empty()) {
            out.push_str("The following results were found:\n\n");
            for r in results {
                if let Some(c) = r.get("Custom").filter(|c| non_empty(c)) {
                    custom(&mut out, c, 7);
                }
            }
            out.push('\n');
        } else {
            out.push_str(&format!("{} passed the scan\n", e.name));
        }
    }
    out.push_str(&format!(
        "\nFiles associated with this scan are in {}.\n\n",
        results_dir.display()
    ));
    out
}
