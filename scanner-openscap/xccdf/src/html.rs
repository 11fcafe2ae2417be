//! A self-contained HTML report of a compliance result: score, counts per result, rules grouped
//! by result and severity with description, identifiers, messages and (for failed rules) the
//! shell remediation, and a result filter (checkboxes, no script, pure CSS).

use std::fmt::Write as _;

use crate::model::ComplianceResult;
use crate::result::XccdfResult;
use crate::xml::escape;

const ORDER: [XccdfResult; 9] = [
    XccdfResult::Fail,
    XccdfResult::Error,
    XccdfResult::Unknown,
    XccdfResult::NotChecked,
    XccdfResult::Pass,
    XccdfResult::Fixed,
    XccdfResult::Informational,
    XccdfResult::NotApplicable,
    XccdfResult::NotSelected,
];

fn sev_rank(s: &str) -> u8 {
    match s {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    }
}

/// Renders the report.
pub fn render(r: &ComplianceResult) -> Vec<u8> {
    let counts = r.counts();
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    let _ = writeln!(
        s,
        "<title>Compliance report: {}</title>",
        escape(r.profile_id.as_deref().unwrap_or("(default profile)"))
    );
    s.push_str("<style>\nbody{font-family:sans-serif;margin:2em;color:#222}\n\
        table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}\n\
        .fail,.error,.unknown{background:#f8d7da}.pass,.fixed{background:#d4edda}.notchecked{background:#fff3cd}\n\
        .notapplicable,.notselected,.informational{background:#eee}\n\
        details{margin:2px 0}summary{cursor:pointer}.sev-high{font-weight:bold;color:#a00}\n\
        .filter label{margin-right:1em}pre{white-space:pre-wrap}\n");
    for res in ORDER {
        let _ = writeln!(
            s,
            "#show-{0}:not(:checked) ~ table tr.r-{0}{{display:none}}",
            res.as_str()
        );
    }
    s.push_str("</style></head><body>\n");
    let _ = writeln!(s, "<h1>{}</h1>", escape(&r.benchmark_title));
    let _ = writeln!(
        s,
        "<p>Profile: <b>{}</b> ({})<br>Benchmark: {} version {}<br>Engine: {}<br>Started {} &mdash; finished {}</p>",
        escape(&r.profile_title),
        escape(r.profile_id.as_deref().unwrap_or("(default)")),
        escape(&r.benchmark_id),
        escape(&r.benchmark_version),
        r.engine.as_str(),
        escape(&r.start_time),
        escape(&r.end_time)
    );
    let _ = writeln!(s, "<h2>Score: {:.2} / {:.0}</h2>", r.score, r.score_max);
    for w in &r.warnings {
        let _ = writeln!(s, "<p class=\"fail\"><b>Warning:</b> {}</p>", escape(w));
    }
    s.push_str("<table id=\"counts\"><tr><th>Result</th><th>Rules</th></tr>\n");
    for res in ORDER {
        if let Some(n) = counts.get(&res) {
            let _ = writeln!(
                s,
                "<tr class=\"{0}\"><td>{0}</td><td>{1}</td></tr>",
                res.as_str(),
                n
            );
        }
    }
    s.push_str("</table>\n<h2>Rules</h2>\n<div class=\"filter\">\n");
    for res in ORDER {
        let checked = if res == XccdfResult::NotSelected {
            ""
        } else {
            " checked"
        };
        let _ = write!(
            s,
            "<input type=\"checkbox\" id=\"show-{0}\"{1}><label for=\"show-{0}\">{0}</label>",
            res.as_str(),
            checked
        );
    }
    s.push_str("\n<table id=\"rules\"><tr><th>Result</th><th>Severity</th><th>Rule</th></tr>\n");
    // Rules the profile does not select are only counted (SSG has ~1,500 of them).
    let mut rules: Vec<_> = r
        .rules
        .iter()
        .filter(|x| x.result != XccdfResult::NotSelected)
        .collect();
    rules.sort_by_key(|x| {
        (
            ORDER.iter().position(|o| *o == x.result).unwrap_or(99),
            sev_rank(&x.severity),
        )
    });
    for x in rules {
        let idents: Vec<&str> = x.idents.iter().map(|i| i.value.as_str()).collect();
        let _ = writeln!(
            s,
            "<tr class=\"r-{0} {0}\"><td>{0}</td><td class=\"sev-{1}\">{1}</td><td><details><summary>{2}</summary>\
             <p><code>{3}</code> {4}</p><pre>{5}</pre>{6}</details></td></tr>",
            x.result.as_str(),
            escape(&x.severity),
            escape(&x.title),
            escape(&x.rule_id),
            escape(&idents.join(", ")),
            escape(&x.description),
            x.messages
                .iter()
                .map(|m| format!("<p><i>{}</i></p>", escape(m)))
                .chain(
                    x.remediation
                        .iter()
                        .filter(|_| matches!(x.result, XccdfResult::Fail | XccdfResult::Error | XccdfResult::Unknown))
                        .map(|f| format!("<p><b>Remediation (shell):</b></p><pre class=\"fix\">{}</pre>", escape(f.trim())))
                )
                .collect::<String>()
        );
    }
    s.push_str("</table>\n</div>\n</body></html>\n");
    s.into_bytes()
}
