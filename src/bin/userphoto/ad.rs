//! `userphoto ad ...`: on-premises Active Directory thumbnailPhoto over LDAP.
//!
//! The bind password never goes on the command line (it would show in `ps`): it comes from
//! an environment variable (USERPHOTO_LDAP_PASSWORD by default), from a file, from stdin
//! with `--password-file -`, or from a prompt without echo when stdin is a terminal.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use userphoto::audit::{self, AuditOptions};
use userphoto::directory::{DirectoryClient, DirectoryConfig, DirectoryOutcome, DirectoryStatus};
use userphoto::graph::{GraphClient, GraphConfig};
use userphoto::publish::Written;
use userphoto::sync::{self, Destination, Status};
use userphoto::targets::AD_THUMBNAIL;
use userphoto::Error;

use crate::feed::{run_feed, FeedArgs};
use crate::output::{exit_code, fail, file_name_for, publish_file, usage};

#[derive(Subcommand)]
pub enum AdCommand {
    /// Render a photo to the ad-thumbnail profile (96 x 96 JPEG within --max-bytes) and write
    /// it to the user's thumbnailPhoto; read back and verified; skipped when unchanged.
    Upload {
        #[command(flatten)]
        connection: Connection,
        /// UPN, sAMAccountName (optionally DOMAIN\name), mail or distinguished name.
        #[arg(long)]
        user: String,
        /// Write the bytes as they are (a JPEG of at most 102,400 bytes).
        #[arg(long)]
        no_resize: bool,
        #[arg(long)]
        json: bool,
        file: PathBuf,
    },
    /// Save users' current thumbnailPhoto to a folder as <user>.jpg.
    Export {
        #[command(flatten)]
        connection: Connection,
        #[arg(long, required = true, num_args = 1..)]
        user: Vec<String>,
        #[arg(long, short)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Remove users' thumbnailPhoto.
    Remove {
        #[command(flatten)]
        connection: Connection,
        #[arg(long, required = true, num_args = 1..)]
        user: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List users whose thumbnailPhoto is over a size, not a JPEG, not square, unreadable or
    /// missing (paged search under the search base); --fix re-encodes them to fit.
    Audit {
        #[command(flatten)]
        connection: Connection,
        /// Flag thumbnails over this many bytes (and re-encode to fit it with --fix).
        #[arg(long, default_value_t = AD_THUMBNAIL.max_bytes)]
        threshold: u64,
        /// Re-encode flagged photos to fit and write them back.
        #[arg(long)]
        fix: bool,
        /// Do not list users without a thumbnailPhoto.
        #[arg(long)]
        no_missing: bool,
        /// Also scan disabled accounts.
        #[arg(long)]
        include_disabled: bool,
        #[arg(long, default_value_t = 500)]
        page_size: i32,
        #[arg(long)]
        report_csv: Option<PathBuf>,
        #[arg(long)]
        report_json: Option<PathBuf>,
        /// Write a contact sheet: one HTML file with every scanned user's thumbnail,
        /// problems first, a filter and counts; it opens offline.
        #[arg(long)]
        contact_sheet: Option<PathBuf>,
        /// The whole report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Write a whole feed (CSV or folder) to AD: incremental, resumable, one result per user
    /// (and per destination with --graph-config).
    Sync {
        #[command(flatten)]
        connection: Connection,
        #[command(flatten)]
        args: SyncArgs,
    },
}

/// How to reach the domain controller.
#[derive(Args, Debug)]
pub struct Connection {
    /// JSON file with the connection (url, bind_user, ca_file, search_base, ...; see the
    /// library docs). The flags below override it; a password in it is used when no
    /// --password-env variable is set.
    #[arg(long)]
    config: Option<PathBuf>,
    /// ldaps://host[:port] or ldap://host[:port] (StartTLS). Default: $USERPHOTO_LDAP_URL.
    #[arg(long)]
    url: Option<String>,
    /// Bind account: UPN (svc-photos@corp.example), DOMAIN\name or DN. Default: $USERPHOTO_LDAP_BIND.
    #[arg(long)]
    bind_user: Option<String>,
    /// Environment variable holding the bind password.
    #[arg(long, default_value = "USERPHOTO_LDAP_PASSWORD")]
    password_env: String,
    /// File whose first line is the bind password ("-" reads it from stdin).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// Trust this CA (PEM) for the server's certificate instead of the system store.
    /// Default: $USERPHOTO_LDAP_CA.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Where users are searched (default: the rootDSE defaultNamingContext). Default: $USERPHOTO_LDAP_BASE.
    #[arg(long)]
    search_base: Option<String>,
    /// ldap:// without TLS (loopback hosts only; for test directories).
    #[arg(long)]
    plain_ldap: bool,
    /// Thumbnail byte budget: 10240 by default, at most 102400 (the schema limit; both from
    /// the target table).
    #[arg(long)]
    max_bytes: Option<u64>,
    /// Seconds per LDAP operation.
    #[arg(long)]
    timeout: Option<u64>,
}

fn env_nonempty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Connection {
    fn password(&self) -> Result<Option<String>, Error> {
        if let Some(p) = &self.password_file {
            let line = if p.as_os_str() == "-" {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|source| Error::Io {
                        path: "stdin".into(),
                        source,
                    })?;
                line
            } else {
                std::fs::read_to_string(p).map_err(|source| Error::Io {
                    path: p.display().to_string(),
                    source,
                })?
            };
            let pw = line.lines().next().unwrap_or_default().to_string();
            if pw.is_empty() {
                return Err(usage(format!("{}: the password is empty", p.display())));
            }
            return Ok(Some(pw));
        }
        Ok(env_nonempty(&self.password_env))
    }

    /// Ask on the terminal, without echo (Unix `stty`), when nothing else gave a password.
    fn prompt_password(&self, bind_user: &str) -> Result<Option<String>, Error> {
        if !std::io::stdin().is_terminal() || !cfg!(unix) {
            return Ok(None);
        }
        let stty = |arg: &str| {
            std::process::Command::new("stty")
                .arg(arg)
                .stdin(std::process::Stdio::inherit())
                .status()
                .is_ok_and(|s| s.success())
        };
        eprint!("LDAP password for {bind_user}: ");
        let _ = std::io::stderr().flush();
        let hidden = stty("-echo");
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        if hidden {
            stty("echo");
        }
        eprintln!();
        read.map_err(|source| Error::Io {
            path: "stdin".into(),
            source,
        })?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        Ok((!pw.is_empty()).then_some(pw))
    }

    pub fn client(&self) -> Result<DirectoryClient, Error> {
        let mut doc = match &self.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| Error::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| usage(format!("{}: {e}", p.display())))?
            }
            None => json!({}),
        };
        let obj = doc
            .as_object_mut()
            .ok_or_else(|| usage("the --config file must hold a JSON object"))?;
        let mut set = |key: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                obj.insert(key.to_string(), v);
            }
        };
        let url = self
            .url
            .clone()
            .or_else(|| env_nonempty("USERPHOTO_LDAP_URL"));
        set("url", url.map(|v| json!(v)));
        let bind = self
            .bind_user
            .clone()
            .or_else(|| env_nonempty("USERPHOTO_LDAP_BIND"));
        set("bind_user", bind.map(|v| json!(v)));
        let ca = self
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .or_else(|| env_nonempty("USERPHOTO_LDAP_CA"));
        set("ca_file", ca.map(|v| json!(v)));
        let base = self
            .search_base
            .clone()
            .or_else(|| env_nonempty("USERPHOTO_LDAP_BASE"));
        set("search_base", base.map(|v| json!(v)));
        if self.plain_ldap {
            set("plain_ldap", Some(json!(true)));
        }
        set("max_bytes", self.max_bytes.map(|v| json!(v)));
        set("timeout_secs", self.timeout.map(|v| json!(v)));
        if let Some(pw) = self.password()? {
            set("password", Some(json!(pw)));
        } else if !obj.contains_key("password") {
            let bind = obj
                .get("bind_user")
                .and_then(|v| v.as_str())
                .unwrap_or("the bind user")
                .to_string();
            if let Some(pw) = self.prompt_password(&bind)? {
                obj.insert("password".into(), json!(pw));
            }
        }
        for (key, hint) in [
            ("url", "--url or USERPHOTO_LDAP_URL"),
            ("bind_user", "--bind-user or USERPHOTO_LDAP_BIND"),
            (
                "password",
                "the environment variable named by --password-env (USERPHOTO_LDAP_PASSWORD) or --password-file",
            ),
        ] {
            if !obj.contains_key(key) {
                return Err(usage(format!("no {key}: give {hint}")));
            }
        }
        let config: DirectoryConfig = serde_json::from_value(doc)
            .map_err(|e| usage(format!("directory configuration: {e}")))?;
        DirectoryClient::new(config)
    }
}

