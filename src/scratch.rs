//! Scratch folders for the unit tests: one per test under the system's temporary folder,
//! named for the process and the test, emptied when made and removed when the guard is
//! dropped (also when the test panics), so test runs leave nothing behind.

use std::path::{Path, PathBuf};

/// A fresh folder, removed on drop; derefs to its path.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    /// `<temp>/<name>-<pid>`, empty.
    pub(crate) fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch folder in the temp folder");
        Scratch(dir)
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
