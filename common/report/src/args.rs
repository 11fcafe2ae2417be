//! Normalisation of the trailing options `atomic scan --scanner_args k=v,flag` appends to a scanner's
//! command line (`--k v --flag`), applied by every scanner binary before clap parses argv.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Rewrites option names so atomic's spellings reach clap: `--fix_type` becomes `--fix-type` (also
/// in `--fix_type=bash`), since atomic users type the historical underscore names; values, short
/// options, positionals and everything after a literal `--` are left alone (this part is
/// [`cli::normalize_args`]). In addition, a whole unexpanded `k=v,k2` list given after
/// `--scanner_args` (as typed by hand, outside atomic) is expanded the way atomic does:
/// `--scanner_args=k=v,k2` or `--scanner_args k=v,k2` become `--k v --k2`.
pub fn normalize_scanner_args<I, S>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut expanded = Vec::new();
    let mut iter = args.into_iter().map(Into::into);
    let mut passthrough = false;
    while let Some(arg) = iter.next() {
        let bytes = arg.as_bytes();
        if passthrough {
            expanded.push(arg);
            continue;
        }
        if bytes == b"--" {
            passthrough = true;
            expanded.push(arg);
            continue;
        }
        if bytes == b"--scanner_args" || bytes == b"--scanner-args" {
            if let Some(list) = iter.next() {
                expanded.extend(expand_atomic_list(&list));
            }
            continue;
        }
        if let Some(list) = bytes
            .strip_prefix(b"--scanner_args=")
            .or_else(|| bytes.strip_prefix(b"--scanner-args="))
        {
            expanded.extend(expand_atomic_list(OsStr::from_bytes(list)));
            continue;
        }
        expanded.push(arg);
    }
    cli::normalize_args(expanded)
}

/// atomic's own expansion of a `--scanner_args` value: split on `,`; `k=v` -> `--k v`, `k` -> `--k`.
pub fn expand_atomic_list(list: &OsStr) -> Vec<OsString> {
    let mut out = Vec::new();
    for item in list.as_bytes().split(|b| *b == b',') {
        if item.is_empty() {
            continue;
        }
        match item.iter().position(|b| *b == b'=') {
            Some(i) => {
                let mut name = b"--".to_vec();
                name.extend_from_slice(&item[..i]);
                out.push(OsString::from_vec(name));
                out.push(OsString::from_vec(item[i + 1..].to_vec()));
            }
            None => {
                let mut name = b"--".to_vec();
                name.extend_from_slice(item);
                out.push(OsString::from_vec(name));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(args: &[&str]) -> Vec<String> {
        normalize_scanner_args(args.iter().copied())
            .into_iter()
            .map(|s| s.into_string().unwrap())
            .collect()
    }

    #[test]
    fn atomic_trailing_options() {
        // What atomic appends for `--scanner_args profile=xccdf_x_pci-dss,report,fix_type=bash`.
        assert_eq!(
            n(&[
                "scanner",
                "--scanin",
                "/scanin",
                "--profile",
                "xccdf_x_pci-dss",
                "--report",
                "--fix_type",
                "bash"
            ]),
            [
                "scanner",
                "--scanin",
                "/scanin",
                "--profile",
                "xccdf_x_pci-dss",
                "--report",
                "--fix-type",
                "bash"
            ]
        );
        assert_eq!(
            n(&["s", "--fix_type=ansible_x"]),
            ["s", "--fix-type=ansible_x"]
        );
        assert_eq!(
            n(&["s", "-j", "1", "under_score"]),
            ["s", "-j", "1", "under_score"]
        );
        assert_eq!(n(&["s", "--", "--a_b"]), ["s", "--", "--a_b"]);
        assert_eq!(
            n(&["s", "--scanner_args", "profile=p_1,report"]),
            ["s", "--profile", "p_1", "--report"]
        );
        assert_eq!(
            n(&["s", "--scanner_args=a=b=c,,x_y"]),
            ["s", "--a", "b=c", "--x-y"]
        );
    }
}
