//! Standard output of the command-line tools. When the reader of a pipe goes away
//! (`rpmdb-query --files | head`), a C tool is ended quietly by SIGPIPE; Rust ignores that
//! signal, so the write fails instead ("Broken pipe", or a panic in `println!`). The tools
//! treat that failure as the end of their output, not as an error, as ripgrep does.

use std::io::{self, Write};

/// Whether `e`, or an error it was caused by, is a write into a pipe nobody reads any more.
pub fn is_broken_pipe(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Writes `bytes` to standard output and flushes it. Ok(false) when the reader has gone away
/// (nothing more is worth writing); other write errors are returned.
pub fn print(bytes: &[u8]) -> io::Result<bool> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("writing the list")]
    struct Outer(#[source] io::Error);

    #[test]
    fn broken_pipe_is_found_through_the_causes() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&pipe()));
        assert!(is_broken_pipe(&Outer(pipe())));
        assert!(!is_broken_pipe(&Outer(io::Error::from(
            io::ErrorKind::PermissionDenied
        ))));
        assert!(!is_broken_pipe(&io::Error::other("Broken pipe")));
    }
}
