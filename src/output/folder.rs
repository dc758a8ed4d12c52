//! The safety of a result folder: where a run writes, when an earlier result may be replaced,
//! and how it is replaced so that nothing is ever lost.
//!
//! - **Write aside.** Files go into a hidden staging folder beside the destination
//!   (`.NAME.partial-PID-N`), which belongs to its run by an advisory lock (`flock`) on the
//!   folder itself, held for the run's life. Staging folders left by killed runs are removed
//!   by a later run into the same place only if it can take their lock: a live run, whatever
//!   its PID namespace or machine, holds it (on a file system whose locks work, see
//!   docs/folders.md).
//! - **Replace only what microfolio wrote.** A result folder carries a manifest
//!   ([`MANIFEST`]): what kind of result it is (`run`, `sweep`, ...) and every file in it. A
//!   folder is replaced only if it is of the same kind and holds nothing its manifest does not
//!   list; a user's notes are refused by name, and nothing is deleted. A folder without a
//!   manifest (written by microfolio before 0.1 had one) is replaced only if it is exactly the
//!   layout of a run: every file one that a run writes.
//! - **Replace in one step.** On Linux the complete staging folder and the earlier result are
//!   swapped by `renameat2(RENAME_EXCHANGE)`: at every instant one of them is in place. Where the
//!   swap is not supported, the earlier result is renamed aside (`.NAME.old-PID-N`, locked)
//!   and the new one renamed into place; a run that finds the destination missing and a
//!   set-aside result unlocked puts it back before anything else, and never deletes it.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{PATHS_CSV, SCENARIO_TOML, SUMMARY_JSON, TIMESERIES_CSV};

/// The manifest of a result folder: which microfolio wrote it, the kind of result, its files.
pub const MANIFEST: &str = ".microfolio-manifest.json";

/// The kind of result of `microfolio run`; studies are named by [`crate::Study::KIND`].
pub const RUN: &str = "run";

/// Why an output folder cannot be used.
#[derive(Debug)]
pub enum OutputError {
    /// The destination cannot be used or replaced (bad input: nothing was done).
    Refused { path: PathBuf, reason: String },
    /// The file system said no.
    Io { path: PathBuf, error: io::Error },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::Refused { path, reason } => write!(f, "{}: {reason}", path.display()),
            OutputError::Io { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

/// An earlier result that a commit replaced but could not remove: it stays in a hidden folder
/// beside the new result (`.NAME.partial-PID-N` or `.NAME.old-PID-N`), perhaps partly removed,
/// which nothing of microfolio reads and a later run into the same place tries again to remove.
/// The new result is in place; the user should hear of the space still taken.
#[derive(Debug)]
pub struct LeftBehind {
    /// The hidden folder that holds what is left of the earlier result.
    pub folder: PathBuf,
    /// Why it could not be removed.
    pub error: io::Error,
}

impl std::fmt::Display for LeftBehind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the earlier result was replaced, but what is left of it could not be removed ({}): \
             it is in the hidden folder {}, which microfolio no longer reads; remove it yourself \
             to free its space (rm -r '{}')",
            self.error,
            self.folder.display(),
            self.folder.display()
        )
    }
}

