//! Test support: building real RPMs with rpmbuild, installing them with `rpm --root`, making repositories with createrepo_c, and requiring reference tools in CI.
