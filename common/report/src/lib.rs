//! The atomic scan result contract: target enumeration under /scanin, the `json` result document, atomic file writes and `--scanner_args` handling.
