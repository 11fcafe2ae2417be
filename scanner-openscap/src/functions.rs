//! OVAL local-variable functions (concat, arithmetic, begin, end, escape_regex, split,
//! substring, regex_capture, unique, count); unsupported ones make the variable an error.

use crate::compare::RegexCache;
use crate::system::Flag;

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn cartesian(
    args: &[Vec<String>],
    f: impl Fn(&[&str]) -> Option<String>,
) -> Result<Vec<String>, Flag> {
    let mut acc: Vec<Vec<&str>> = vec![Vec::new()];
    for a in args {
        let mut next = Vec::new();
        for prefix in &acc {
            for v in a {
                let mut p = prefix.clone();
                p.push(v.as_str());
                next.push(p);
            }
        }
        acc = next;
    }
    if args.is_empty() {
        return Ok(Vec::new());
    }
    acc.iter().map(|p| f(p).ok_or(Flag::Error)).collect()
}

/// PCRE metacharacters escaped by `escape_regex`.
fn escape_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\^$.[]|()?*+{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Applies function `name` to its evaluated arguments.
pub fn apply(
    name: &str,
    attrs: &[(String, String)],
    args: Vec<Vec<String>>,
    re: &RegexCache,
) -> Result<Vec<String>, Flag> {
    let single = || args.iter().flatten().cloned().collect::<Vec<String>>();
    match name {
        "concat" => cartesian(&args, |p| Some(p.concat())),
        "arithmetic" => {
            let op = attr(attrs, "arithmetic_operation").unwrap_or("add");
            cartesian(&args, |p| {
                if p.iter().all(|v| v.trim().parse::<i64>().is_ok()) {
                    let it = p.iter().map(|v| v.trim().parse::<i64>().unwrap_or(0));
                    Some(
                        match op {
                            "multiply" => it.fold(1i64, |a, b| a.wrapping_mul(b)),
                            _ => it.fold(0i64, |a, b| a.wrapping_add(b)),
                        }
                        .to_string(),
                    )
                } else {
                    let mut nums = Vec::new();
                    for v in p {
                        nums.push(v.trim().parse::<f64>().ok()?);
                    }
                    // oscap prints float results with printf's %f (six decimals).
                    let r = match op {
                        "multiply" => nums.iter().product::<f64>(),
                        _ => nums.iter().sum::<f64>(),
                    };
                    Some(format!("{r:.6}"))
                }
            })
        }
        "begin" => {
            let ch = attr(attrs, "character").unwrap_or("");
            Ok(single()
                .into_iter()
                .map(|v| {
                    if v.starts_with(ch) {
                        v
                    } else {
                        format!("{ch}{v}")
                    }
                })
                .collect())
        }
        "end" => {
            let ch = attr(attrs, "character").unwrap_or("");
            Ok(single()
                .into_iter()
                .map(|v| {
                    if v.ends_with(ch) {
                        v
                    } else {
                        format!("{v}{ch}")
                    }
                })
                .collect())
        }
        "escape_regex" => Ok(single().iter().map(|v| escape_regex(v)).collect()),
        "split" => {
            let d = attr(attrs, "delimiter").unwrap_or("");
            if d.is_empty() {
                // oscap splits at every character when the delimiter is empty.
                return Ok(single()
                    .iter()
                    .flat_map(|v| v.chars().map(String::from).collect::<Vec<_>>())
                    .collect());
            }
            Ok(single()
                .iter()
                .flat_map(|v| v.split(d).map(str::to_string).collect::<Vec<_>>())
                .collect())
        }
        "substring" => {
            let start: i64 = attr(attrs, "substring_start")
                .and_then(|s| s.parse().ok())
                .unwrap_or(1);
            let len: i64 = attr(attrs, "substring_length")
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1);
            let start = if start < 1 { 0 } else { (start - 1) as usize };
            // A value the start lies beyond gives nothing (not an empty string), as in oscap.
            Ok(single()
                .iter()
                .filter_map(|v| {
                    let chars: Vec<char> = v.chars().collect();
                    if start >= chars.len() {
                        return None;
                    }
                    let end = if len < 0 {
                        chars.len()
                    } else {
                        (start + len as usize).min(chars.len())
                    };
                    Some(chars[start..end].iter().collect())
                })
                .collect())
        }
        "regex_capture" => {
            let pat = attr(attrs, "pattern").unwrap_or("");
            let rx = re.get(pat).ok_or(Flag::Error)?;
            let mut out = Vec::new();
            for v in single() {
                // oscap gives one value per input: the first group's text, or the empty
                // string when the pattern does not match or the group did not take part.
                match rx.captures(v.as_bytes()) {
                    Ok(c) => out.push(
                        c.as_ref()
                            .and_then(|c| c.get(1))
                            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                            .unwrap_or_default(),
                    ),
                    Err(_) => return Err(Flag::Error),
                }
            }
            Ok(out)
        }
        "unique" => {
            let mut out: Vec<String> = Vec::new();
            for v in single() {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
            Ok(out)
        }
        "count" => Ok(vec![single().len().to_string()]),
        _ => Err(Flag::Error),
    }
}
