//! Per-file `rpm -V` checks of an installed package against an image tree: digests, size, mode, owner, group, mtime, link target, device numbers and capabilities.
