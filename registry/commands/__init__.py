"""Long-running operator commands of `tb-registry` (export, import, ...) and what they share."""
