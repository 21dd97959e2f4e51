//! What the commands share: exit codes and error lines, progress bars, file names, and
//! publishing one photo file.

use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use userphoto::photo::Rendition;
use userphoto::publish::{self, Destination, PublishOptions, Written};
use userphoto::sync::{Item, Source};
use userphoto::Error;

/// A usage or configuration error (exit 2).
pub fn usage(msg: impl std::fmt::Display) -> Error {
    Error::Config(msg.to_string())
}

/// Print an error; exit 2 for usage and configuration errors, 1 otherwise.
pub fn fail(e: &Error) -> ExitCode {
    eprintln!("userphoto: error [{}]: {e}", e.code());
    ExitCode::from(match e {
        Error::Config(_) | Error::InvalidOptions(_) => 2,
        _ => 1,
    })
}

/// A file name for a user's exported photo (UPNs and DNs hold characters file systems refuse).
pub fn file_name_for(user: &str) -> String {
    user.chars()
        .map(|c| {
            if c.is_alphanumeric() || "@.-_'".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A progress bar on stderr for `count` items (its message: the item at hand), hidden for a
/// single item, for JSON output, or when stderr is not a terminal.
pub fn progress(count: u64, json: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if count < 2 || json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} eta {eta} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// A counter on stderr for work of unknown length (`what`: the unit counted), hidden for
/// JSON output or when stderr is not a terminal.
pub fn spinner(what: &str, json: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(&format!("{{spinner}} {{pos}} {what} {{per_sec}}"))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Publish one photo file to one destination through the library's publishing path:
/// rendered for it, or written as it is with `raw`.
pub fn publish_file(
    destination: Destination,
    user: &str,
    file: &Path,
    raw: bool,
) -> Result<(Option<Rendition>, Option<Written>), Error> {
    let item = Item {
        user: user.to_string(),
        source: Source::Path(file.to_path_buf()),
    };
    let options = PublishOptions {
        raw,
        ..PublishOptions::default()
    };
    publish::publish_one(destination, &item, options)
}

/// The photo checks of a result, one indented line each.
pub fn write_checks(out: &mut impl std::io::Write, checks: &[userphoto::photo::Check]) {
    for c in checks {
        let _ = writeln!(out, "          check {}: {}", c.code, c.message);
    }
}

/// The exit code of a run: 1 when anything failed.
pub fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