/// Remove an earlier result set aside by a commit, or say what is left of it.
fn remove_earlier(folder: &Path, fault: &Fault) -> Option<LeftBehind> {
    let removed = if fault.unremovable {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "Permission denied (injected by MICROFOLIO_TEST_COMMIT)",
        ))
    } else {
        fs::remove_dir_all(folder)
    };
    removed.err().map(|error| LeftBehind {
        folder: folder.to_path_buf(),
        error,
    })
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |error| OutputError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn refused(path: &Path, reason: impl Into<String>) -> OutputError {
    OutputError::Refused {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Whether `path` holds an earlier microfolio result of any kind (which a result of the same
/// kind may replace).
pub fn is_result_folder(path: &Path) -> bool {
    let kinds = [RUN, "sweep", "compare", "tornado"];
    fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
        && fs::read_dir(path).is_ok_and(|mut d| d.next().is_some())
        && kinds.iter().any(|k| check_replaceable(path, k).is_ok())
}

/// A result folder being written: files go into a hidden, locked sibling folder, which
/// [`OutputDir::commit`] moves into place. Dropped without commit, it removes itself.
#[derive(Debug)]
pub struct OutputDir {
    destination: PathBuf,
    staging: PathBuf,
    kind: &'static str,
    /// The staging folder's lock, held until the folder is committed or removed.
    _lock: Option<File>,
    committed: bool,
}

impl OutputDir {
    /// Prepare to write a result of `kind` (`run`, `sweep`, ...) at `destination`, checking it
    /// completely before any work: a symbolic link, a mount point, something that is not a
    /// folder, a folder holding files microfolio did not write or a result of another kind, and
    /// a place where no folder can be made are refused.
    pub fn create(destination: &Path, kind: &'static str) -> Result<OutputDir, OutputError> {
        let destination = &normalised(destination)?;
        let name = destination
            .file_name()
            .ok_or_else(|| refused(destination, "is not a folder name"))?
            .to_string_lossy()
            .into_owned();
        let parent = match destination.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(unusable(&parent))?;
        recover_and_clean(&parent, &name, destination);
        check_replaceable(destination, kind)?;
        let (staging, lock) = make_staging(&parent, &name)?;
        Ok(OutputDir {
            destination: destination.to_path_buf(),
            staging,
            kind,
            _lock: lock,
            committed: false,
        })
    }

    /// Where to write a file now.
    pub fn file(&self, name: &str) -> PathBuf {
        self.staging.join(name)
    }

    /// The staging folder, where files are written until [`OutputDir::commit`].
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The final location.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// Write a whole file into the staging folder.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), OutputError> {
        let path = self.file(name);
        let mut f = File::create(&path).map_err(io_at(&path))?;
        f.write_all(contents).map_err(io_at(&path))?;
        f.sync_all().map_err(io_at(&path))
    }

    /// Write the manifest and move the complete folder into place, replacing an earlier result
    /// only now, in one step where the system allows it. Returns where the result is and, if
    /// the earlier result could not be removed after it was replaced, where it is left.
    pub fn commit(mut self) -> Result<(PathBuf, Option<LeftBehind>), OutputError> {
        let fault = Fault::from_env();
        let dest = self.destination.clone();
        write_manifest(&self.staging, self.kind)?;
        fault.after(1);
        // The destination may have changed during the run (a user's notes saved into it).
        check_replaceable(&dest, self.kind)?;
        let present = fs::symlink_metadata(&dest).is_ok();
        let mut left = None;
        if !present {
            fs::rename(&self.staging, &dest).map_err(io_at(&dest))?;
            fault.after(2);
            fault.after(3);
        } else if !fault.no_exchange && exchange(&self.staging, &dest).map_err(io_at(&dest))? {
            // The staging path now holds the earlier result.
            fault.after(2);
            fault.after(3);
            left = remove_earlier(&self.staging, &fault);
        } else {
            left = self.replace_by_renames(&dest, &fault)?;
        }
        fault.after(4);
        sync_dir(dest.parent().unwrap_or(Path::new(".")));
        self.committed = true;
        Ok((dest, left))
    }

    /// Replace `dest` where the folders cannot be swapped: set the earlier result aside
    /// (locked, so that no other run restores or removes it meanwhile), move the new one into
    /// place, remove the old. A kill between the renames leaves the set-aside result, which the
    /// next run into `dest` puts back.
    fn replace_by_renames(
        &self,
        dest: &Path,
        fault: &Fault,
    ) -> Result<Option<LeftBehind>, OutputError> {
        let old = sibling(dest, "old");
        let lock = match try_lock(dest) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                return Err(OutputError::Io {
                    path: dest.to_path_buf(),
                    error: io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "another microfolio process is replacing this folder",
                    ),
                });
            }
            Err(_) => None,
        };
        fs::rename(dest, &old).map_err(io_at(dest))?;
        fault.after(2);
        if let Err(error) = fs::rename(&self.staging, dest) {
            // Put the earlier result back rather than leave nothing.
            let _ = fs::rename(&old, dest);
            return Err(OutputError::Io {
                path: dest.to_path_buf(),
                error,
            });
        }
        fault.after(3);
        let left = remove_earlier(&old, fault);
        drop(lock);
        Ok(left)
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// `--out` as the folder it names: `res/.` and `res/./x` lexically as `res` and `res/x` (a
/// rename onto `res/.` fails with "busy" only after all the work), and a path ending in `..`
/// (or `.` alone) as the existing folder it names, so that its name and its parent are known
/// before any work; one naming no folder is refused.
fn normalised(destination: &Path) -> Result<PathBuf, OutputError> {
    use std::path::Component;
    let ends_in_dots = matches!(
        destination.components().next_back(),
        None | Some(Component::ParentDir | Component::CurDir | Component::RootDir)
    );
    if ends_in_dots {
        return fs::canonicalize(destination).map_err(|e| {
            refused(
                destination,
                format!("names no folder microfolio can write into ({e}); give the folder's name"),
            )
        });
    }
    // `components` drops every `.` but a leading one: `res/.` is `res`.
    Ok(destination.components().collect())
}

/// A path in which no folder can be made is bad input, found before any work.
fn unusable(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |e| refused(path, format!("cannot be created or written: {e}"))
}

/// `.NAME.KIND-PID-N` beside `dest`.
fn sibling(dest: &Path, kind: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(
        ".{name}.{kind}-{}-{}",
        std::process::id(),
        unique()
    ))
}