/// Errors building the client are usage errors (exit 2), except unreachable files.
fn connect(conn: &Connection) -> Result<DirectoryClient, ExitCode> {
    conn.client().map_err(|e| {
        eprintln!("userphoto: error [{}]: {e}", e.code());
        ExitCode::from(match e {
            Error::Io { .. } => 1,
            _ => 2,
        })
    })
}

fn status_name(s: DirectoryStatus) -> &'static str {
    match s {
        DirectoryStatus::Written => "written",
        DirectoryStatus::Unchanged => "unchanged",
        DirectoryStatus::Removed => "removed",
        DirectoryStatus::Absent => "absent",
    }
}

fn print_outcome(o: &DirectoryOutcome, json_out: bool) {
    let mut out = std::io::stdout().lock();
    if json_out {
        let mut v = serde_json::to_value(o).unwrap_or_default();
        v["ok"] = json!(true);
        let _ = writeln!(out, "{v}");
        return;
    }
    let detail = match &o.rendition {
        Some(r) => format!(
            "{} x {}, {} bytes (max {}), quality {}",
            r.width, r.height, r.bytes, r.max_bytes, r.quality
        ),
        None => format!("{} bytes", o.bytes),
    };
    let _ = writeln!(
        out,
        "{:<9} {}  {}  {detail}{}",
        status_name(o.status),
        o.user,
        o.dn,
        if o.verified { ", verified" } else { "" }
    );
}

