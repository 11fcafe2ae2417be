//! OVAL's result algebra: the six result values, combining results by operator (AND/OR/ONE/XOR)
//! and by check (all / at least one / none satisfy / only one), negation, and the existence
//! tables over item statuses — with OpenSCAP's exact tie-breaking (an empty set is `unknown`).

// The tables are written row by row as in the OVAL specification, even where rows share a value.
#![allow(clippy::if_same_then_else)]

use crate::model::{Check, Existence, Operator};

/// An OVAL result value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OvalResult {
    True,
    False,
    Unknown,
    Error,
    NotEvaluated,
    NotApplicable,
}

impl OvalResult {
    /// The results-schema spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OvalResult::True => "true",
            OvalResult::False => "false",
            OvalResult::Unknown => "unknown",
            OvalResult::Error => "error",
            OvalResult::NotEvaluated => "not evaluated",
            OvalResult::NotApplicable => "not applicable",
        }
    }
    /// Parses the results-schema spelling.
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
    /// `negate="true"`: swaps true and false, leaves the rest.
    pub fn negate(self, negate: bool) -> OvalResult {
        match (negate, self) {
            (true, OvalResult::True) => OvalResult::False,
            (true, OvalResult::False) => OvalResult::True,
            (_, r) => r,
        }
    }
    /// From a boolean comparison outcome.
    pub fn from_bool(b: bool) -> OvalResult {
        if b {
            OvalResult::True
        } else {
            OvalResult::False
        }
    }
}

/// Counts of each result value, to be folded by an operator or a check.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub t: usize,
    pub f: usize,
    pub e: usize,
    pub u: usize,
    pub ne: usize,
    pub na: usize,
}

impl Counts {
    /// Adds one result.
    pub fn add(&mut self, r: OvalResult) {
        match r {
            OvalResult::True => self.t += 1,
            OvalResult::False => self.f += 1,
            OvalResult::Error => self.e += 1,
            OvalResult::Unknown => self.u += 1,
            OvalResult::NotEvaluated => self.ne += 1,
            OvalResult::NotApplicable => self.na += 1,
        }
    }

    fn special(&self) -> Option<OvalResult> {
        if self.t + self.f + self.e + self.u + self.ne + self.na == 0 {
            return Some(OvalResult::Unknown);
        }
        if self.na > 0 && self.t + self.f + self.e + self.u + self.ne == 0 {
            return Some(OvalResult::NotApplicable);
        }
        None
    }

    /// Folds by a check value.
    pub fn by_check(&self, check: Check) -> OvalResult {
        if let Some(r) = self.special() {
            return r;
        }
        let c = self;
        use OvalResult::*;
        match check {
            Check::All => {
                if c.t > 0 && c.f == 0 && c.e == 0 && c.u == 0 && c.ne == 0 {
                    True
                } else if c.f > 0 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else if c.ne > 0 {
                    NotEvaluated
                } else {
                    Error
                }
            }
            Check::AtLeastOne => {
                if c.t > 0 {
                    True
                } else if c.f > 0 && c.u == 0 && c.e == 0 && c.ne == 0 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.f == 0 && c.u > 0 {
                    Unknown
                } else if c.f == 0 && c.u == 0 && c.ne > 0 {
                    NotEvaluated
                } else {
                    Error
                }
            }
            Check::NoneSatisfy => {
                if c.t > 0 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else if c.ne > 0 {
                    NotEvaluated
                } else if c.f > 0 {
                    True
                } else {
                    Error
                }
            }
            Check::OnlyOne => {
                if c.t == 1 && c.e == 0 && c.u == 0 && c.ne == 0 {
                    True
                } else if c.t > 1 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else if c.ne > 0 {
                    NotEvaluated
                } else if c.t != 1 && c.f > 0 {
                    False
                } else {
                    Error
                }
            }
        }
    }

    /// Folds by an operator.
    pub fn by_operator(&self, op: Operator) -> OvalResult {
        if let Some(r) = self.special() {
            return r;
        }
        let c = self;
        use OvalResult::*;
        match op {
            Operator::And => self.by_check(Check::All),
            Operator::Or => {
                if c.t > 0 {
                    True
                } else if c.f > 0 && c.e == 0 && c.u == 0 && c.ne == 0 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else if c.ne > 0 {
                    NotEvaluated
                } else {
                    Error
                }
            }
            Operator::One => {
                if c.t == 1 && c.e == 0 && c.u == 0 && c.ne == 0 {
                    True
                } else if c.t >= 2 {
                    False
                } else if c.t == 0 && c.e == 0 && c.u == 0 && c.ne == 0 {
                    False
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else if c.ne > 0 {
                    NotEvaluated
                } else {
                    Error
                }
            }
            Operator::Xor => {
                if c.e == 0 && c.u == 0 && c.ne == 0 {
                    OvalResult::from_bool(c.t % 2 == 1)
                } else if c.e > 0 {
                    Error
                } else if c.u > 0 {
                    Unknown
                } else {
                    NotEvaluated
                }
            }
        }
    }
}

/// Item status in system characteristics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Exists,
    DoesNotExist,
    Error,
    NotCollected,
}