/// Make and lock a staging folder for `name` in `parent`. The lock is taken right after the
/// folder is made; should another run's cleanup remove it in between, another name is tried.
fn make_staging(parent: &Path, name: &str) -> Result<(PathBuf, Option<File>), OutputError> {
    let mut attempts = 0;
    loop {
        let staging = sibling(&parent.join(name), "partial");
        fs::create_dir(&staging).map_err(unusable(&staging))?;
        match try_lock(&staging) {
            Ok(Some(lock)) if same_file(&lock, &staging) => return Ok((staging, Some(lock))),
            // No locks here (docs/folders.md): other runs' cleanup leaves unlockable folders.
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Ok((staging, None)),
            _ if attempts < 3 => attempts += 1,
            _ => {
                return Err(unusable(&staging)(io::Error::other(
                    "lost to another process",
                )));
            }
        }
    }
}

#[cfg(unix)]
fn same_file(open: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (open.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.is_dir()
}

/// Take the advisory lock of the folder `dir` without waiting: `Some(lock)` while the returned
/// file is open, `None` if another process (or open file) holds it, an error where locks cannot
/// be taken (then nobody can tell whether the folder is in use).
#[cfg(unix)]
fn try_lock(dir: &Path) -> io::Result<Option<File>> {
    use std::os::fd::AsRawFd;
    let f = File::open(dir)?;
    // SAFETY: flock on a file descriptor we own; it does not touch memory.
    let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(Some(f));
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(None)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_: &Path) -> io::Result<Option<File>> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no folder locks on this system",
    ))
}

/// Swap the folders `a` and `b` in one step. `Ok(false)` where the system or the file system
/// cannot (then the caller falls back to two renames).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte in the path"))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths, relative to the current directory.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<bool> {
    Ok(false)
}

/// Make renames in `dir` durable (best effort: not every system syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// Before a run into `parent/name`: put a set-aside earlier result back if the destination is
/// missing (a run killed between its two renames), then remove the staging and set-aside
/// folders of `name` whose lock can be taken. A set-aside result is removed only while the
/// destination is in place; folders whose lock cannot be told are left alone.
fn recover_and_clean(parent: &Path, name: &str, dest: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let (partial, old) = (format!(".{name}.partial-"), format!(".{name}.old-"));
    let mut staging = Vec::new();
    let mut set_aside = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with(&partial) {
            staging.push(entry.path());
        } else if file_name.starts_with(&old) {
            set_aside.push(entry.path());
        }
    }
    let mut present = fs::symlink_metadata(dest).is_ok();
    if !present {
        // The most recently set aside first.
        set_aside.sort_by_key(|p| {
            std::cmp::Reverse(fs::symlink_metadata(p).and_then(|m| m.modified()).ok())
        });
        for (i, p) in set_aside.iter().enumerate() {
            if let Ok(Some(_lock)) = try_lock(p)
                && fs::rename(p, dest).is_ok()
            {
                present = true;
                set_aside.remove(i);
                break;
            }
        }
    }
    for p in staging {
        if let Ok(Some(_lock)) = try_lock(&p) {
            let _ = fs::remove_dir_all(&p);
        }
    }
    if present {
        for p in set_aside {
            if let Ok(Some(_lock)) = try_lock(&p) {
                let _ = fs::remove_dir_all(&p);
            }
        }
    }
}

/// A file or folder in a result folder, by its path relative to it (`charts/fan_capital.svg`).
struct Entry {
    path: String,
    is_file: bool,
    is_dir: bool,
}

