//! dnf's INI dialect: `[section]` headers, `key=value` lines, `#`/`;` comment lines, indented
//! continuation lines, later duplicates overriding earlier ones.

/// One section with its keys in file order (keys lower-cased, values trimmed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<(String, String)>,
}

impl Section {
    /// The last value set for `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole file. Lines before the first section and malformed lines are ignored, as
/// dnf warns and goes on.
pub fn parse(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut last_key: Option<usize> = None;
    for raw in text.lines() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            last_key = None;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented {
            if let (Some(sec), Some(k)) = (out.last_mut(), last_key) {
                let v = &mut sec.entries[k].1;
                if !v.is_empty() {
                    v.push('\n');
                }
                v.push_str(trimmed);
                continue;
            }
        }
        if trimmed.starts_with('[') {
            if let Some(end) = trimmed.find(']') {
                out.push(Section {
                    name: trimmed[1..end].trim().to_string(),
                    entries: Vec::new(),
                });
                last_key = None;
                continue;
            }
        }
        let Some(sec) = out.last_mut() else { continue };
        if let Some((k, v)) = trimmed.split_once('=') {
            sec.entries
                .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            last_key = Some(sec.entries.len() - 1);
        }
    }
    out
}

/// A list option: items separated by commas and/or whitespace (newlines included).
pub fn list(value: &str) -> Vec<String> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A boolean option as libdnf accepts it; None when not a boolean.
pub fn boolean(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_and_comments() {
        let s = parse("# c\n[main]\nexclude=a b\n  c,d\n; x\n[r1]\nbaseurl=file:///x\n");
        assert_eq!(s.len(), 2);
        assert_eq!(list(s[0].get("exclude").unwrap()), ["a", "b", "c", "d"]);
        assert_eq!(s[1].get("baseurl"), Some("file:///x"));
    }
}
