//! The feed arguments and run loop shared by `sync` and `ad sync`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use userphoto::sync::{self, feed, Destination, Event, SyncOptions};

use crate::output::{exit_code, fail, progress, usage};

#[derive(Args, Debug)]
pub struct FeedArgs {
    /// CSV feed with a user column and a photo path column.
    #[arg(long, conflicts_with = "folder", required_unless_present = "folder")]
    csv: Option<PathBuf>,
    /// Folder feed: each file's name (without extension) is the user.
    #[arg(long)]
    folder: Option<PathBuf>,
    /// CSV user column (default: the first of UserPrincipalName, UPN, Identity, User, Id, ObjectId, Mail).
    #[arg(long)]
    user_column: Option<String>,
    /// CSV photo path column (default: the first of Path, FullName, Photo, PhotoPath, File).
    #[arg(long)]
    path_column: Option<String>,
    /// Journal (SQLite) that makes runs incremental and resumable (shared by all destinations).
    #[arg(long, default_value = "userphoto-journal.sqlite")]
    journal: PathBuf,
    /// Write even photos the journal says are unchanged.
    #[arg(long)]
    force: bool,
    #[arg(long)]
    report_csv: Option<PathBuf>,
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Photos rendered at once (default: one per CPU). Uploads are limited by the
    /// connection's max_concurrency, and rendering runs ahead of them.
    #[arg(long)]
    workers: Option<usize>,
    #[command(flatten)]
    look: crate::LookArgs,
    /// One JSON line per result on stdout.
    #[arg(long)]
    json: bool,
}

/// Read the feed, run it to `destinations` with a progress bar, print each result with
/// `print`, write the reports and a summary line ("N {noun}: n {done}, ...").
pub fn run_feed(
    destinations: Vec<Destination>,
    args: &FeedArgs,
    print: fn(&sync::UserResult, bool),
    noun: &str,
    done: &str,
) -> ExitCode {
    let items = match (&args.csv, &args.folder) {
        (Some(csv), _) => feed::read_csv(
            csv,
            args.user_column.as_deref(),
            args.path_column.as_deref(),
        ),
        (None, Some(dir)) => feed::read_folder(dir),
        (None, None) => Err(usage("give --csv or --folder")),
    };
    let items = match items {
        Ok(i) => i,
        Err(e) => return fail(&e),
    };
    let bar = progress(items.len() as u64, args.json);
    let mut options = SyncOptions {
        force: args.force,
        journal: Some(args.journal.clone()),
        report_csv: args.report_csv.clone(),
        report_json: args.report_json.clone(),
        ..Default::default()
    };
    if let Some(w) = args.workers {
        options.workers = w;
    }
    args.look.apply(&mut options.render);
    let outcome = sync::run_to(destinations, items, options, |e| match e {
        Event::Result(r) => bar.suspend(|| print(r, args.json)),
        Event::Progress { done, .. } => bar.set_position(*done),
        Event::Finished(_) => bar.finish_and_clear(),
    });
    let summary = match outcome {
        Ok((_, summary)) => summary,
        Err(e) => return fail(&e),
    };
    if let Some(e) = &summary.report_error {
        eprintln!("userphoto: error [io]: {e}");
        return ExitCode::from(1);
    }
    for p in [&args.report_csv, &args.report_json].into_iter().flatten() {
        eprintln!("report: {}", p.display());
    }
    eprintln!(
        "{} {noun}: {} {done}, {} unchanged, {} failed, {} skipped",
        summary.total, summary.uploaded, summary.unchanged, summary.failed, summary.skipped
    );
    exit_code(summary.failed > 0)
}
