//! Writing an OVAL results document (`oval_results`, results schema 5): the evaluated
//! definitions copied from the feed, each definition's criteria tree with results, every
//! evaluated test with its tested items, and the system characteristics (collected objects and
//! items), in the shape `oscap oval eval --results` writes so OpenSCAP's tools can read it.

use std::fmt::Write as _;
use std::io::{BufRead, Read};
use std::path::Path;

use quick_xml::events::Event;
use quick_xml::{Reader, Writer};

use crate::eval::Engine;
use crate::model::{Criteria, Datatype};
use crate::result::{Counts, OvalResult};
use crate::xml::{open_maybe_bz2, XmlError};

const NS_RES: &str = "http://oval.mitre.org/XMLSchema/oval-results-5";
const NS_COMMON: &str = "http://oval.mitre.org/XMLSchema/oval-common-5";
const NS_SC: &str = "http://oval.mitre.org/XMLSchema/oval-system-characteristics-5";

/// Facts about the scanned system for `system_info`.
#[derive(Debug, Clone, Default)]
pub struct SystemInfo {
    pub os_name: String,
    pub os_version: String,
}

/// Text or an attribute value, escaped when displayed.
pub struct Esc<'a>(&'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, b) in s.bytes().enumerate() {
            let rep = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&apos;",
                // A raw CR would come back as LF from any XML parser (oscap writes &#13; too).
                b'\r' => "&#13;",
                // Control characters cannot appear in XML 1.0 at all, not even as references:
                // left out (as oscap's results leave them out), so the document stays
                // well-formed when a matched text contains them.
                b'\t' | b'\n' => continue,
                0..=0x1f => "",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + 1;
        }
        f.write_str(&s[last..])
    }
}

/// Escapes text and attribute values.
pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

/// Copies the `oval_definitions` element of a definitions (or results) document verbatim:
/// the bytes of `span` when the parser recorded it, else by re-reading the document.
pub fn copy_definitions(source: &Path, span: Option<(u64, u64)>) -> Result<Vec<u8>, XmlError> {
    let Some((start, end)) = span else {
        return copy_definitions_from(open_maybe_bz2(source)?);
    };
    let io = |e: std::io::Error| XmlError::Open {
        path: source.display().to_string(),
        source: e,
    };
    let mut input = open_maybe_bz2(source)?;
    std::io::copy(&mut (&mut input).take(start), &mut std::io::sink()).map_err(io)?;
    let mut out = Vec::with_capacity((end - start) as usize);
    (&mut input)
        .take(end - start)
        .read_to_end(&mut out)
        .map_err(io)?;
    if out.len() as u64 != end - start {
        return Err(XmlError::Invalid("feed changed while being read".into()));
    }
    Ok(out)
}

