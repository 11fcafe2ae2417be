//! Comparing one state (or object) value with one collected value under an OVAL operation and
//! datatype, as OpenSCAP does: evr_string with rpm's version ordering (the `rpmdb` crate), the
//! field-wise `version` ordering, integers, floats, booleans, binary, and PCRE2 pattern matches.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use pcre2::bytes::{Regex, RegexBuilder};

use crate::model::{Datatype, Operation};
use crate::result::OvalResult;

/// Compiled-pattern cache (patterns repeat thousands of times in real feeds).
#[derive(Default)]
pub struct RegexCache {
    map: RefCell<HashMap<String, Option<Rc<Regex>>>>,
}

impl RegexCache {
    /// Compiles (or fetches) a pattern with OpenSCAP's flags (UTF only); `None` if it does not
    /// compile.
    pub fn get(&self, pattern: &str) -> Option<Rc<Regex>> {
        self.get_with(pattern, false)
    }

    /// Compiles with the multiline flag as well (textfilecontent54 behaviours).
    pub fn get_with(&self, pattern: &str, multiline: bool) -> Option<Rc<Regex>> {
        let key = if multiline {
            format!("m\0{pattern}")
        } else {
            format!("s\0{pattern}")
        };
        if let Some(r) = self.map.borrow().get(&key) {
            return r.clone();
        }
        let compiled = RegexBuilder::new()
            .utf(true)
            .multi_line(multiline)
            .build(pattern)
            .ok()
            .map(Rc::new);
        self.map.borrow_mut().insert(key, compiled.clone());
        compiled
    }

    /// Whether `pattern` matches anywhere in `text`; `Error` when it does not compile or
    /// matching fails.
    pub fn is_match(&self, pattern: &str, text: &str) -> OvalResult {
        match self.get(pattern) {
            Some(re) => match re.is_match(text.as_bytes()) {
                Ok(b) => OvalResult::from_bool(b),
                Err(_) => OvalResult::Error,
            },
            None => OvalResult::Error,
        }
    }
}

fn ord_result(ord: Ordering, op: Operation) -> OvalResult {
    use Operation::*;
    match op {
        Equals => OvalResult::from_bool(ord == Ordering::Equal),
        NotEqual => OvalResult::from_bool(ord != Ordering::Equal),
        GreaterThan => OvalResult::from_bool(ord == Ordering::Greater),
        GreaterThanOrEqual => OvalResult::from_bool(ord != Ordering::Less),
        LessThan => OvalResult::from_bool(ord == Ordering::Less),
        LessThanOrEqual => OvalResult::from_bool(ord != Ordering::Greater),
        _ => OvalResult::Error,
    }
}

/// Splits `[epoch:]version[-release]` like rpm's parseEVR: the epoch only when the string starts
/// with digits followed by `:` (empty digits = "0"), the release after the last `-`.
fn parse_evr(s: &str) -> (Option<&str>, &str, Option<&str>) {
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    let (epoch, rest) = if s.as_bytes().get(digits) == Some(&b':') {
        let e = &s[..digits];
        (Some(if e.is_empty() { "0" } else { e }), &s[digits + 1..])
    } else {
        (None, s)
    };
    // rpm searches the last '-' after the epoch digits (before the ':' is removed).
    match rest.rfind('-') {
        Some(i) => (epoch, &rest[..i], Some(&rest[i + 1..])),
        None => (epoch, rest, None),
    }
}

fn cmp_opt(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(a), Some(b)) => rpmdb::evr::rpmvercmp(a, b),
    }
}

/// OpenSCAP's evr_string ordering of a collected value against a state value.
pub fn evr_cmp(sys: &str, state: &str) -> Ordering {
    let (se, sv, sr) = parse_evr(sys);
    let (te, tv, tr) = parse_evr(state);
    cmp_opt(se, te)
        .then_with(|| rpmdb::evr::rpmvercmp(sv, tv))
        .then_with(|| cmp_opt(sr, tr))
}

/// C `atoi` on the start of a string.
fn atoi(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (b'\t'..=b'\r').contains(&s[i])) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let mut n: i64 = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_add((s[i] - b'0') as i64);
        i += 1;
    }
    if neg {
        -n
    } else {
        n
    }
}

