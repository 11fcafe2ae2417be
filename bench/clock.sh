# Sourced by the bench scripts: the clock, read without starting a process (`$(date ...)` would
# put the start of `date`, about a millisecond, inside every measured interval). Bash >= 5; a
# locale's decimal comma is made a point.
[ -n "${EPOCHREALTIME:-}" ] || { echo "needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; }
# Sets NOW to the time in seconds, with a fraction.
now() { NOW=${EPOCHREALTIME/,/.}; }
# Sets NOW to the time in nanoseconds (an integer, for shell arithmetic).
now_ns() { NOW=${EPOCHREALTIME/[.,]/}000; }
