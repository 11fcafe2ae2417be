//! Fuzzes scanner-yum-update's dnf.conf / .repo parsing: the INI reader and the whole config
//! load (main options, vars, repo sections, `$var` substitution, then the `file://` URL helpers
//! on every base URL) over an in-memory image whose
//! dnf.conf, one .repo file and one vars file come from the input (split on NUL bytes).
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use yum_update::config::{Config, MemoryImage};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = yum_update::ini::parse(&text);
    let mut parts = text.split('\0');
    let mut files = BTreeMap::new();
    for path in [
        "/etc/dnf/dnf.conf",
        "/etc/yum.repos.d/fuzz.repo",
        "/etc/dnf/vars/fuzzvar",
    ] {
        if let Some(p) = parts.next() {
            files.insert(path.to_string(), p.to_string());
        }
    }
    let mut builtin = BTreeMap::new();
    builtin.insert("releasever".to_string(), "9".to_string());
    builtin.insert("arch".to_string(), "x86_64".to_string());
    builtin.insert("basearch".to_string(), "x86_64".to_string());
    if let Ok(cfg) = Config::load(&MemoryImage(files), builtin, &Default::default()) {
        // Base URLs go on to the URL helpers as the repository loader uses them.
        for repo in &cfg.repos {
            for url in &repo.baseurl {
                let _ = yum_update::fetch::file_path(url);
                if let Ok(u) = yum_update::fetch::join(url, "repodata/repomd.xml") {
                    let _ = yum_update::fetch::file_path(&u);
                }
            }
        }
    }
});
