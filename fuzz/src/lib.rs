//! Helpers shared by the fuzz targets: everything a scanner does with one header blob.

/// Parses `blob` as rpm would store it in a database and walks every typed view of it.
pub fn exercise_blob(blob: &[u8]) {
    if let Ok(h) = rpmdb::Header::parse(blob) {
        let _ = rpmdb::digest::skip_reason(&h);
        let headers = [("fuzz".to_string(), h)];
        let mut warnings = Vec::new();
        for mode in [
            rpmdb::query::Mode::Packages,
            rpmdb::query::Mode::Info,
            rpmdb::query::Mode::Files,
        ] {
            let _ = rpmdb::query::render_headers(&headers, mode, &mut warnings);
        }
        let [(_, h)] = headers;
        for tag in h.tags().collect::<Vec<_>>() {
            let _ = h.string_lossy(tag);
            let _ = h.string_vec(tag);
            let _ = h.u64_array(tag);
            let _ = h.bin(tag);
        }
    }
    if let Ok(Some(p)) = rpmdb::parse_package(blob) {
        let _ = p.nevra();
        let _ = p.evr();
        let _ = p.files();
    }
}