fn print_failure(user: &str, e: &Error, json_out: bool) {
    if json_out {
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            json!({"user": user, "ok": false, "error_code": e.code(), "error": e.to_string()})
        );
    }
    eprintln!("{user}: error [{}]: {e}", e.code());
}

pub fn run(command: &AdCommand) -> ExitCode {
    match command {
        AdCommand::Upload {
            connection,
            user,
            no_resize,
            json,
            file,
        } => upload(connection, user, file, *no_resize, *json),
        AdCommand::Export {
            connection,
            user,
            out,
            json,
        } => export(connection, user, out, *json),
        AdCommand::Remove {
            connection,
            user,
            json,
        } => remove(connection, user, *json),
        AdCommand::Audit {
            connection,
            threshold,
            fix,
            no_missing,
            include_disabled,
            page_size,
            report_csv,
            report_json,
            contact_sheet,
            json,
        } => {
            let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
            let options = AuditOptions {
                max_bytes: *threshold,
                include_missing: !no_missing,
                include_disabled: *include_disabled,
                fix: *fix,
                page_size: *page_size,
                contact_sheet: path(contact_sheet),
                report_csv: path(report_csv),
                report_json: path(report_json),
            };
            audit_cmd(connection, &options, *json)
        }
        AdCommand::Sync { connection, args } => sync_cmd(connection, args),
    }
}

fn upload(conn: &Connection, user: &str, file: &Path, no_resize: bool, json_out: bool) -> ExitCode {
    let client = match connect(conn) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match publish_file(client.into(), user, file, no_resize) {
        Ok((rendition, Some(Written::Directory(mut o)))) => {
            o.rendition = rendition;
            print_outcome(&o, json_out);
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            print_failure(user, &e, json_out);
            ExitCode::from(1)
        }
    }
}

fn export(conn: &Connection, users: &[String], out: &Path, json_out: bool) -> ExitCode {
    let client = match connect(conn) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(source) = std::fs::create_dir_all(out) {
        return fail(&Error::Io {
            path: out.display().to_string(),
            source,
        });
    }
    let mut failed = 0;
    for user in users {
        let path = out.join(format!("{}.jpg", file_name_for(user)));
        let result = client.export(user).and_then(|bytes| {
            std::fs::write(&path, &bytes)
                .map(|_| bytes.len())
                .map_err(|source| Error::Io {
                    path: path.display().to_string(),
                    source,
                })
        });
        match result {
            Ok(n) if json_out => println!(
                "{}",
                json!({"user": user, "ok": true, "bytes": n, "path": path})
            ),
            Ok(n) => println!("exported  {user}  {n} bytes -> {}", path.display()),
            Err(e) => {
                failed += 1;
                print_failure(user, &e, json_out);
            }
        }
    }
    exit_code(failed > 0)
}