fn copy_definitions_from<R: BufRead>(input: R) -> Result<Vec<u8>, XmlError> {
    let mut reader = Reader::from_reader(input);
    let mut writer = Writer::new(Vec::new());
    let mut buf = Vec::new();
    let mut depth = 0usize;
    let syn = |e: &dyn std::fmt::Display| XmlError::Invalid(format!("copying definitions: {e}"));
    loop {
        buf.clear();
        let ev = reader.read_event_into(&mut buf).map_err(|e| syn(&e))?;
        match &ev {
            Event::DocType(_) => return Err(XmlError::Dtd),
            Event::Eof => break,
            Event::Start(e) if depth == 0 => {
                if e.local_name().as_ref() == b"oval_definitions" {
                    depth = 1;
                    writer.write_event(ev.borrow()).map_err(|e| syn(&e))?;
                }
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            continue;
        }
        match &ev {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        writer.write_event(ev.borrow()).map_err(|e| syn(&e))?;
        if depth == 0 {
            break;
        }
    }
    Ok(writer.into_inner())
}

fn sys_prefix(family: &str) -> &'static str {
    match family {
        "linux" => "lin-sys",
        "unix" => "unix-sys",
        "independent" => "ind-sys",
        _ => "ind-sys",
    }
}

/// Renders a criteria node and returns its result (children first, so each node is evaluated
/// once: criteria results are folded from the rendered children).
fn criteria_xml(e: &mut Engine<'_>, c: &Criteria, out: &mut String, indent: usize) -> OvalResult {
    let pad = " ".repeat(indent);
    let neg = |n: bool| if n { " negate=\"true\"" } else { "" };
    let ac = |a: &Option<bool>| match a {
        Some(v) => format!(" applicability_check=\"{v}\""),
        None => String::new(),
    };
    match c {
        Criteria::Criteria {
            operator,
            negate,
            applicability_check,
            children,
        } => {
            let mut inner = String::new();
            let mut counts = Counts::default();
            for ch in children {
                counts.add(criteria_xml(e, ch, &mut inner, indent + 2));
            }
            let r = counts.by_operator(*operator).negate(*negate);
            let _ = writeln!(
                out,
                "{pad}<criteria operator=\"{}\"{}{} result=\"{}\">",
                operator.as_str(),
                neg(*negate),
                ac(applicability_check),
                r.as_str()
            );
            out.push_str(&inner);
            let _ = writeln!(out, "{pad}</criteria>");
            r
        }
        Criteria::Criterion {
            test_ref,
            negate,
            applicability_check,
        } => {
            let r = e.test_result(test_ref).negate(*negate);
            let doc = e.document();
            let version = doc
                .tests
                .get(test_ref)
                .map(|t| t.version.as_str())
                .unwrap_or("0");
            let _ = writeln!(
                out,
                "{pad}<criterion test_ref=\"{}\" version=\"{}\"{}{} result=\"{}\"/>",
                esc(test_ref),
                esc(version),
                neg(*negate),
                ac(applicability_check),
                r.as_str()
            );
            r
        }
        Criteria::Extend {
            definition_ref,
            negate,
            applicability_check,
        } => {
            let r = e.definition(definition_ref).negate(*negate);
            let doc = e.document();
            let version = doc
                .definition(definition_ref)
                .map(|d| d.version.as_str())
                .unwrap_or("0");
            let _ = writeln!(
                out,
                "{pad}<extend_definition definition_ref=\"{}\" version=\"{}\"{}{} result=\"{}\"/>",
                esc(definition_ref),
                esc(version),
                neg(*negate),
                ac(applicability_check),
                r.as_str()
            );
            r
        }
    }
}

/// Renders the results document of an evaluation. `definitions_xml` is the copied
/// `oval_definitions` element ([`copy_definitions`]); `timestamp` is the generation time.
pub fn render(
    e: &mut Engine<'_>,
    results: &[(String, OvalResult)],
    definitions_xml: &[u8],
    info: &SystemInfo,
    timestamp: &str,
) -> Vec<u8> {
    let doc = e.document();
    let mut out = String::new();
    let _ = writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        out,
        "<oval_results xmlns=\"{NS_RES}\" xmlns:oval=\"{NS_COMMON}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    );
    let _ = writeln!(
        out,
        "  <generator>\n    <oval:product_name>scanner-openscap</oval:product_name>\n    <oval:product_version>{}</oval:product_version>\n    <oval:schema_version>5.11.2</oval:schema_version>\n    <oval:timestamp>{}</oval:timestamp>\n  </generator>",
        env!("CARGO_PKG_VERSION"),
        esc(timestamp)
    );
    out.push_str("  <directives>\n");
    for d in [
        "definition_true",
        "definition_false",
        "definition_unknown",
        "definition_error",
        "definition_not_evaluated",
        "definition_not_applicable",
    ] {
        let _ = writeln!(out, "    <{d} reported=\"true\" content=\"full\"/>");
    }
    out.push_str("  </directives>\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(definitions_xml);
    let mut out = String::from("\n  <results>\n    <system>\n      <definitions>\n");
    for (id, r) in results {
        let Some(d) = doc.definition(id) else {
            continue;
        };
        let _ = writeln!(
            out,
            "        <definition definition_id=\"{}\" result=\"{}\" version=\"{}\">",
            esc(id),
            r.as_str(),
            esc(&d.version)
        );
        if let Some(c) = &d.criteria {
            let _ = criteria_xml(e, c, &mut out, 10);
        }
        out.push_str("        </definition>\n");
    }
    out.push_str("      </definitions>\n      <tests>\n");
    let mut tests: Vec<_> = e.evaluated_tests().iter().collect();
    tests.sort_by(|a, b| a.0.cmp(b.0));
    for (id, t) in &tests {
        let Some(def) = doc.tests.get(*id) else {
            continue;
        };
        let ce = if def.check_existence != crate::model::Existence::AtLeastOneExists {
            format!(" check_existence=\"{}\"", def.check_existence.as_str())
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "        <test test_id=\"{}\" version=\"{}\"{} check=\"{}\" result=\"{}\"",
            esc(id),
            esc(&def.version),
            ce,
            def.check.as_str(),
            t.result.as_str()
        );
        if t.items.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            for (i, r) in &t.items {
                let _ = writeln!(
                    out,
                    "          <tested_item item_id=\"{}\" result=\"{}\"/>",
                    item_id(e, *i),
                    r.as_str()
                );
            }
            out.push_str("        </test>\n");
        }
    }
    out.push_str("      </tests>\n");
    let _ = writeln!(
        out,
        "      <oval_system_characteristics xmlns=\"{NS_SC}\" xmlns:lin-sys=\"{NS_SC}#linux\" xmlns:ind-sys=\"{NS_SC}#independent\" xmlns:unix-sys=\"{NS_SC}#unix\">"
    );
    let _ = writeln!(
        out,
        "        <generator>\n          <oval:product_name>scanner-openscap</oval:product_name>\n          <oval:schema_version>5.11.2</oval:schema_version>\n          <oval:timestamp>{}</oval:timestamp>\n        </generator>",
        esc(timestamp)
    );
    let _ = writeln!(
        out,
        "        <system_info>\n          <os_name>{}</os_name>\n          <os_version>{}</os_version>\n          <architecture>Unknown</architecture>\n          <primary_host_name>Unknown</primary_host_name>\n          <interfaces/>\n        </system_info>",
        esc(&info.os_name),
        esc(&info.os_version)
    );
    out.push_str("        <collected_objects>\n");
    let mut objs: Vec<_> = e.collected.iter().collect();
    objs.sort_by(|a, b| a.0.cmp(b.0));
    for (id, c) in objs {
        let version = doc
            .objects
            .get(id)
            .map(|o| o.version.as_str())
            .unwrap_or("0");
        let _ = write!(
            out,
            "          <object id=\"{}\" version=\"{}\" flag=\"{}\"",
            esc(id),
            esc(version),
            c.flag.as_str()
        );
        if c.items.is_empty() && c.message.is_none() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        if let Some(m) = &c.message {
            let _ = writeln!(
                out,
                "            <message level=\"info\">{}</message>",
                esc(m)
            );
        }
        for &i in &c.items {
            let _ = writeln!(
                out,
                "            <reference item_ref=\"{}\"/>",
                item_id(e, i)
            );
        }
        out.push_str("          </object>\n");
    }
    out.push_str("        </collected_objects>\n        <system_data>\n");
    for (i, item) in e.store.items.iter().enumerate() {
        let p = sys_prefix(&item.family);
        let _ = write!(
            out,
            "          <{p}:{}_item id=\"{}\"",
            item.kind,
            item_id(e, i)
        );
        if item.status.0 != "exists" {
            let _ = write!(out, " status=\"{}\"", item.status.0);
        }
        out.push_str(">\n");
        for en in &item.entities {
            let _ = write!(out, "            <{p}:{}", en.name);
            if en.datatype.get() != Datatype::String {
                let _ = write!(out, " datatype=\"{}\"", en.datatype.0);
            }
            if en.status.0 != "exists" {
                let _ = write!(out, " status=\"{}\"", en.status.0);
            }
            let _ = writeln!(out, ">{}</{p}:{}>", esc(&en.value), en.name);
        }
        let _ = writeln!(out, "          </{p}:{}_item>", item.kind);
    }
    out.push_str("        </system_data>\n      </oval_system_characteristics>\n    </system>\n  </results>\n</oval_results>\n");
    bytes.extend_from_slice(out.as_bytes());
    bytes
}

fn item_id(e: &Engine<'_>, i: usize) -> String {
    e.store
        .ids
        .get(i)
        .and_then(|x| x.clone())
        .unwrap_or_else(|| (i + 1).to_string())
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn carriage_returns_survive_a_parser() {
        assert_eq!(esc("a=1\r\n<b>").to_string(), "a=1&#13;\n&lt;b&gt;");
        assert_eq!(esc("c=\u{1}x\u{1b}[0m\t").to_string(), "c=x[0m\t");
        let doc = format!("<t>{}</t>", esc("x\r\ny\r"));
        let parsed = roxmltree::Document::parse(&doc).unwrap();
        assert_eq!(parsed.root_element().text(), Some("x\r\ny\r"));
    }
}
