//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output};
use std::time::{Duration, Instant};

/// Path of the built `docsift` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_docsift"))
}

/// Environment variables that change what docsift (or clap, for help and usage
/// errors) prints: help is wrapped at `COLUMNS` when stdout is not a terminal,
/// colour follows `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE` and `TERM`, and the
/// `DOCSIFT_*` developer knobs add timings or change caching. The tests run docsift
/// without them, so a developer's shell never decides whether they pass.
pub const CALLER_ENV: &[&str] = &[
    "COLUMNS",
    "LINES",
    "NO_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "DOCSIFT_TIMINGS",
    "DOCSIFT_SITE_CACHE",
    "DOCSIFT_INDEX_PAUSE",
    "SOURCE_DATE_EPOCH",
];

/// A `docsift` command with none of [`CALLER_ENV`] inherited.
pub fn docsift() -> Command {
    let mut c = Command::new(bin());
    for var in CALLER_ENV {
        c.env_remove(var);
    }
    c
}

/// Runs docsift with arguments in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    docsift()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("docsift runs")
}

/// Every file under `root` (relative path → bytes), for exact tree comparisons.
pub fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() {
            m.insert(
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            );
        }
    }
    m
}

/// The manifest rows under `out`, parsed.
pub fn manifest(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("manifest.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The manifest row for `source`.
pub fn row<'a>(rows: &'a [serde_json::Value], source: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|r| r["source"] == source)
        .unwrap_or_else(|| panic!("no manifest row for {source}"))
}

/// The repository root (fixtures are addressed from here).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `docsift clean captures -o out` in `dir` as a user file permissions apply to:
/// as root (who reads everything), through setpriv as `nobody`, after opening `dir`
/// and `dir/captures` (and the files in it) to that user; otherwise as is.
#[cfg(unix)]
pub fn clean_as_unprivileged(dir: &Path) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let open = |p: &Path, mode| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
    open(dir, 0o777).unwrap();
    open(&dir.join("captures"), 0o755).unwrap();
    let is_root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut cmd = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(bin());
        c
    } else {
        Command::new(bin())
    };
    cmd.args(["clean", "captures", "-o", "out"])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// A temporary folder holding `captures/` with one ordinary capture, `ok.txt`, for the
/// tests that put a bad input beside it and check the run still handles the good one.
pub fn captures_with_ok() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let caps = dir.path().join("captures");
    std::fs::create_dir_all(&caps).unwrap();
    std::fs::write(
        caps.join("ok.txt"),
        "An ordinary title\n\nOne honest paragraph of text that is the article.\n",
    )
    .unwrap();
    (dir, caps)
}

/// A run's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Sends SIGINT to a running docsift, then waits without a second signal, generously
/// (a loaded machine is slow): its exit status, or `None` if it had not stopped after
/// 20 s (it is then killed, so the test can report the hang instead of hanging).
pub fn interrupt_and_wait(child: &mut Child) -> Option<ExitStatus> {
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let waited = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        if waited.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
