//! Board-level designs.
