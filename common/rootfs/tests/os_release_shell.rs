//! os-release values unquoted as a POSIX shell does (os-release(5) files are shell-compatible):
//! the file is sourced by `sh` and every variable printed, then compared with our parse.

use std::process::Command;

const LINES: &[&str] = &[
    "ID=fedora",
    "NAME=\"Red Hat Enterprise Linux\"",
    "VERSION='8.1 (Ootpa)'",
    r#"PRETTY_NAME="esc \" \$ \` \\ done""#,
    r#"HOME_URL="keep \n backslash""#,
    r#"VARIANT='single $not \expanded'"#,
    r#"VARIANT_ID='con'"cat"enated"#,
    "CPE_NAME=\"cpe:/o:redhat:enterprise_linux:8.1:GA\"",
    "BUILD_ID=\"unicode \u{e9}\u{2013}\"",
    r#"SUPPORT_END=escaped\ space"#,
    "# a comment",
    "",
    "VERSION_ID=\"8.1\"",
    "ID=rhel",
];

#[test]
fn values_equal_what_sh_sources() {
    if !testkit::require_tool("sh") {
        return;
    }
    let text = LINES.join("\n") + "\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("os-release");
    std::fs::write(&file, &text).unwrap();
    let ours = rootfs::os_release::parse(&text);
    for (key, value) in &ours.fields {
        let out = testkit::run(
            Command::new("sh")
                .arg("-c")
                .arg(format!(". \"$1\" && printf '%s' \"${key}\""))
                .arg("sh")
                .arg(&file),
        )
        .unwrap();
        assert_eq!(value, &String::from_utf8(out.stdout).unwrap(), "{key}");
    }
    assert_eq!(ours.fields.len(), 11);
    assert_eq!(ours.id.as_deref(), Some("rhel"));
}
