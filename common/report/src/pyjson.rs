//! JSON text byte-identical to Python's `json.dump(obj, f, indent=N)` (Python 3 defaults:
//! `ensure_ascii=True`, separators `","`/`": "` with indent, no trailing newline), which is how
//! oscapd-evaluate and the other historical scanners wrote atomic's `json` files.

use serde_json::Value;
use std::fmt::Write;

/// Serializes `value` as Python's `json.dumps(value, indent=indent)` would.
///
/// Integers print as Python does; floats use serde_json's shortest form, which equals Python's
/// `repr` except for exponent spelling (`1e20` vs `1e+20`); the scanners emit no floats.
pub fn to_string_indent(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, value, indent, 0);
    out
}

fn newline(out: &mut String, indent: usize, level: usize) {
    const SPACES: &str = "                                                                ";
    out.push('\n');
    let mut n = indent * level;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

fn write_value(out: &mut String, value: &Value, indent: usize, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, level + 1);
                write_str(out, k);
                out.push_str(": ");
                write_value(out, v, indent, level + 1);
            }
            newline(out, indent, level);
            out.push('}');
        }
    }
}

/// A string literal with Python's `ensure_ascii` escaping: `\" \\ \n \r \t \b \f`, other control
/// characters, DEL and everything above it as `\uxxxx` (lowercase hex, UTF-16 surrogate pairs).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    // Printable ASCII other than `"` and `\\` goes out as it is, a run at a time.
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    let mut rest = s;
    while !rest.is_empty() {
        let run = rest.bytes().position(|b| !plain(b)).unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        let Some(c) = rest[run..].chars().next() else {
            break;
        };
        write_escaped(out, c);
        rest = &rest[run + c.len_utf8()..];
    }
    out.push('"');
}

/// One character that is not printable ASCII (or is `"` or `\\`), escaped.
fn write_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c => {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
}

/// A legacy result file's bytes, as the historical CentOS scanners wrote them with Python's
/// `json.dump(..., indent=4)` (non-ASCII escaped), newline-terminated.
pub fn legacy_file_bytes(value: &Value) -> Vec<u8> {
    let mut out = to_string_indent(value, 4).into_bytes();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let v =
            json!({"a": [], "b": {}, "c": [1, {"d": null}], "e": "x\u{7f}\u{e9}\u{1f600}\u{1}"});
        assert_eq!(
            to_string_indent(&v, 2),
            "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": \"x\\u007f\\u00e9\\ud83d\\ude00\\u0001\"\n}"
        );
    }
}
