//! XCCDF rule results and their algebra: the AND/OR/negation truth tables of XCCDF 1.2
//! (Tables 12-14) and the OVAL definition result -> XCCDF result mapping of SCAP 1.2/1.3.

use std::fmt;
use std::str::FromStr;

/// An XCCDF `rule-result/result` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XccdfResult {
    Pass,
    Fail,
    Error,
    Unknown,
    NotApplicable,
    NotChecked,
    NotSelected,
    Informational,
    Fixed,
}

/// An OVAL definition result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OvalResult {
    True,
    False,
    Unknown,
    Error,
    NotEvaluated,
    NotApplicable,
}

impl OvalResult {
    /// Parses the OVAL results spelling ("true", "not applicable"...).
    pub fn parse(s: &str) -> Option<OvalResult> {
        Some(match s {
            "true" => OvalResult::True,
            "false" => OvalResult::False,
            "unknown" => OvalResult::Unknown,
            "error" => OvalResult::Error,
            "not evaluated" => OvalResult::NotEvaluated,
            "not applicable" => OvalResult::NotApplicable,
            _ => return None,
        })
    }
}

impl XccdfResult {
    pub fn as_str(self) -> &'static str {
        match self {
            XccdfResult::Pass => "pass",
            XccdfResult::Fail => "fail",
            XccdfResult::Error => "error",
            XccdfResult::Unknown => "unknown",
            XccdfResult::NotApplicable => "notapplicable",
            XccdfResult::NotChecked => "notchecked",
            XccdfResult::NotSelected => "notselected",
            XccdfResult::Informational => "informational",
            XccdfResult::Fixed => "fixed",
        }
    }

    /// Table 14: negation swaps pass and fail only.
    pub fn negate(self) -> XccdfResult {
        match self {
            XccdfResult::Pass => XccdfResult::Fail,
            XccdfResult::Fail => XccdfResult::Pass,
            other => other,
        }
    }

    /// Table 12 (AND). The table is a precedence order: F > U > E > P > N > K > S > I.
    pub fn and(self, other: XccdfResult) -> XccdfResult {
        const ORDER: [XccdfResult; 8] = [
            XccdfResult::Fail,
            XccdfResult::Unknown,
            XccdfResult::Error,
            XccdfResult::Pass,
            XccdfResult::NotApplicable,
            XccdfResult::NotChecked,
            XccdfResult::NotSelected,
            XccdfResult::Informational,
        ];
        pick(&ORDER, self, other)
    }

    /// Table 13 (OR): P > U > E > F > N > K > S > I.
    pub fn or(self, other: XccdfResult) -> XccdfResult {
        const ORDER: [XccdfResult; 8] = [
            XccdfResult::Pass,
            XccdfResult::Unknown,
            XccdfResult::Error,
            XccdfResult::Fail,
            XccdfResult::NotApplicable,
            XccdfResult::NotChecked,
            XccdfResult::NotSelected,
            XccdfResult::Informational,
        ];
        pick(&ORDER, self, other)
    }

    /// OVAL definition result -> XCCDF result. Compliance/inventory/miscellaneous classes:
    /// true is pass; vulnerability/patch classes: true is fail.
    pub fn from_oval(r: OvalResult, class: &str) -> XccdfResult {
        let inverted = matches!(class, "vulnerability" | "patch");
        match r {
            OvalResult::True if inverted => XccdfResult::Fail,
            OvalResult::True => XccdfResult::Pass,
            OvalResult::False if inverted => XccdfResult::Pass,
            OvalResult::False => XccdfResult::Fail,
            OvalResult::Unknown => XccdfResult::Unknown,
            OvalResult::Error => XccdfResult::Error,
            OvalResult::NotEvaluated => XccdfResult::NotChecked,
            OvalResult::NotApplicable => XccdfResult::NotApplicable,
        }
    }
}

fn pick(order: &[XccdfResult; 8], a: XccdfResult, b: XccdfResult) -> XccdfResult {
    let norm = |x: XccdfResult| {
        if x == XccdfResult::Fixed {
            XccdfResult::Pass
        } else {
            x
        }
    };
    let (a, b) = (norm(a), norm(b));
    let rank = |x| order.iter().position(|o| *o == x).unwrap_or(order.len());
    if rank(a) <= rank(b) {
        a
    } else {
        b
    }
}

impl fmt::Display for XccdfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for XccdfResult {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "pass" => XccdfResult::Pass,
            "fail" => XccdfResult::Fail,
            "error" => XccdfResult::Error,
            "unknown" => XccdfResult::Unknown,
            "notapplicable" => XccdfResult::NotApplicable,
            "notchecked" => XccdfResult::NotChecked,
            "notselected" => XccdfResult::NotSelected,
            "informational" => XccdfResult::Informational,
            "fixed" => XccdfResult::Fixed,
            other => return Err(format!("unknown XCCDF result {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::XccdfResult::{self, *};

    const ALL: [XccdfResult; 8] = [
        Pass,
        Fail,
        Unknown,
        Error,
        NotApplicable,
        NotChecked,
        NotSelected,
        Informational,
    ];

    /// XCCDF 1.2 Table 12 and 13, row by row in the spec's P F U E N K S I order.
    #[test]
    fn truth_tables() {
        let and_rows = [
            "PFUEPPPP", "FFFFFFFF", "UFUUUUUU", "EFUEEEEE", "PFUENNNN", "PFUENKKK", "PFUENKSS",
            "PFUENKSI",
        ];
        let or_rows = [
            "PPPPPPPP", "PFUEFFFF", "PUUUUUUU", "PEUEEEEE", "PFUENNNN", "PFUENKKK", "PFUENKSS",
            "PFUENKSI",
        ];
        let letter = |r: XccdfResult| match r {
            Pass => 'P',
            Fail => 'F',
            Unknown => 'U',
            Error => 'E',
            NotApplicable => 'N',
            NotChecked => 'K',
            NotSelected => 'S',
            Informational => 'I',
            Fixed => 'X',
        };
        for (i, a) in ALL.iter().enumerate() {
            let and: String = ALL.iter().map(|b| letter(a.and(*b))).collect();
            let or: String = ALL.iter().map(|b| letter(a.or(*b))).collect();
            assert_eq!(and, and_rows[i], "AND row {a}");
            assert_eq!(or, or_rows[i], "OR row {a}");
        }
        assert_eq!(Pass.negate(), Fail);
        assert_eq!(NotChecked.negate(), NotChecked);
    }
}