fn remove(conn: &Connection, users: &[String], json_out: bool) -> ExitCode {
    let client = match connect(conn) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut failed = 0;
    for user in users {
        match client.remove(user) {
            Ok(o) => print_outcome(&o, json_out),
            Err(e) => {
                failed += 1;
                print_failure(user, &e, json_out);
            }
        }
    }
    exit_code(failed > 0)
}

fn audit_cmd(conn: &Connection, options: &AuditOptions, json_out: bool) -> ExitCode {
    let client = match connect(conn) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let report = match audit::audit_directory(&client, options) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        for e in &report.entries {
            let problems: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
            let fix = e.fix.as_ref().map_or(String::new(), |f| match &f.error {
                Some(err) => format!("  fix failed [{}]: {err}", f.error_code.unwrap_or("error")),
                None => format!("  fix {}: {} bytes", f.status, f.bytes.unwrap_or(0)),
            });
            println!(
                "{:<24} {}  {}{}",
                problems.join(","),
                e.user,
                e.bytes.map_or("no photo".into(), |b| format!("{b} bytes")),
                fix
            );
        }
    }
    if let Some(p) = &options.contact_sheet {
        eprintln!("contact sheet: {p}");
    }
    match &report.report_error {
        Some(e) => eprintln!("error [io]: {e}"),
        None => {
            for p in [&options.report_csv, &options.report_json]
                .into_iter()
                .flatten()
            {
                eprintln!("report: {p}");
            }
        }
    }
    eprintln!(
        "{} users scanned under {}: {} with a photo, {} listed{}",
        report.scanned,
        report.search_base,
        report.with_photo,
        report.listed,
        if options.fix {
            format!(
                ", {} fixed, {} fixes failed",
                report.fixed, report.fix_failed
            )
        } else {
            String::new()
        }
    );
    exit_code(report.fix_failed > 0 || report.report_error.is_some())
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    feed: FeedArgs,
    /// Also upload to Microsoft Graph, with this Graph connection (JSON) file: one result
    /// per user per destination.
    #[arg(long)]
    graph_config: Option<PathBuf>,
}

fn graph_client(path: &Path) -> Result<GraphClient, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let config: GraphConfig =
        serde_json::from_str(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    GraphClient::new(config)
}

fn sync_cmd(conn: &Connection, args: &SyncArgs) -> ExitCode {
    let directory = match connect(conn) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let graph = match args.graph_config.as_deref().map(graph_client).transpose() {
        Ok(g) => g,
        Err(e) => return fail(&e),
    };
    let mut destinations: Vec<Destination> = graph.into_iter().map(Into::into).collect();
    destinations.push(directory.into());
    run_feed(destinations, &args.feed, print_result, "results", "written")
}

fn print_result(r: &sync::UserResult, json_lines: bool) {
    let mut out = std::io::stdout().lock();
    if json_lines {
        let _ = writeln!(out, "{}", serde_json::to_string(r).unwrap_or_default());
        return;
    }
    let status = match r.status {
        Status::Uploaded => "written",
        Status::Unchanged => "unchanged",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    };
    let detail = match (&r.error, r.width, r.height) {
        (Some(e), _, _) => format!("[{}] {e}", r.error_code.unwrap_or("error")),
        (None, Some(w), Some(h)) => format!(
            "{w} x {h}, {} bytes, quality {}",
            r.bytes.unwrap_or(0),
            r.quality.unwrap_or(0)
        ),
        // Unchanged from the journal: not rendered again.
        (None, _, _) => r.bytes.map(|b| format!("{b} bytes")).unwrap_or_default(),
    };
    let _ = writeln!(out, "{status:<9} {:<5} {}  {detail}", r.destination, r.user);
    crate::output::write_checks(&mut out, &r.checks);
}
