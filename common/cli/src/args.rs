//! Option spelling: `atomic scan --scanner_args scan_type=cve,profile=x` reaches the scanner as
//! `--scan_type cve --profile x`; clap's long options are hyphenated (`--scan-type`).

use std::ffi::OsString;

/// Rewrites underscores to hyphens in the name part of every `--long[=value]` option, leaving
/// values, short options, positional arguments and everything after a bare `--` untouched.
/// The first element (the program name) is kept as is.
pub fn normalize_args<I, T>(args: I) -> Vec<OsString>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let mut out = Vec::new();
    let mut rest_verbatim = false;
    for (i, arg) in args.into_iter().enumerate() {
        let arg: OsString = arg.into();
        if i == 0 || rest_verbatim {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            rest_verbatim = true;
            out.push(arg);
            continue;
        }
        match arg.to_str() {
            Some(s) if s.starts_with("--") => {
                let (name, value) = match s.find('=') {
                    Some(eq) => s.split_at(eq),
                    None => (s, ""),
                };
                out.push(format!("--{}{value}", name[2..].replace('_', "-")).into());
            }
            _ => out.push(arg),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underscores_in_option_names_only() {
        let got = normalize_args([
            "scanner-openscap",
            "--scan_type",
            "configuration_compliance",
            "--profile=xccdf_org.x_y",
            "--fix_type=bash",
            "-x_y",
            "some_file",
            "--",
            "--not_an_option",
        ]);
        let want: Vec<OsString> = [
            "scanner-openscap",
            "--scan-type",
            "configuration_compliance",
            "--profile=xccdf_org.x_y",
            "--fix-type=bash",
            "-x_y",
            "some_file",
            "--",
            "--not_an_option",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(got, want);
    }
}