/// Everything under `root`, folders before their contents; symbolic links are not followed.
fn entries(root: &Path) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    let mut todo = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = todo.pop() {
        let mut here: Vec<_> = fs::read_dir(&dir)?.collect::<Result<_, _>>()?;
        here.sort_by_key(|e| e.file_name());
        for e in here {
            let t = e.file_type()?;
            let path = format!("{prefix}{}", e.file_name().to_string_lossy());
            if t.is_dir() {
                todo.push((e.path(), format!("{path}/")));
            }
            out.push(Entry {
                path,
                is_file: t.is_file(),
                is_dir: t.is_dir(),
            });
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Write the manifest of the complete folder `staging`: the kind and every file and folder,
/// sorted.
fn write_manifest(staging: &Path, kind: &str) -> Result<(), OutputError> {
    // Folders are listed with a trailing `/` (`charts/`), so that one left empty is ours too.
    let files: Vec<String> = entries(staging)
        .map_err(io_at(staging))?
        .into_iter()
        .filter(|e| (e.is_file || e.is_dir) && e.path != MANIFEST)
        .map(|e| {
            if e.is_dir {
                format!("{}/", e.path)
            } else {
                e.path
            }
        })
        .collect();
    let manifest = json!({
        "written_by": format!("microfolio {}", env!("CARGO_PKG_VERSION")),
        "kind": kind,
        "note": "microfolio replaces this folder only if it holds nothing but these files",
        "files": files,
    });
    let text = serde_json::to_string_pretty(&manifest).expect("JSON values always serialise");
    let path = staging.join(MANIFEST);
    let mut f = File::create(&path).map_err(io_at(&path))?;
    f.write_all(text.as_bytes()).map_err(io_at(&path))?;
    f.write_all(b"\n").map_err(io_at(&path))?;
    f.sync_all().map_err(io_at(&path))
}

/// After `microfolio report` wrote `written` (paths inside `folder`) into a finished result
/// folder in place: its manifest, if it has one, lists them and the folders that hold them,
/// and no longer lists files that are gone, so that a later run may still replace the folder
/// (a redraw of a folder from an older microfolio may add files that it never wrote). Files
/// the manifest did not list before and this render did not write stay unlisted: a user's
/// notes are never made ours. A folder without a manifest, or with one that cannot be read,
/// is left as it is, for the replace check to judge.
pub fn note_written(folder: &Path, written: &[PathBuf]) -> Result<(), OutputError> {
    let path = folder.join(MANIFEST);
    let Ok(text) = read_bounded(&path, MAX_MANIFEST_BYTES) else {
        return Ok(());
    };
    let Ok(mut manifest) = serde_json::from_str::<Value>(&text) else {
        return Ok(());
    };
    let Some(listed) = manifest["files"].as_array() else {
        return Ok(());
    };
    let mut files: BTreeSet<String> = listed
        .iter()
        .filter_map(Value::as_str)
        .filter(|f| fs::symlink_metadata(folder.join(f.trim_end_matches('/'))).is_ok())
        .map(str::to_string)
        .collect();
    for file in written {
        let Ok(rel) = file.strip_prefix(folder) else {
            continue;
        };
        let mut parent = rel.parent();
        while let Some(dir) = parent.filter(|d| !d.as_os_str().is_empty()) {
            files.insert(format!("{}/", dir.to_string_lossy()));
            parent = dir.parent();
        }
        files.insert(rel.to_string_lossy().into_owned());
    }
    manifest["files"] = json!(files);
    let text = serde_json::to_string_pretty(&manifest).expect("JSON values always serialise");
    // Written aside and renamed over, so that the folder never has half a manifest.
    let aside = folder.join(format!("{MANIFEST}.partial-{}", std::process::id()));
    let write = || -> io::Result<()> {
        let mut f = File::create(&aside)?;
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        fs::rename(&aside, &path)
    };
    write().map_err(|error| {
        let _ = fs::remove_file(&aside);
        OutputError::Io { path, error }
    })
}

/// What a manifest says: the kind of result and its files.
struct Manifest {
    kind: String,
    files: BTreeSet<String>,
}

/// Largest manifest read: a study of thousands of charts lists well under 1 MiB of names, so a
/// larger one is damage (a 1 GiB sparse file would otherwise be read whole before it is judged).
pub const MAX_MANIFEST_BYTES: u64 = 8 << 20;

/// The text of a regular file of at most `max` bytes; a FIFO, a device or a folder is refused
/// by its type before it is opened (opening a FIFO would block), and no more than `max + 1`
/// bytes are ever read (the file may grow after its size was looked at).
pub fn read_bounded(path: &Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    let meta = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > max {
        return Err(format!(
            "is {} bytes, more than the {max} bytes such a file may have",
            meta.len()
        ));
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("grew past the {max} bytes such a file may have"));
    }
    String::from_utf8(bytes).map_err(|_| "is not UTF-8 text".to_string())
}

fn read_manifest(folder: &Path) -> Option<Result<Manifest, String>> {
    let path = folder.join(MANIFEST);
    fs::symlink_metadata(&path).ok()?;
    let parse = || -> Result<Manifest, String> {
        let text = read_bounded(&path, MAX_MANIFEST_BYTES)?;
        let v: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let kind = v["kind"].as_str().ok_or("no `kind`")?.to_string();
        let files = v["files"]
            .as_array()
            .ok_or("no list of `files`")?
            .iter()
            .map(|f| {
                f.as_str()
                    .map(str::to_string)
                    .ok_or("a file name that is not text")
            })
            .collect::<Result<_, _>>()?;
        Ok(Manifest { kind, files })
    };
    Some(parse())
}

/// The files of the result folder `folder` that microfolio wrote and may therefore change or
/// remove when it redraws the folder in place (`microfolio report`): what its manifest lists,
/// or, in a folder without one (written before manifests, or a staging folder not yet
/// committed), the files a run wrote before manifests. A file of the user's is never in it,
/// whatever its name. A damaged manifest is refused: microfolio cannot tell its files from
/// the user's.
pub fn owned_files(folder: &Path) -> Result<BTreeSet<String>, OutputError> {
    match read_manifest(folder) {
        Some(Ok(m)) => Ok(m.files),
        Some(Err(e)) => Err(refused(
            &folder.join(MANIFEST),
            format!(
                "{e}, so microfolio cannot tell its files from yours and changes nothing; a \
                 new `microfolio run` into another folder rewrites it"
            ),
        )),
        None => Ok(old_run_layout()),
    }
}

/// The name of the temporary file through which `microfolio report` writes the file `name`
/// of a result folder (in the same folder): hidden, and recognisable by the replace check as
/// microfolio's own ([`is_own_temporary`]), should a kill leave it behind.
pub fn temporary_name(name: &str) -> String {
    format!(".{name}.microfolio-{}-{}.tmp", std::process::id(), unique())
}

/// Whether `path` (relative to a result folder) is a temporary file of [`temporary_name`] of
/// one of the files `listed`: left by a `report` that was killed or failed mid-write.
fn is_own_temporary(path: &str, listed: &BTreeSet<String>) -> bool {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (format!("{d}/"), n),
        None => (String::new(), path),
    };
    let Some(rest) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((of, tag)) = rest.rsplit_once(".microfolio-") else {
        return false;
    };
    tag.split('-').count() == 2
        && tag
            .split('-')
            .all(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        && listed.contains(&format!("{dir}{of}"))
}

/// The files of a run's folder as microfolio wrote them before folders had a manifest.
fn old_run_layout() -> BTreeSet<String> {
    let mut files: BTreeSet<String> = [
        SUMMARY_JSON,
        SCENARIO_TOML,
        TIMESERIES_CSV,
        PATHS_CSV,
        // Written since who bears the loss (docs/model.md §7): a folder of this version whose
        // manifest is lost is still a run's.
        super::SEGMENTS_CSV,
        crate::report::REPORT_HTML,
    ]
    .iter()
    .map(|f| f.to_string())
    .collect();
    for chart in crate::charts::ALL_CHARTS {
        for ext in ["svg", "png"] {
            files.insert(format!("{}/{chart}.{ext}", crate::report::CHARTS_DIR));
        }
    }
    files
}

/// What a kind of result is called in messages.
fn describe(kind: &str) -> String {
    if kind == RUN {
        "the result of a `microfolio run`".to_string()
    } else if kind == "shard" {
        "a shard of a run or study (`--shard`)".to_string()
    } else {
        format!("the result of a `microfolio {kind}` study")
    }
}

/// At most five names, then how many more.
fn some_names(names: &[String]) -> String {
    let mut text = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        text.push_str(&format!(" and {} more", names.len() - 5));
    }
    text
}

