//! Output paths are checked before the work, not after it: a command that runs for
//! minutes (a bench, a virtual board session, a build) and then cannot write its result
//! has lost that work. Each check writes a probe file where the output will go and removes
//! it, so permissions, read-only mounts, a missing folder or a folder in the way of a file
//! all show up at once, in an error naming the path, the option and the fix.

use anyhow::{bail, Context, Result};
use std::path::Path;

/// Checks that the file `path` (given by `option`, e.g. `--stats-json`) can be written:
/// its folder exists and takes a new file, and an existing file there is writable.
/// Nothing is left behind.
pub fn check_file(path: &Path, option: &str) -> Result<()> {
    let fix = format!("give {option} a path in a folder you can write to");
    if path.is_dir() {
        bail!(
            "{option} {}: that is a folder, not a file: {fix} (e.g. {}/stats.json)",
            path.display(),
            path.display()
        );
    }
    let name = match path.file_name() {
        Some(n) => n.to_string_lossy().into_owned(),
        None => bail!("{option} {}: not a file name: {fix}", path.display()),
    };
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        bail!(
            "{option} {}: the folder {} does not exist: create it first, or {fix}",
            path.display(),
            folder.display()
        );
    }
    probe(folder, &name, &format!("{option} {}", path.display()), &fix)?;
    if path.exists() {
        // Opened for writing without truncating: the old content stays until the end.
        if let Err(e) = std::fs::OpenOptions::new().write(true).open(path) {
            bail!(
                "{option} {}: the existing file cannot be written ({e}): check its \
                 permissions, or {fix}",
                path.display()
            );
        }
    }
    Ok(())
}

/// Checks that files can be created in the folder `dir` (given by `option`), creating the
/// folder (and its parents) if needed; nothing else is left behind.
pub fn check_folder(dir: &Path, option: &str) -> Result<()> {
    let fix = format!("give {option} a folder you can write to");
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{option} {}: exists and is not a folder: remove it, or {fix}",
            dir.display()
        );
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        bail!(
            "{option} {}: cannot create the folder ({e}): check the path and its \
             permissions, or {fix}",
            dir.display()
        );
    }
    probe(dir, "output", &format!("{option} {}", dir.display()), &fix)
}

/// Writes `text` beside `path` and renames it into place, so a reader (or an interrupted
/// run) never sees half a file; a failed write removes its partial file.
pub fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial"));
    let written = std::fs::write(&partial, text)
        .with_context(|| format!("cannot write {}", partial.display()))
        .and_then(|()| {
            std::fs::rename(&partial, path)
                .with_context(|| format!("cannot move {} to {}", partial.display(), path.display()))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// Creates and removes a probe file in `folder`.
fn probe(folder: &Path, name: &str, what: &str, fix: &str) -> Result<()> {
    let probe = folder.join(format!(".{name}.probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(file) => {
            drop(file);
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => bail!(
            "{what}: cannot create a file in {} ({e}): check the folder's permissions, or {fix}",
            folder.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writable_paths_pass_and_leave_nothing() {
        let dir = crate::scratch::Scratch::new("outputs-ok");
        check_file(&dir.join("stats.json"), "--stats-json").expect("new file");
        std::fs::write(dir.join("old.json"), "{}").expect("old file");
        check_file(&dir.join("old.json"), "--stats-json").expect("existing file");
        check_folder(&dir.join("a/b"), "--results").expect("new folder");
        assert!(dir.join("a/b").is_dir());
        let left: Vec<_> = walk(&dir);
        assert_eq!(left, ["a", "a/b", "old.json"], "probe files left behind");
        assert_eq!(std::fs::read_to_string(dir.join("old.json")).unwrap(), "{}");
    }

    #[test]
    fn atomic_writes_replace_whole_or_leave_nothing() {
        let dir = crate::scratch::Scratch::new("outputs-atomic");
        let file = dir.join("stats.json");
        std::fs::write(&file, "old").unwrap();
        write_atomic(&file, "new").expect("writable");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        // The target is a folder: the rename fails, and its partial file goes too.
        std::fs::create_dir(dir.join("in-the-way")).unwrap();
        let msg = write_atomic(&dir.join("in-the-way"), "x")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("in-the-way"), "{msg}");
        assert_eq!(
            walk(&dir),
            ["in-the-way", "stats.json"],
            "partial file left"
        );
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
                let p = e.path();
                out.push(p.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
                if p.is_dir() {
                    stack.push(p);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn unwritable_paths_are_named_with_the_fix() {
        let dir = crate::scratch::Scratch::new("outputs-bad");
        let missing = dir.join("no/such/folder/stats.json");
        let msg = check_file(&missing, "--stats-json")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("--stats-json"), "{msg}");
        assert!(msg.contains("does not exist"), "{msg}");
        assert!(msg.contains(&missing.display().to_string()), "{msg}");
        let msg = check_file(&dir, "--stats-json").unwrap_err().to_string();
        assert!(msg.contains("is a folder"), "{msg}");
        let file = dir.join("plain");
        std::fs::write(&file, "x").unwrap();
        let msg = check_folder(&file, "--results").unwrap_err().to_string();
        assert!(msg.contains("is not a folder"), "{msg}");
        // A read-only folder (root ignores permissions, so only when they apply).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let ro = dir.join("ro");
            std::fs::create_dir(&ro).unwrap();
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
            if std::fs::write(ro.join("t"), "").is_err() {
                let msg = check_file(&ro.join("s.json"), "--stats-json")
                    .unwrap_err()
                    .to_string();
                assert!(msg.contains("cannot create a file in"), "{msg}");
                assert!(msg.contains("permissions"), "{msg}");
                let msg = check_folder(&ro, "--results").unwrap_err().to_string();
                assert!(msg.contains("--results"), "{msg}");
            }
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}
