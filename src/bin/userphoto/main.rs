//! `userphoto`: the command line over the same Rust API as the C ABI.
//!
//! Exit codes: 0 every photo succeeded; 1 at least one photo failed (or is unusable for a
//! requested target); 2 usage error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use serde_json::json;

use userphoto::files::write_atomically;
use userphoto::photo::{CheckCode, Crop, CropReport, Verdict};
use userphoto::targets::{TargetRequest, TargetSpecRequest, DEFAULT_LIMITS, PROFILES};
use userphoto::{Error, Options};

mod ad;
mod emulate;
mod feed;
mod graph;
mod output;

use output::{exit_code, progress};

/// Print a line to stdout; a closed pipe (`| head`) is not an error worth a panic.
macro_rules! out {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "userphoto",
    version,
    about = "Profile photos for Microsoft 365, sized right for every store"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check photos against targets: format, size, orientation, colour, and per target
    /// whether the photo fits as it is, needs resizing, or cannot be used.
    Validate {
        #[command(flatten)]
        common: Common,
    },
    /// Make a rendition of each photo for each target and write them to a folder as
    /// <name>.<target>.jpg.
    Resize {
        #[command(flatten)]
        common: Common,
        /// Output folder (created if missing).
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Render a photo for Microsoft Graph (648 x 648, within 4 MB) and upload it.
    Upload {
        #[command(flatten)]
        connection: graph::Connection,
        /// User principal name, object id or mail.
        #[arg(long)]
        user: String,
        /// Upload the bytes as they are (they must already be a JPEG or PNG within 4 MB).
        #[arg(long)]
        no_resize: bool,
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Upload a whole feed (CSV or folder): incremental, resumable, one result per user.
    Sync {
        #[command(flatten)]
        connection: graph::Connection,
        #[command(flatten)]
        args: feed::FeedArgs,
    },
    /// Download users' current photos (a backup before overwriting).
    Export {
        #[command(flatten)]
        connection: graph::Connection,
        #[arg(long, required = true, num_args = 1..)]
        user: Vec<String>,
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Remove users' photos.
    Remove {
        #[command(flatten)]
        connection: graph::Connection,
        #[arg(long, required = true, num_args = 1..)]
        user: Vec<String>,
    },
    /// Audit the tenant's photos through Microsoft Graph: users without a photo, with one
    /// under 648 px or not square, or (--photos) one that fails the photo checks. One line
    /// per listed user as it is known; --report-csv/--report-json keep every user.
    Audit {
        #[command(flatten)]
        connection: graph::Connection,
        #[command(flatten)]
        args: graph::AuditArgs,
    },
    /// Run the local Graph emulator (token endpoint and photo API) until Ctrl+C.
    Emulate {
        /// JSON configuration: apps, users, throttling, faults (see README).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        port: Option<u16>,
        #[arg(long)]
        https: bool,
    },
    /// On-premises Active Directory thumbnailPhoto over LDAP: upload, export, remove, audit,
    /// sync.
    Ad {
        #[command(subcommand)]
        command: ad::AdCommand,
    },
    /// List the built-in targets and their limits.
    Targets {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct Common {
    /// Photo files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Targets, comma-separated: graph, ad-thumbnail, exchange-onprem, NAME:MAX_BYTES
    /// (another budget, e.g. ad-thumbnail:20480), SIZE:MAX_BYTES (a custom square) or SIZE
    /// (a custom square within Graph's 4 MB).
    /// Default: graph,ad-thumbnail for resize; every built-in target for validate.
    #[arg(long, short, value_delimiter = ',', value_parser = parse_target)]
    target: Vec<TargetRequest>,
    #[command(flatten)]
    look: LookArgs,
    /// Enlarge photos smaller than the target (off: the rendition keeps the source's size).
    #[arg(long)]
    allow_upscale: bool,
    /// Use the first frame of an animated image instead of refusing it.
    #[arg(long)]
    allow_animated: bool,
    /// Refuse photos whose short side is below this many pixels.
    #[arg(long, default_value_t = DEFAULT_LIMITS.min_short_side)]
    min_side: u32,
    /// One JSON document on stdout instead of human-readable lines.
    #[arg(long)]
    json: bool,
}

/// The crop and the photo-check policy, shared by every command that renders.
#[derive(Args, Clone, Debug)]
pub(crate) struct LookArgs {
    /// auto: frame the face when exactly one is found, else centre; face: frame the most
    /// confident face; centre: square cut from the middle; none: keep the aspect ratio.
    #[arg(long, default_value = "auto", value_parser = parse_crop)]
    crop: Crop,
    /// Refuse photos without exactly one face (the checks no-face and several-faces).
    #[arg(long)]
    require_face: bool,
    /// Refuse photos that fail this check instead of warning (repeatable, or comma-separated):
    /// no-face, several-faces, face-too-small, too-dark, too-bright, low-detail, small-source.
    #[arg(long, value_delimiter = ',', value_parser = parse_check)]
    refuse: Vec<CheckCode>,
    /// Run no photo checks; with --crop centre or none, nothing looks for faces (faster).
    #[arg(long, conflicts_with_all = ["require_face", "refuse"])]
    skip_checks: bool,
}

impl LookArgs {
    /// Apply to pipeline options.
    pub(crate) fn apply(&self, o: &mut Options) {
        o.crop = self.crop;
        o.skip_checks = self.skip_checks;
        o.refuse = self.refuse.clone();
        if self.require_face {
            o.refuse
                .extend([CheckCode::NoFace, CheckCode::SeveralFaces]);
        }
        o.refuse.sort_by_key(|c| c.as_str());
        o.refuse.dedup();
    }
}

fn parse_crop(s: &str) -> Result<Crop, String> {
    Crop::parse(s).ok_or_else(|| format!("{s:?} is not a crop mode (auto, face, centre or none)"))
}

fn parse_check(s: &str) -> Result<CheckCode, String> {
    CheckCode::parse(s).ok_or_else(|| {
        let all: Vec<&str> = CheckCode::ALL.iter().map(|c| c.as_str()).collect();
        format!("{s:?} is not a photo check ({})", all.join(", "))
    })
}

fn parse_target(s: &str) -> Result<TargetRequest, String> {
    let req = match s.split_once(':') {
        None => match s.parse::<u32>() {
            Ok(size) => TargetRequest::Spec(TargetSpecRequest {
                target: None,
                size: Some(size),
                max_bytes: None,
                quality: None,
            }),
            Err(_) => TargetRequest::Name(s.to_string()),
        },
        Some((a, b)) => {
            let max_bytes = Some(
                b.parse::<u64>()
                    .map_err(|_| format!("{b:?} in {s:?} is not a byte count"))?,
            );
            match a.parse::<u32>() {
                Ok(size) => TargetRequest::Spec(TargetSpecRequest {
                    target: None,
                    size: Some(size),
                    max_bytes,
                    quality: None,
                }),
                Err(_) => TargetRequest::Spec(TargetSpecRequest {
                    target: Some(a.to_string()),
                    size: None,
                    max_bytes,
                    quality: None,
                }),
            }
        }
    };
    userphoto::Target::resolve(&req).map_err(|e| e.to_string())?;
    Ok(req)
}

impl Common {
    fn options(&self, default_targets: &[&str]) -> Options {
        let mut o = Options {
            targets: self.target.clone(),
            allow_upscale: self.allow_upscale,
            allow_animated: self.allow_animated,
            ..Options::default()
        };
        if o.targets.is_empty() {
            o.targets = default_targets
                .iter()
                .map(|t| TargetRequest::Name(t.to_string()))
                .collect();
        }
        o.limits.min_short_side = self.min_side;
        self.look.apply(&mut o);
        o
    }
}

/// `crop face 120,40 600 x 600` (and why the mode asked for was not used).
fn crop_line(c: &CropReport) -> String {
    let b = &c.region;
    let mut line = format!(
        "crop {} {},{} {} x {}",
        c.mode.as_str(),
        b.x,
        b.y,
        b.width,
        b.height
    );
    if let Some(r) = &c.reason {
        line.push_str(&format!(" ({r})"));
    }
    line
}

/// Read a photo, refusing oversized files from their length before reading them.
fn read_photo(path: &Path, options: &Options) -> Result<Vec<u8>, Error> {
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > options.limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            bytes: len,
            limit: options.limits.max_input_bytes,
        });
    }
    std::fs::read(path).map_err(io)
}

#[derive(Serialize)]
struct FileError {
    code: &'static str,
    message: String,
}

impl From<&Error> for FileError {
    fn from(e: &Error) -> Self {
        FileError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

fn validate(common: &Common) -> ExitCode {
    let all: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
    let options = common.options(&all);
    let bar = progress(common.files.len() as u64, common.json);
    let mut failed = 0;
    let mut results = Vec::new();
    for path in &common.files {
        bar.set_message(path.display().to_string());
        let name = path.display().to_string();
        let outcome = read_photo(path, &options).and_then(|b| userphoto::validate(&b, &options));
        match &outcome {
            Ok(r) => {
                if r.targets.iter().any(|t| t.verdict == Verdict::Unusable) {
                    failed += 1;
                }
                if common.json {
                    results.push(json!({"file": name, "ok": true, "report": r}));
                } else {
                    let s = &r.source;
                    bar.suspend(|| {
                        out!(
                            "{name}: {} {} x {}, {} bytes, orientation {}, {:?}{}",
                            s.format.name(),
                            s.width,
                            s.height,
                            s.bytes,
                            s.orientation,
                            s.color_model,
                            if s.has_alpha { ", alpha" } else { "" }
                        );
                        for t in &r.targets {
                            let verdict = serde_json::to_value(t.verdict).ok();
                            out!(
                                "  {:<16} {}",
                                t.target,
                                verdict.as_ref().and_then(|v| v.as_str()).unwrap_or("?")
                            );
                            for p in &t.problems {
                                out!("    - {p}");
                            }
                        }
                        for w in &r.warnings {
                            out!("  warning: {w}");
                        }
                        out!("  {}", crop_line(&r.crop));
                        for c in &r.checks {
                            out!("  check {}: {}", c.code, c.message);
                        }
                    });
                }
            }
            Err(e) => {
                failed += 1;
                if common.json {
                    results.push(json!({"file": name, "ok": false, "error": FileError::from(e)}));
                } else {
                    bar.suspend(|| eprintln!("{name}: error [{}]: {e}", e.code()));
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    finish(common.json, results, failed, common.files.len())
}

fn resize(common: &Common, out: &Path) -> ExitCode {
    let options = common.options(&["graph", "ad-thumbnail"]);
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("userphoto: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let bar = progress(common.files.len() as u64, common.json);
    let mut failed = 0;
    let mut results = Vec::new();
    let mut written: std::collections::HashMap<PathBuf, PathBuf> = Default::default();
    for path in &common.files {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        let stem = path
            .file_stem()
            .map_or_else(|| "photo".into(), |s| s.to_string_lossy().into_owned());
        let outcome = read_photo(path, &options)
            .and_then(|b| userphoto::render(&b, &options))
            .and_then(|r| {
                let mut paths = Vec::new();
                for rendition in &r.renditions {
                    let dest = out.join(format!("{stem}.{}.jpg", rendition.target));
                    if let Some(other) = written.get(&dest) {
                        return Err(Error::InvalidOptions(format!(
                            "{} would overwrite the rendition of {} (same file name)",
                            dest.display(),
                            other.display()
                        )));
                    }
                    paths.push(dest);
                }
                for (rendition, dest) in r.renditions.iter().zip(&paths) {
                    write_atomically(dest, &rendition.data)?;
                    written.insert(dest.clone(), path.clone());
                }
                Ok((r, paths))
            });
        match outcome {
            Ok((r, paths)) => {
                if common.json {
                    let renditions: Vec<_> = r
                        .renditions
                        .iter()
                        .zip(&paths)
                        .map(|(x, p)| json!({"rendition": x, "path": p}))
                        .collect();
                    results.push(json!({"file": name, "ok": true, "source": r.source, "renditions": renditions, "warnings": r.warnings, "crop": r.crop, "faces": r.faces, "checks": r.checks}));
                } else {
                    bar.suspend(|| {
                        out!("{name}:");
                        for (x, p) in r.renditions.iter().zip(&paths) {
                            out!(
                                "  {:<16} {} x {}, {} bytes (max {}), quality {} -> {}",
                                x.target,
                                x.width,
                                x.height,
                                x.bytes,
                                x.max_bytes,
                                x.quality,
                                p.display()
                            );
                            for n in &x.notes {
                                out!("    note: {n}");
                            }
                        }
                        for w in &r.warnings {
                            out!("  warning: {w}");
                        }
                        out!("  {}", crop_line(&r.crop));
                        for c in &r.checks {
                            out!("  check {}: {}", c.code, c.message);
                        }
                    });
                }
            }
            Err(e) => {
                failed += 1;
                if common.json {
                    results.push(json!({"file": name, "ok": false, "error": FileError::from(&e)}));
                } else {
                    bar.suspend(|| eprintln!("{name}: error [{}]: {e}", e.code()));
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    finish(common.json, results, failed, common.files.len())
}

fn finish(json: bool, results: Vec<serde_json::Value>, failed: usize, total: usize) -> ExitCode {
    if json {
        let doc = json!({"results": results, "total": total, "failed": failed});
        out!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else if total > 1 || failed > 0 {
        eprintln!(
            "{} of {total} photos succeeded, {failed} failed",
            total - failed
        );
    }
    exit_code(failed > 0)
}

fn main() -> ExitCode {
    // Diagnostics go to stderr, filtered by RUST_LOG (off by default). Secrets never reach
    // them: tokens and keys are held in a type that prints as ***.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Command::Validate { common } => validate(common),
        Command::Resize { common, out } => resize(common, out),
        Command::Upload {
            connection,
            user,
            no_resize,
            json,
            file,
        } => graph::upload(connection, user, file, *no_resize, *json),
        Command::Sync { connection, args } => graph::sync_cmd(connection, args),
        Command::Export {
            connection,
            user,
            out,
        } => graph::export(connection, user, out),
        Command::Remove { connection, user } => graph::remove(connection, user),
        Command::Audit { connection, args } => graph::audit(connection, args),
        Command::Emulate {
            config,
            port,
            https,
        } => emulate::emulate(config.as_deref(), *port, *https),
        Command::Ad { command } => ad::run(command),
        Command::Targets { json } => {
            if *json {
                out!(
                    "{}",
                    serde_json::to_string_pretty(&PROFILES).unwrap_or_default()
                );
            } else {
                for p in PROFILES {
                    out!(
                        "{:<16} {} x {} px, <= {} bytes (up to {}), quality {}: {}",
                        p.name,
                        p.size,
                        p.size,
                        p.max_bytes,
                        p.max_bytes_ceiling,
                        p.quality,
                        p.store
                    );
                }
            }
            ExitCode::SUCCESS
        }
    }
}