/// Whether `dest` may be replaced by a result of `kind`: it does not exist, or is an empty
/// folder, or a result folder of the same kind holding only the files its manifest lists (or,
/// without a manifest, exactly the files a run wrote before manifests). Everything else is
/// refused, naming what is in the way; nothing is touched.
fn check_replaceable(dest: &Path, kind: &str) -> Result<(), OutputError> {
    let meta = match fs::symlink_metadata(dest) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(unusable(dest)(e)),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() {
        let target = fs::read_link(dest)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        let dangling = if dest.exists() {
            ""
        } else {
            ", which does not exist"
        };
        return Err(refused(
            dest,
            format!(
                "is a symbolic link (to {target}{dangling}); microfolio writes its results only \
                 into real folders"
            ),
        ));
    }
    if !meta.is_dir() {
        return Err(refused(
            dest,
            "exists and is not an earlier microfolio result folder (it is not a folder)",
        ));
    }
    if is_mount_point(dest, &meta) {
        return Err(refused(
            dest,
            "is a mount point, which cannot be replaced; choose a folder inside it",
        ));
    }
    let found = entries(dest).map_err(unusable(dest))?;
    if found.is_empty() {
        return Ok(());
    }
    let foreign = |listed: &BTreeSet<String>| -> Vec<String> {
        found
            .iter()
            .filter(|e| {
                if e.is_dir {
                    let prefix = format!("{}/", e.path);
                    !listed.contains(&prefix) && !listed.iter().any(|f| f.starts_with(&prefix))
                } else {
                    // A report's temporary file of a listed file, left by a kill or a full
                    // disk, is microfolio's own too.
                    !(e.is_file
                        && (listed.contains(&e.path)
                            || e.path == MANIFEST
                            || is_own_temporary(&e.path, listed)))
                }
            })
            .map(|e| e.path.clone())
            .collect()
    };
    let not_ours = |names: &[String]| {
        refused(
            dest,
            format!(
                "holds files microfolio did not write ({}); nothing was replaced or deleted: move \
                 them elsewhere",
                some_names(names)
            ),
        )
    };
    let (found_kind, listed) = match read_manifest(dest) {
        Some(Ok(m)) => (m.kind, m.files),
        Some(Err(e)) => {
            return Err(refused(
                dest,
                format!(
                    "has a damaged {MANIFEST} ({e}), so microfolio cannot tell its files from yours"
                ),
            ));
        }
        None => {
            let names: Vec<String> = found.iter().map(|e| e.path.clone()).collect();
            let has = |f: &str| names.iter().any(|n| n == f);
            if !(has(SUMMARY_JSON) && has(SCENARIO_TOML)) {
                return Err(refused(
                    dest,
                    "exists and is not an earlier microfolio result folder (microfolio only \
                     replaces its own result folders, or an empty folder)",
                ));
            }
            if let Some(study) = super::summary_text_field(dest, "study") {
                return Err(refused(
                    dest,
                    format!(
                        "is {} written by an older microfolio without a {MANIFEST}, so \
                         microfolio cannot tell its files from yours; remove it yourself to reuse it",
                        describe(&study)
                    ),
                ));
            }
            (RUN.to_string(), old_run_layout())
        }
    };
    if found_kind == crate::shard::format::KIND && kind != found_kind {
        // Most often a merge given a shard's folder as its `--out`: said in its terms.
        return Err(refused(
            dest,
            "is a shard folder (`--shard`), which a result never replaces; give the result \
             (the merge's --out) another folder: the shards stay as they are, to merge",
        ));
    }
    if found_kind != kind {
        return Err(refused(
            dest,
            format!(
                "is {}, which {} does not replace",
                describe(&found_kind),
                if kind == RUN {
                    "a `microfolio run`".to_string()
                } else if kind == crate::shard::format::KIND {
                    "a shard (`--shard`)".to_string()
                } else {
                    format!("a `microfolio {kind}` study")
                }
            ),
        ));
    }
    let foreign = foreign(&listed);
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(not_ours(&foreign))
    }
}