/// OpenSCAP's `version` datatype comparison: numeric fields separated by any non-digit.
fn version_cmp(state: &str, sys: &str, op: Operation) -> OvalResult {
    let (st, sy) = (state.as_bytes(), sys.as_bytes());
    let (mut si, mut yi) = (0usize, 0usize);
    while si < st.len() || yi < sy.len() {
        let a = atoi(&st[si.min(st.len())..]);
        let b = atoi(&sy[yi.min(sy.len())..]);
        match op {
            Operation::Equals if a != b => return OvalResult::False,
            Operation::NotEqual if a != b => return OvalResult::True,
            Operation::Equals | Operation::NotEqual => {}
            Operation::GreaterThan | Operation::GreaterThanOrEqual => {
                if b > a {
                    return OvalResult::True;
                }
                if b < a {
                    return OvalResult::False;
                }
            }
            Operation::LessThan | Operation::LessThanOrEqual => {
                if b < a {
                    return OvalResult::True;
                }
                if b > a {
                    return OvalResult::False;
                }
            }
            _ => return OvalResult::Error,
        }
        for (idx, s) in [(&mut si, st), (&mut yi, sy)] {
            if *idx < s.len() {
                *idx += 1;
            }
            while *idx < s.len() && s[*idx].is_ascii_digit() {
                *idx += 1;
            }
            if *idx < s.len() && !s[*idx].is_ascii_digit() {
                *idx += 1;
            }
        }
    }
    match op {
        Operation::Equals | Operation::GreaterThanOrEqual | Operation::LessThanOrEqual => {
            OvalResult::True
        }
        _ => OvalResult::False,
    }
}

fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim_start();
    if t.is_empty() {
        return None;
    }
    t.parse::<i64>().ok()
}

fn cmp_float(a: f64, b: f64) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let r = if a > b {
        Ordering::Greater
    } else {
        Ordering::Less
    };
    let rel = if a.abs() > b.abs() {
        ((a - b) / a).abs()
    } else {
        ((a - b) / b).abs()
    };
    if rel <= 0.000000001 {
        Ordering::Equal
    } else {
        r
    }
}

/// Compares a collected value `sys` with a state value `state` of datatype `dt` under `op`.
pub fn compare(state: &str, dt: Datatype, sys: &str, op: Operation, re: &RegexCache) -> OvalResult {
    use Operation::*;
    match dt {
        Datatype::String => match op {
            Equals => OvalResult::from_bool(state == sys),
            NotEqual => OvalResult::from_bool(state != sys),
            CaseInsensitiveEquals => OvalResult::from_bool(caseless_eq(state, sys)),
            CaseInsensitiveNotEqual => OvalResult::from_bool(!caseless_eq(state, sys)),
            PatternMatch => re.is_match(state, sys),
            _ => OvalResult::Error,
        },
        Datatype::Int => {
            let (Some(a), Some(b)) = (parse_int(state), parse_int(sys)) else {
                return OvalResult::Error;
            };
            match op {
                BitwiseAnd => OvalResult::from_bool(a & b == a),
                BitwiseOr => OvalResult::from_bool(a | b == a),
                _ => ord_result(b.cmp(&a), op),
            }
        }
        Datatype::Float => {
            let (Ok(a), Ok(b)) = (
                state.trim_start().parse::<f64>(),
                sys.trim_start().parse::<f64>(),
            ) else {
                return OvalResult::Error;
            };
            ord_result(cmp_float(b, a), op)
        }
        Datatype::Boolean => {
            let a = state == "true" || state == "1";
            let b = sys == "true" || sys == "1";
            match op {
                Equals => OvalResult::from_bool(a == b),
                NotEqual => OvalResult::from_bool(a != b),
                _ => OvalResult::Error,
            }
        }
        Datatype::Binary => match op {
            Equals => OvalResult::from_bool(state.eq_ignore_ascii_case(sys)),
            NotEqual => OvalResult::from_bool(!state.eq_ignore_ascii_case(sys)),
            _ => OvalResult::Error,
        },
        Datatype::EvrString | Datatype::DebianEvrString => ord_result(evr_cmp(sys, state), op),
        Datatype::Version => version_cmp(state, sys, op),
        Datatype::FilesetRevision | Datatype::IosVersion => OvalResult::NotEvaluated,
        Datatype::Ipv4Address => match (parse_ipv4(state), parse_ipv4(sys)) {
            (Some((a, m)), Some((b, n))) => {
                ip_cmp(u128::from(a), m, u128::from(b), n, op, |x, m| {
                    x & u128::from(m)
                })
            }
            _ => OvalResult::Error,
        },
        Datatype::Ipv6Address => match (parse_ipv6(state), parse_ipv6(sys)) {
            (Some((a, m)), Some((b, n))) => ip_cmp(a, m, b, n, op, |x, len| match len {
                0 => 0,
                1..=127 => x & (u128::MAX << (128 - len)),
                _ => x,
            }),
            _ => OvalResult::Error,
        },
        Datatype::Record => OvalResult::Error,
    }
}

