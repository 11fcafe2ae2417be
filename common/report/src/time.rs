//! Timestamps in the format atomic's scanners used: local time, `%Y-%m-%dT%H:%M:%S`, no zone
//! (atomic bind-mounts the host's /etc/localtime into the scanner container for this).

use std::time::{SystemTime, UNIX_EPOCH};

/// `t` broken down in local time (UTC when the local zone cannot be determined), with its
/// microseconds.
fn broken_down(t: SystemTime) -> Option<(libc::tm, u32)> {
    let (secs, micros) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as libc::time_t, d.subsec_micros()),
        Err(e) => (-(e.duration().as_secs() as libc::time_t), 0),
    };
    // SAFETY: localtime_r/gmtime_r only write into the zeroed `tm` we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() }
        || unsafe { !libc::gmtime_r(&secs, &mut tm).is_null() };
    ok.then_some((tm, micros))
}

/// Formats `t` as local time `YYYY-MM-DDTHH:MM:SS` (Python's `strftime("%Y-%m-%dT%H:%M:%S")` on
/// `datetime.now()`); falls back to UTC when the local zone cannot be determined.
pub fn local_timestamp(t: SystemTime) -> String {
    let Some((tm, _)) = broken_down(t) else {
        return "unknown".to_string();
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        tm.tm_year as i64 + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    )
}

/// Formats `t` as the CentOS pipeline scanners' legacy files did: local time
/// `%Y-%m-%d-%H-%M-%S-%f` (microseconds).
pub fn legacy_timestamp(t: SystemTime) -> String {
    let Some((tm, micros)) = broken_down(t) else {
        return "unknown".to_string();
    };
    format!(
        "{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{:06}",
        tm.tm_year as i64 + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        micros
    )
}

/// The current local time in that format.
pub fn now() -> String {
    local_timestamp(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn format_matches_date_command() {
        // `date` is the reference for the local zone here.
        let t = UNIX_EPOCH + Duration::from_secs(1_470_750_647);
        let out = std::process::Command::new("date")
            .args(["-d", "@1470750647", "+%Y-%m-%dT%H:%M:%S"])
            .output();
        let ours = local_timestamp(t);
        assert_eq!(ours.len(), "2016-08-09T13:50:47".len());
        if let Ok(out) = out {
            if out.status.success() {
                assert_eq!(ours, String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
}