/// Whether `dest` is a mount point: on another device than its parent, or listed as one.
#[cfg(unix)]
fn is_mount_point(dest: &Path, meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parent = dest.join("..");
    if let Ok(p) = fs::metadata(&parent)
        && (p.dev() != meta.dev() || p.ino() == meta.ino())
    {
        return true;
    }
    let (Ok(real), Ok(table)) = (
        fs::canonicalize(dest),
        fs::read_to_string("/proc/self/mountinfo"),
    ) else {
        return false;
    };
    // Field 5 is the mount point, with spaces and the like written as octal escapes.
    table.lines().any(|line| {
        line.split(' ')
            .nth(4)
            .is_some_and(|m| Path::new(&unescape_octal(m)) == real)
    })
}

#[cfg(not(unix))]
fn is_mount_point(_: &Path, _: &fs::Metadata) -> bool {
    false
}

#[cfg(unix)]
fn unescape_octal(s: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    std::ffi::OsString::from_vec(out)
}

/// A fault injected into [`OutputDir::commit`] by the tests through the binary
/// (`MICROFOLIO_TEST_COMMIT=rename,abort-after=2`): `rename` replaces by two renames instead of
/// the one-step swap; `abort-after=K` ends the process abruptly after step K (1 manifest
/// written, 2 first rename, 3 new result in place, 4 old result removed), as a kill would;
/// `unremovable` fails the removal of the earlier result. Unset, it does nothing.
struct Fault {
    no_exchange: bool,
    abort_after: Option<u32>,
    /// The earlier result cannot be removed after it is replaced (a test that runs as root
    /// cannot make a folder it could not remove).
    unremovable: bool,
}