impl Status {
    /// Parses the `status` attribute (default `exists`).
    pub fn parse(s: &str) -> Status {
        match s {
            "does not exist" => Status::DoesNotExist,
            "error" => Status::Error,
            "not collected" => Status::NotCollected,
            _ => Status::Exists,
        }
    }
    /// The schema spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Exists => "exists",
            Status::DoesNotExist => "does not exist",
            Status::Error => "error",
            Status::NotCollected => "not collected",
        }
    }
}

/// Counts of item or entity statuses.
#[derive(Debug, Default, Clone, Copy)]
pub struct StatusCounts {
    pub ex: usize,
    pub dne: usize,
    pub err: usize,
    pub nc: usize,
}

impl StatusCounts {
    /// Adds one status.
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Exists => self.ex += 1,
            Status::DoesNotExist => self.dne += 1,
            Status::Error => self.err += 1,
            Status::NotCollected => self.nc += 1,
        }
    }

    /// The existence table used for state entities (`check_existence` on an entity).
    pub fn entity_existence(&self, ce: Existence) -> OvalResult {
        use OvalResult::*;
        let c = self;
        match ce {
            Existence::AllExist => {
                if c.ex >= 1 && c.dne == 0 && c.err == 0 && c.nc == 0 {
                    True
                } else if c.ex == 0 && c.dne == 0 && c.err == 0 && c.nc == 0 {
                    False
                } else if c.dne >= 1 {
                    False
                } else if c.err >= 1 {
                    Error
                } else {
                    Unknown
                }
            }
            Existence::AnyExist => {
                if c.err == 0 || c.ex >= 1 {
                    True
                } else {
                    Error
                }
            }
            Existence::AtLeastOneExists => {
                if c.ex >= 1 {
                    True
                } else if c.err >= 1 {
                    Error
                } else if c.nc >= 1 {
                    Unknown
                } else {
                    Unknown
                }
            }
            Existence::NoneExist => {
                if c.ex == 0 && c.err == 0 && c.nc == 0 {
                    True
                } else if c.ex >= 1 {
                    False
                } else if c.err >= 1 {
                    Error
                } else {
                    Unknown
                }
            }
            Existence::OnlyOneExists => {
                if c.ex == 1 && c.err == 0 && c.nc == 0 {
                    True
                } else if c.ex >= 2 {
                    False
                } else if c.ex == 0 && c.err == 0 && c.nc == 1 {
                    False
                } else if c.ex <= 1 && (c.err >= 1 || c.nc >= 1) {
                    Error
                } else {
                    Unknown
                }
            }
        }
    }
}

/// The existence check of a test over its collected items (OpenSCAP counts only `exists`
/// and `error` items here).
pub fn test_existence(ce: Existence, exists: usize, errors: usize) -> OvalResult {
    use OvalResult::*;
    match ce {
        Existence::AllExist => {
            if exists >= 1 && errors == 0 {
                True
            } else if exists == 0 && errors == 0 {
                False
            } else {
                Error
            }
        }
        Existence::AnyExist => {
            if errors == 0 || exists >= 1 {
                True
            } else {
                Error
            }
        }
        Existence::AtLeastOneExists => {
            if exists >= 1 {
                True
            } else if errors == 0 {
                False
            } else {
                Error
            }
        }
        Existence::NoneExist => {
            if exists == 0 && errors == 0 {
                True
            } else if exists >= 1 && errors == 0 {
                False
            } else if exists == 0 {
                Error
            } else {
                Error
            }
        }
        Existence::OnlyOneExists => {
            if exists == 1 && errors == 0 {
                True
            } else if exists >= 2 || (exists == 0 && errors == 0) {
                False
            } else {
                Error
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_not_applicable_sets() {
        let c = Counts::default();
        assert_eq!(c.by_operator(Operator::And), OvalResult::Unknown);
        let mut c = Counts::default();
        c.add(OvalResult::NotApplicable);
        assert_eq!(c.by_operator(Operator::Or), OvalResult::NotApplicable);
        c.add(OvalResult::False);
        assert_eq!(c.by_operator(Operator::Or), OvalResult::False);
    }
}
