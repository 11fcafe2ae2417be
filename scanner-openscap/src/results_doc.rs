//! Reading the per-definition results of an OVAL results document (ours or `oscap`'s), for
//! differential tests and the benchmark.

use std::path::Path;

use crate::result::OvalResult;
use crate::xml::{self, XmlError};

/// `(definition_id, result)` of the first `results/system`, in document order.
pub fn definition_results(path: &Path) -> Result<Vec<(String, OvalResult)>, XmlError> {
    let mut out = Vec::new();
    let mut systems = 0;
    xml::stream(
        xml::open_maybe_bz2(path)?,
        |p| {
            if p.len() == 3 && p[1] == "results" && p[2] == "system" {
                systems += 1;
            }
            systems == 1
                && p.len() == 5
                && p[1] == "results"
                && p[3] == "definitions"
                && p[4] == "definition"
        },
        |_, node| {
            let id = node.attr("definition_id").unwrap_or("").to_string();
            let r = node
                .attr("result")
                .and_then(OvalResult::parse)
                .ok_or_else(|| XmlError::Invalid(format!("definition {id}: bad result")))?;
            out.push((id, r));
            Ok(())
        },
    )?;
    Ok(out)
}