/// `a.b.c.d[/prefix|/netmask]` as (address, netmask); a prefix of 0 keeps every bit, as
/// oscap's shift by 32 does on x86.
fn parse_ipv4(s: &str) -> Option<(u32, u32)> {
    let (addr, mask) = match s.split_once('/') {
        None => (s, u32::MAX),
        Some((addr, m)) => {
            let octets: Vec<&str> = m.split('.').collect();
            let mask = if octets.len() == 4 {
                let mut v = 0u32;
                for o in octets {
                    v = (v << 8) | u32::from(o.parse::<u8>().ok()?);
                }
                v
            } else {
                let digits: String = m.chars().take_while(char::is_ascii_digit).collect();
                match digits.parse::<u32>().ok()? {
                    0 => u32::MAX,
                    n @ 1..=32 => u32::MAX << (32 - n),
                    _ => return None,
                }
            };
            (addr, mask)
        }
    };
    Some((u32::from(addr.parse::<std::net::Ipv4Addr>().ok()?), mask))
}

/// `address[/prefix-length]` (default 128; the length read as strtol reads it, so garbage is
/// 0 and lengths over 128 are kept, as oscap keeps them).
fn parse_ipv6(s: &str) -> Option<(u128, u32)> {
    let (addr, len) = match s.split_once('/') {
        None => (s, 128),
        Some((addr, l)) => {
            let digits: String = l
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            (addr, digits.parse::<u32>().unwrap_or(0))
        }
    };
    Some((u128::from(addr.parse::<std::net::Ipv6Addr>().ok()?), len))
}

/// oscap's address comparison: `a`/`m` from the state, `b`/`n` from the item; equality is of
/// address and mask, subset/superset compare the networks, ordering needs equal masks.
fn ip_cmp(
    a: u128,
    m: u32,
    b: u128,
    n: u32,
    op: Operation,
    mask: impl Fn(u128, u32) -> u128,
) -> OvalResult {
    use Operation::*;
    match op {
        Equals => OvalResult::from_bool(a == b && m == n),
        NotEqual => OvalResult::from_bool(a != b || m != n),
        // the item's addresses all within the state's
        SubsetOf => OvalResult::from_bool(m <= n && mask(a, m) == mask(b, m)),
        // the state's addresses all within the item's
        SupersetOf => OvalResult::from_bool(m >= n && mask(a, n) == mask(b, n)),
        GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual if m == n => {
            ord_result(mask(b, n).cmp(&mask(a, m)), op)
        }
        _ => OvalResult::Error,
    }
}

fn caseless_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evr_parse_like_rpm() {
        assert_eq!(parse_evr("1:2.3-4.el8"), (Some("1"), "2.3", Some("4.el8")));
        assert_eq!(parse_evr("2.3"), (None, "2.3", None));
        assert_eq!(parse_evr(":2-1"), (Some("0"), "2", Some("1")));
    }

    #[test]
    fn version_fields() {
        assert_eq!(
            version_cmp("1.2.3", "1.2.10", Operation::LessThan),
            OvalResult::False
        );
        assert_eq!(
            version_cmp("1.2.3", "1.2.10", Operation::GreaterThan),
            OvalResult::True
        );
        assert_eq!(
            version_cmp("1.2", "1.2.0", Operation::Equals),
            OvalResult::True
        );
    }
}