impl Fault {
    fn from_env() -> Fault {
        let spec = std::env::var("MICROFOLIO_TEST_COMMIT").unwrap_or_default();
        let mut fault = Fault {
            no_exchange: false,
            abort_after: None,
            unremovable: false,
        };
        for part in spec.split(',') {
            if part == "rename" {
                fault.no_exchange = true;
            } else if part == "unremovable" {
                fault.unremovable = true;
            } else if let Some(k) = part.strip_prefix("abort-after=") {
                fault.abort_after = k.parse().ok();
            }
        }
        fault
    }

    fn after(&self, step: u32) {
        if self.abort_after == Some(step) {
            std::process::abort();
        }
    }
}

/// A number that differs between calls in one process, for unique temporary names.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    (nanos << 16) ^ NEXT.fetch_add(1, Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(dest: &Path, kind: &'static str, summary: &[u8]) {
        let out = OutputDir::create(dest, kind).unwrap();
        out.write(SUMMARY_JSON, summary).unwrap();
        out.write(SCENARIO_TOML, b"").unwrap();
        out.commit().unwrap();
    }

    #[test]
    fn staging_is_locked_and_only_unlocked_leftovers_are_removed() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        // A live run's staging folder, whatever its PID says.
        let live = OutputDir::create(&dest, RUN).unwrap();
        // Left by killed runs: nobody holds their locks.
        let dead = root.path().join(".run.partial-1-1");
        let other = root.path().join(".other.partial-1-1");
        fs::create_dir(&dead).unwrap();
        fs::create_dir(&other).unwrap();
        let second = OutputDir::create(&dest, RUN).unwrap();
        assert!(!dead.exists(), "a stale staging folder must go");
        assert!(live.staging().exists(), "a live run's folder must stay");
        assert!(other.exists(), "another destination's folder must stay");
        drop(second);
        drop(live);
    }

    #[test]
    fn a_set_aside_result_is_restored_when_the_destination_is_missing() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        result(&dest, RUN, b"{\"old\":1}");
        // A run killed between its two renames.
        let old = root.path().join(".run.old-1-1");
        fs::rename(&dest, &old).unwrap();
        let out = OutputDir::create(&dest, RUN).unwrap();
        assert_eq!(fs::read(dest.join(SUMMARY_JSON)).unwrap(), b"{\"old\":1}");
        assert!(!old.exists());
        drop(out);
        // Set aside while the destination is in place: an older result, removed.
        fs::create_dir(&old).unwrap();
        drop(OutputDir::create(&dest, RUN).unwrap());
        assert!(!old.exists());
    }

    #[test]
    fn replacing_by_renames_and_by_exchange_leave_only_the_new_result() {
        for no_exchange in [false, true] {
            let root = tempfile::tempdir().unwrap();
            let dest = root.path().join("run");
            result(&dest, RUN, b"{}");
            let out = OutputDir::create(&dest, RUN).unwrap();
            out.write(SUMMARY_JSON, b"{\"new\":1}").unwrap();
            out.write(SCENARIO_TOML, b"").unwrap();
            assert_eq!(fs::read(dest.join(SUMMARY_JSON)).unwrap(), b"{}");
            if no_exchange {
                write_manifest(out.staging(), RUN).unwrap();
                let fault = Fault {
                    no_exchange,
                    abort_after: None,
                    unremovable: false,
                };
                assert!(out.replace_by_renames(&dest, &fault).unwrap().is_none());
            } else {
                out.commit().unwrap();
            }
            assert_eq!(fs::read(dest.join(SUMMARY_JSON)).unwrap(), b"{\"new\":1}");
            let mut names: Vec<_> = fs::read_dir(root.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            assert_eq!(names, ["run"], "old result or staging left behind");
        }
    }

    #[test]
    fn foreign_files_other_kinds_and_links_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        result(&dest, RUN, b"{}");
        let manifest = fs::read_to_string(dest.join(MANIFEST)).unwrap();
        assert!(manifest.contains("\"kind\": \"run\""), "{manifest}");
        assert!(manifest.contains("summary.json"), "{manifest}");

        // A folder microfolio made and left empty is its own; a user's is not.
        let out = OutputDir::create(&dest, RUN).unwrap();
        fs::create_dir(out.file("empty")).unwrap();
        out.commit().unwrap();
        drop(OutputDir::create(&dest, RUN).unwrap());
        fs::create_dir(dest.join("mine")).unwrap();
        let e = OutputDir::create(&dest, RUN).unwrap_err().to_string();
        assert!(e.contains("mine"), "{e}");
        fs::remove_dir(dest.join("mine")).unwrap();

        fs::write(dest.join("notes.md"), b"mine").unwrap();
        let e = OutputDir::create(&dest, RUN).unwrap_err().to_string();
        assert!(e.contains("notes.md") && e.contains("did not write"), "{e}");
        fs::remove_file(dest.join("notes.md")).unwrap();

        let e = OutputDir::create(&dest, "sweep").unwrap_err().to_string();
        assert!(e.contains("`microfolio run`"), "{e}");

        #[cfg(unix)]
        {
            let link = root.path().join("link");
            std::os::unix::fs::symlink(root.path().join("nowhere"), &link).unwrap();
            let e = OutputDir::create(&link, RUN).unwrap_err().to_string();
            assert!(
                e.contains("symbolic link") && e.contains("does not exist"),
                "{e}"
            );
        }
    }

    #[test]
    fn an_old_run_folder_without_a_manifest_is_recognised_exactly() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        fs::create_dir_all(dest.join("charts")).unwrap();
        for f in [
            SUMMARY_JSON,
            SCENARIO_TOML,
            "report.html",
            "charts/fan_capital.svg",
        ] {
            fs::write(dest.join(f), b"{}").unwrap();
        }
        drop(OutputDir::create(&dest, RUN).unwrap());
        fs::write(dest.join("charts/mine.svg"), b"").unwrap();
        let e = OutputDir::create(&dest, RUN).unwrap_err().to_string();
        assert!(e.contains("charts/mine.svg"), "{e}");
    }

    #[test]
    fn an_uncreatable_destination_is_refused_up_front() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("file.txt"), b"x").unwrap();
        let e = OutputDir::create(&root.path().join("file.txt/run"), RUN).unwrap_err();
        assert!(matches!(e, OutputError::Refused { .. }), "{e}");
        assert!(e.to_string().contains("cannot be created"), "{e}");
    }

    #[test]
    fn staging_is_removed_unless_committed_and_foreign_folders_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("run");
        {
            let out = OutputDir::create(&dest, RUN).unwrap();
            out.write("summary.json", b"{}").unwrap();
        }
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            0,
            "staging left behind"
        );

        result(&dest, RUN, b"{}");
        assert!(is_result_folder(&dest));
        // An earlier result is replaced only on commit.
        let out = OutputDir::create(&dest, RUN).unwrap();
        out.write(SUMMARY_JSON, b"{\"new\":1}").unwrap();
        out.write(SCENARIO_TOML, b"").unwrap();
        assert_eq!(fs::read(dest.join(SUMMARY_JSON)).unwrap(), b"{}");
        out.commit().unwrap();
        assert_eq!(fs::read(dest.join(SUMMARY_JSON)).unwrap(), b"{\"new\":1}");
        assert_eq!(
            fs::read_dir(root.path()).unwrap().count(),
            1,
            "old result left behind"
        );

        let docs = root.path().join("documents");
        fs::create_dir(&docs).unwrap();
        fs::write(docs.join("thesis.docx"), b"precious").unwrap();
        assert!(matches!(
            OutputDir::create(&docs, RUN),
            Err(OutputError::Refused { .. })
        ));
        assert_eq!(fs::read(docs.join("thesis.docx")).unwrap(), b"precious");
    }

    #[test]
    fn octal_escapes_of_mount_points() {
        assert_eq!(unescape_octal("/mnt/my\\040disk"), "/mnt/my disk");
        assert_eq!(unescape_octal("/a\\"), "/a\\");
    }
}
