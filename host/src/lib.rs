//! dl2pa host crate.
