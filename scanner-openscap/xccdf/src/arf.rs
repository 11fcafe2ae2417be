//! ARF (asset reporting format 1.1) result documents: reading the one `oscap xccdf eval
//! --results-arf` writes into a [`ComplianceResult`], and writing one for a native evaluation
//! in the same layout (report request = the whole source data stream, `xccdf1` = the XCCDF
//! TestResult, `ovalN` = OVAL results documents), which `oscap xccdf generate report` renders.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::benchmark::{Benchmark, Ident};
use crate::datastream::DataStreamCollection;
use crate::model::{CheckInfo, ComplianceResult, Engine, RuleResult};
use crate::native::OvalReports;
use crate::result::XccdfResult;
use crate::xml::{self, child, children, escape, flat_text, is, NS_ARF, NS_DS, NS_XCCDF};
use crate::Error;

/// Translates an ARF document (as oscap writes it) into a [`ComplianceResult`]. Titles and
/// descriptions come from the Benchmark inside the ARF's report request.
pub fn read_arf(bytes: &[u8], engine: Engine) -> Result<ComplianceResult, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::Xml {
        what: "ARF".into(),
        message: e.to_string(),
    })?;
    let doc = xml::parse(text, "ARF")?;
    let root = doc.root_element();
    if !is(&root, NS_ARF, "asset-report-collection") {
        return Err(Error::Content("not an ARF asset-report-collection".into()));
    }
    let bench_node = children(root, NS_ARF, "report-requests")
        .flat_map(|r| r.descendants())
        .find(|d| is(d, NS_XCCDF, "Benchmark"))
        .ok_or_else(|| Error::Content("ARF report request holds no XCCDF Benchmark".into()))?;
    let bench = Benchmark::parse(bench_node)?;
    let stream_id = children(root, NS_ARF, "report-requests")
        .flat_map(|r| r.descendants())
        .find(|d| is(d, NS_DS, "data-stream"))
        .and_then(|d| d.attribute("id"))
        .unwrap_or("")
        .to_string();
    let tr = children(root, NS_ARF, "reports")
        .flat_map(|r| r.descendants())
        .find(|d| is(d, NS_XCCDF, "TestResult"))
        .ok_or_else(|| Error::Content("ARF holds no XCCDF TestResult".into()))?;
    let rules_by_id: BTreeMap<&str, &crate::benchmark::Rule> = bench
        .rules()
        .into_iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let values: BTreeMap<String, String> = children(tr, NS_XCCDF, "set-value")
        .map(|s| (s.attribute("idref").unwrap_or("").to_string(), flat_text(s)))
        .collect();
    let mut rules = Vec::new();
    for rr in children(tr, NS_XCCDF, "rule-result") {
        let id = rr.attribute("idref").unwrap_or("").to_string();
        let result: XccdfResult = child(rr, NS_XCCDF, "result")
            .map(|r| flat_text(r).trim().to_string())
            .unwrap_or_default()
            .parse()
            .map_err(Error::Content)?;
        let rule = rules_by_id.get(id.as_str());
        let checks = children(rr, NS_XCCDF, "check")
            .map(|c| {
                let cref = child(c, NS_XCCDF, "check-content-ref");
                CheckInfo {
                    system: c.attribute("system").unwrap_or("").to_string(),
                    href: cref
                        .and_then(|r| r.attribute("href"))
                        .unwrap_or("")
                        .to_string(),
                    name: cref.and_then(|r| r.attribute("name")).map(str::to_string),
                    exports: children(c, NS_XCCDF, "check-export")
                        .map(|e| {
                            (
                                e.attribute("value-id").unwrap_or("").to_string(),
                                e.attribute("export-name").unwrap_or("").to_string(),
                                String::new(),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        rules.push(RuleResult {
            result,
            severity: rr
                .attribute("severity")
                .map(str::to_string)
                .or_else(|| rule.map(|r| r.severity.clone()))
                .unwrap_or_else(|| "unknown".into()),
            weight: rr
                .attribute("weight")
                .and_then(|w| w.parse().ok())
                .unwrap_or(1.0),
            role: rr.attribute("role").unwrap_or("full").to_string(),
            title: rule.map(|r| r.title.clone()).unwrap_or_default(),
            description: rule
                .map(|r| r.description.trim().to_string())
                .unwrap_or_default(),
            description_atomic: rule
                .map(|r| format!("{}{}", r.description, r.description_tail))
                .unwrap_or_default(),
            idents: children(rr, NS_XCCDF, "ident")
                .map(|i| Ident {
                    system: i.attribute("system").unwrap_or("").to_string(),
                    value: flat_text(i).trim().to_string(),
                })
                .collect(),
            checks,
            remediation: rule.and_then(|r| r.fix_text(crate::benchmark::FIX_SH, &values)),
            messages: children(rr, NS_XCCDF, "message")
                .map(|m| flat_text(m).trim().to_string())
                .collect(),
            rule_id: id,
        });
    }
    let score_node = children(tr, NS_XCCDF, "score")
        .find(|s| s.attribute("system").unwrap_or(crate::score::DEFAULT) == crate::score::DEFAULT);
    let other_scores = children(tr, NS_XCCDF, "score")
        .filter_map(|s| {
            let system = s.attribute("system").unwrap_or(crate::score::DEFAULT);
            (system != crate::score::DEFAULT).then(|| crate::model::Score {
                system: system.to_string(),
                score: flat_text(s).trim().parse().unwrap_or(0.0),
                maximum: s
                    .attribute("maximum")
                    .and_then(|m| m.parse().ok())
                    .unwrap_or(100.0),
            })
        })
        .collect();
    let profile_id = child(tr, NS_XCCDF, "profile")
        .and_then(|p| p.attribute("idref"))
        .map(str::to_string);
    let profile_title = profile_id
        .as_deref()
        .and_then(|p| bench.profile(p))
        .map(|p| p.title.clone())
        .unwrap_or_default();
    let platforms: Vec<String> = children(tr, NS_XCCDF, "platform")
        .filter_map(|p| p.attribute("idref").map(str::to_string))
        .collect();
    let benchmark_ref = child(tr, NS_XCCDF, "benchmark");
    let mut result = ComplianceResult {
        engine,
        datastream: Default::default(),
        datastream_id: stream_id,
        xccdf_id: String::new(),
        benchmark_id: benchmark_ref
            .and_then(|b| b.attribute("id"))
            .unwrap_or(&bench.id)
            .to_string(),
        benchmark_version: tr
            .attribute("version")
            .unwrap_or(&bench.version)
            .to_string(),
        benchmark_title: bench.title.clone(),
        test_result_id: tr.attribute("id").unwrap_or("").to_string(),
        profile_id,
        profile_title,
        start_time: tr
            .attribute("start-time")
            .map(strip_zone)
            .unwrap_or_default(),
        end_time: tr.attribute("end-time").map(strip_zone).unwrap_or_default(),
        benchmark_applicable: !platforms.is_empty() || bench.platforms.is_empty(),
        platforms,
        values,
        rules,
        score: score_node
            .and_then(|s| flat_text(s).trim().parse().ok())
            .unwrap_or(0.0),
        score_max: score_node
            .and_then(|s| s.attribute("maximum"))
            .and_then(|m| m.parse().ok())
            .unwrap_or(100.0),
        other_scores,
        warnings: Vec::new(),
    };
    crate::warn_all_notapplicable(&mut result);
    Ok(result)
}

fn strip_zone(t: &str) -> String {
    t.get(..19).unwrap_or(t).to_string()
}

/// Strips an XML declaration so a document can be embedded.
fn body(doc: &str) -> &str {
    let d = doc.trim_start_matches('\u{feff}').trim_start();
    if d.starts_with("<?xml") {
        d.find("?>").map(|i| &d[i + 2..]).unwrap_or(d).trim_start()
    } else {
        d
    }
}

/// Writes the ARF of a native evaluation.
pub fn write_arf(
    ds: &DataStreamCollection,
    r: &ComplianceResult,
    reports: &OvalReports,
) -> Result<Vec<u8>, Error> {
    // Report ids for the OVAL results documents; check-content-ref hrefs point at them.
    let mut href_to_report: BTreeMap<String, String> = BTreeMap::new();
    for (i, (_, href, _)) in reports.documents.iter().enumerate() {
        href_to_report
            .entry(href.clone())
            .or_insert(format!("oval{i}"));
    }
    let mut s = String::with_capacity(ds.text().len() + (1 << 20));
    s.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str("<arf:asset-report-collection xmlns:arf=\"http://scap.nist.gov/schema/asset-reporting-format/1.1\" xmlns:core=\"http://scap.nist.gov/schema/reporting-core/1.1\" xmlns:ai=\"http://scap.nist.gov/schema/asset-identification/1.1\">\n");
    s.push_str("  <core:relationships xmlns:arfvocab=\"http://scap.nist.gov/specifications/arf/vocabulary/relationships/1.0#\">\n");
    s.push_str("    <core:relationship type=\"arfvocab:createdFor\" subject=\"xccdf1\">\n      <core:ref>collection1</core:ref>\n    </core:relationship>\n");
    s.push_str("    <core:relationship type=\"arfvocab:isAbout\" subject=\"xccdf1\">\n      <core:ref>asset0</core:ref>\n    </core:relationship>\n");
    s.push_str("  </core:relationships>\n  <arf:report-requests>\n    <arf:report-request id=\"collection1\">\n      <arf:content>\n");
    s.push_str(body(ds.text()));
    s.push_str("\n      </arf:content>\n    </arf:report-request>\n  </arf:report-requests>\n");
    s.push_str("  <arf:assets>\n    <arf:asset id=\"asset0\">\n      <ai:computing-device/>\n    </arf:asset>\n  </arf:assets>\n");
    s.push_str("  <arf:reports>\n    <arf:report id=\"xccdf1\">\n      <arf:content>\n");
    let bench_href = ds
        .streams
        .iter()
        .find(|st| st.id == r.datastream_id)
        .and_then(|st| st.checklists.iter().find(|c| c.id == r.xccdf_id))
        .map(|c| c.href.clone())
        .unwrap_or_default();
    test_result(&mut s, r, &bench_href, &href_to_report);
    s.push_str("      </arf:content>\n    </arf:report>\n");
    for (i, (_, _, doc)) in reports.documents.iter().enumerate() {
        let _ = writeln!(s, "    <arf:report id=\"oval{i}\">\n      <arf:content>");
        s.push_str(body(doc));
        s.push_str("\n      </arf:content>\n    </arf:report>\n");
    }
    s.push_str("  </arf:reports>\n</arf:asset-report-collection>\n");
    Ok(s.into_bytes())
}

fn xsd_time(t: &str) -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let off = now.offset();
    let (h, m, _) = off.as_hms();
    format!(
        "{t}{}{:02}:{:02}",
        if off.is_negative() { '-' } else { '+' },
        h.abs(),
        m.abs()
    )
}

/// The XCCDF `TestResult` element.
pub fn test_result(
    s: &mut String,
    r: &ComplianceResult,
    bench_href: &str,
    href_to_report: &BTreeMap<String, String>,
) {
    let start = xsd_time(&r.start_time);
    let end = xsd_time(&r.end_time);
    let _ = writeln!(
        s,
        "<TestResult xmlns=\"{NS_XCCDF}\" id=\"{}\" start-time=\"{}\" end-time=\"{}\" version=\"{}\" test-system=\"cpe:/a:atomic-scanners:scanner-openscap:{}\">",
        escape(&r.test_result_id),
        start,
        end,
        escape(&r.benchmark_version),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        s,
        "  <benchmark href=\"{}\" id=\"{}\"/>",
        escape(bench_href),
        escape(&r.benchmark_id)
    );
    s.push_str("  <title>scanner-openscap native scan result</title>\n");
    if let Some(p) = &r.profile_id {
        let _ = writeln!(s, "  <profile idref=\"{}\"/>", escape(p));
    }
    s.push_str("  <target>unknown</target>\n  <target-facts>\n");
    s.push_str(
        "    <fact name=\"urn:xccdf:fact:scanner:name\" type=\"string\">scanner-openscap</fact>\n",
    );
    let _ = writeln!(
        s,
        "    <fact name=\"urn:xccdf:fact:scanner:version\" type=\"string\">{}</fact>\n  </target-facts>",
        env!("CARGO_PKG_VERSION")
    );
    s.push_str("  <target-id-ref system=\"http://scap.nist.gov/schema/asset-identification/1.1\" name=\"asset0\" href=\"\"/>\n");
    for p in &r.platforms {
        let _ = writeln!(s, "  <platform idref=\"{}\"/>", escape(p));
    }
    for (id, v) in &r.values {
        let _ = writeln!(
            s,
            "  <set-value idref=\"{}\">{}</set-value>",
            escape(id),
            escape(v)
        );
    }
    for rr in &r.rules {
        let _ = writeln!(
            s,
            "  <rule-result idref=\"{}\" role=\"{}\" time=\"{}\" severity=\"{}\" weight=\"{:.6}\">",
            escape(&rr.rule_id),
            escape(&rr.role),
            end,
            escape(&rr.severity),
            rr.weight
        );
        let _ = writeln!(s, "    <result>{}</result>", rr.result);
        for i in &rr.idents {
            let _ = writeln!(
                s,
                "    <ident system=\"{}\">{}</ident>",
                escape(&i.system),
                escape(&i.value)
            );
        }
        for m in &rr.messages {
            let _ = writeln!(s, "    <message severity=\"info\">{}</message>", escape(m));
        }
        if !matches!(
            rr.result,
            XccdfResult::NotSelected | XccdfResult::NotApplicable
        ) {
            for c in &rr.checks {
                let _ = writeln!(s, "    <check system=\"{}\">", escape(&c.system));
                for (vid, name, _) in &c.exports {
                    let _ = writeln!(
                        s,
                        "      <check-export export-name=\"{}\" value-id=\"{}\"/>",
                        escape(name),
                        escape(vid)
                    );
                }
                let href = href_to_report
                    .get(&c.href)
                    .map(|id| format!("#{id}"))
                    .unwrap_or_else(|| c.href.clone());
                match &c.name {
                    Some(n) => {
                        let _ = writeln!(
                            s,
                            "      <check-content-ref name=\"{}\" href=\"{}\"/>",
                            escape(n),
                            escape(&href)
                        );
                    }
                    None => {
                        let _ =
                            writeln!(s, "      <check-content-ref href=\"{}\"/>", escape(&href));
                    }
                }
                s.push_str("    </check>\n");
            }
        }
        s.push_str("  </rule-result>\n");
    }
    let _ = writeln!(
        s,
        "  <score system=\"urn:xccdf:scoring:default\" maximum=\"{:.6}\">{:.6}</score>",
        r.score_max, r.score
    );
    for o in &r.other_scores {
        let _ = writeln!(
            s,
            "  <score system=\"{}\" maximum=\"{:.6}\">{:.6}</score>",
            escape(&o.system),
            o.maximum,
            o.score
        );
    }
    s.push_str("</TestResult>\n");
}
