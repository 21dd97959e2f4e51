//! The Microsoft Graph commands: upload, sync, export, remove, audit.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use userphoto::audit::tenant::{self, TenantAuditOptions, TenantEntry};
use userphoto::graph::{AssertionAlgorithm, Credential, Environment, GraphClient, GraphConfig};
use userphoto::publish::Written;
use userphoto::sync::{self, Status};
use userphoto::{runtime, Error, Secret};

use crate::feed::{run_feed, FeedArgs};
use crate::output::{exit_code, fail, file_name_for, publish_file, usage};

/// How to reach the tenant. Secrets never go on the command line: they come from a config
/// file or from environment variables named here.
#[derive(Args, Debug)]
pub struct Connection {
    /// JSON file with the whole connection (see README); the flags below override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Tenant id or domain (e.g. contoso.onmicrosoft.com).
    #[arg(long)]
    tenant: Option<String>,
    /// Application (client) id.
    #[arg(long)]
    client_id: Option<String>,
    /// Environment variable holding the client secret.
    #[arg(long, default_value = "USERPHOTO_CLIENT_SECRET")]
    client_secret_env: String,
    /// Certificate for a client assertion: PEM (the private key in --private-key or in the
    /// same file) or a .pfx/.p12 file holding both.
    #[arg(long)]
    certificate: Option<PathBuf>,
    #[arg(long)]
    private_key: Option<PathBuf>,
    /// Environment variable holding the password of a .pfx/.p12 --certificate.
    #[arg(long, default_value = "USERPHOTO_PFX_PASSWORD")]
    pfx_password_env: String,
    /// RS256 (x5t, the default) or PS256 (x5t#S256).
    #[arg(long, default_value = "RS256", value_parser = ["RS256", "PS256"])]
    assertion_algorithm: String,
    /// Use the managed identity of the Azure resource this runs on.
    #[arg(long)]
    managed_identity: bool,
    /// Client id of a user-assigned managed identity.
    #[arg(long)]
    identity_client_id: Option<String>,
    /// Environment variable holding a ready access token.
    #[arg(long)]
    access_token_env: Option<String>,
    /// Global, USGov, USGovDoD or China.
    #[arg(long)]
    environment: Option<String>,
    /// Explicit token authority URL (e.g. the emulator's).
    #[arg(long)]
    authority: Option<String>,
    /// Explicit Graph endpoint URL (e.g. the emulator's).
    #[arg(long)]
    graph_endpoint: Option<String>,
    /// An extra trusted root certificate (PEM), e.g. the emulator's test CA.
    #[arg(long)]
    ca_file: Option<PathBuf>,
    /// Requests in flight at most (the Photo API allows 4 per app).
    #[arg(long)]
    max_concurrency: Option<usize>,
}

impl Connection {
    pub fn client(&self) -> Result<GraphClient, Error> {
        let mut config: GraphConfig = match &self.config {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| Error::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                serde_json::from_str(&text).map_err(|e| usage(format!("{}: {e}", p.display())))?
            }
            None => GraphConfig {
                tenant: None,
                client_id: None,
                credential: self.credential()?,
                environment: Environment::Global,
                authority: None,
                graph_endpoint: None,
                max_concurrency: userphoto::targets::GRAPH_MAX_CONCURRENCY,
                retry: Default::default(),
                timeout_secs: 60,
                extra_ca_pem: None,
            },
        };
        if self.config.is_some() && self.has_credential_flag() {
            config.credential = self.credential()?;
        }
        if let Some(t) = &self.tenant {
            config.tenant = Some(t.clone());
        }
        if let Some(c) = &self.client_id {
            config.client_id = Some(c.clone());
        }
        if let Some(e) = &self.environment {
            config.environment = serde_json::from_value(json!(e)).map_err(|_| {
                usage(format!(
                    "--environment {e:?}: use Global, USGov, USGovDoD or China"
                ))
            })?;
        }
        if let Some(a) = &self.authority {
            config.authority = Some(a.clone());
        }
        if let Some(g) = &self.graph_endpoint {
            config.graph_endpoint = Some(g.clone());
        }
        if let Some(p) = &self.ca_file {
            config.extra_ca_pem = Some(std::fs::read_to_string(p).map_err(|source| Error::Io {
                path: p.display().to_string(),
                source,
            })?);
        }
        if let Some(n) = self.max_concurrency {
            config.max_concurrency = n;
        }
        GraphClient::new(config)
    }

    fn has_credential_flag(&self) -> bool {
        self.certificate.is_some()
            || self.managed_identity
            || self.access_token_env.is_some()
            || std::env::var_os(&self.client_secret_env).is_some()
    }

    fn credential(&self) -> Result<Credential, Error> {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .map(Secret::new)
        };
        if let Some(var) = &self.access_token_env {
            let token = env(var).ok_or_else(|| {
                usage(format!(
                    "environment variable {var} (--access-token-env) is not set"
                ))
            })?;
            return Ok(Credential::AccessToken { token });
        }
        if let Some(cert) = &self.certificate {
            let path = cert.display().to_string();
            let is_pfx = cert
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("pfx") || e.eq_ignore_ascii_case("p12"));
            let (certificate_path, pfx_path) = if is_pfx {
                (None, Some(path))
            } else {
                (Some(path), None)
            };
            return Ok(Credential::Certificate {
                certificate_pem: None,
                certificate_path,
                private_key_pem: None,
                private_key_path: self.private_key.as_ref().map(|p| p.display().to_string()),
                pfx_path,
                pfx_base64: None,
                pfx_password: env(&self.pfx_password_env),
                algorithm: if self.assertion_algorithm == "PS256" {
                    AssertionAlgorithm::PS256
                } else {
                    AssertionAlgorithm::RS256
                },
            });
        }
        if self.managed_identity {
            return Ok(Credential::ManagedIdentity {
                client_id: self.identity_client_id.clone(),
                identity_endpoint: None,
                identity_header: None,
                imds_endpoint: None,
            });
        }
        match env(&self.client_secret_env) {
            Some(secret) => Ok(Credential::Secret { secret }),
            None => Err(usage(format!(
                "no credential: set {} to the client secret, or use --certificate, --managed-identity, --access-token-env or --config",
                self.client_secret_env
            ))),
        }
    }
}

/// Print one user's result as a line (or JSON line).
fn print_result(r: &sync::UserResult, json_lines: bool) {
    let mut out = std::io::stdout().lock();
    if json_lines {
        let _ = writeln!(out, "{}", serde_json::to_string(r).unwrap_or_default());
        return;
    }
    let status = serde_json::to_value(r.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let detail = match (r.status, &r.error) {
        (_, Some(e)) => format!("[{}] {e}", r.error_code.unwrap_or("error")),
        (Status::Uploaded, None) => format!(
            "{} x {}, {} bytes, quality {}, {} attempt(s)",
            r.width.unwrap_or(0),
            r.height.unwrap_or(0),
            r.bytes.unwrap_or(0),
            r.quality.unwrap_or(0),
            r.attempts
        ),
        _ => String::new(),
    };
    let _ = writeln!(out, "{:<9} {}  {detail}", status, r.user);
    crate::output::write_checks(&mut out, &r.checks);
}

pub fn upload(
    conn: &Connection,
    user: &str,
    file: &Path,
    no_resize: bool,
    json_out: bool,
) -> ExitCode {
    let client = match conn.client() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    match publish_file(client.into(), user, file, no_resize) {
        Ok((_, Some(Written::Graph(o)))) => {
            if json_out {
                println!("{}", serde_json::to_string(&o).unwrap_or_default());
            } else {
                println!(
                    "uploaded  {}  {} bytes, {} attempt(s)",
                    o.user, o.bytes, o.attempts
                );
            }
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

pub fn sync_cmd(conn: &Connection, args: &FeedArgs) -> ExitCode {
    match conn.client() {
        Ok(client) => run_feed(vec![client.into()], args, print_result, "users", "uploaded"),
        Err(e) => fail(&e),
    }
}

pub fn export(conn: &Connection, users: &[String], out: &Path) -> ExitCode {
    let client = match conn.client() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    if let Err(source) = std::fs::create_dir_all(out) {
        return fail(&Error::Io {
            path: out.display().to_string(),
            source,
        });
    }
    let mut failed = 0;
    for user in users {
        match runtime().block_on(client.get_photo(user)) {
            Ok((bytes, content_type)) => {
                let ext = if content_type.as_deref() == Some("image/png") {
                    "png"
                } else {
                    "jpg"
                };
                let path = out.join(format!("{}.{ext}", file_name_for(user)));
                match std::fs::write(&path, &bytes) {
                    Ok(()) => println!(
                        "exported  {user}  {} bytes -> {}",
                        bytes.len(),
                        path.display()
                    ),
                    Err(source) => {
                        failed += 1;
                        eprintln!(
                            "{user}: error [io]: {}",
                            Error::Io {
                                path: path.display().to_string(),
                                source
                            }
                        );
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("{user}: error [{}]: {e}", e.code());
            }
        }
    }
    exit_code(failed > 0)
}

pub fn remove(conn: &Connection, users: &[String]) -> ExitCode {
    let client = match conn.client() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let mut failed = 0;
    for user in users {
        match runtime().block_on(client.delete_photo(user)) {
            Ok(()) => println!("removed   {user}"),
            Err(e) => {
                failed += 1;
                eprintln!("{user}: error [{}]: {e}", e.code());
            }
        }
    }
    exit_code(failed > 0)
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Audit the tenant through Microsoft Graph (`ad audit` audits the directory).
    #[arg(long, required = true)]
    graph: bool,
    /// Also audit disabled accounts (by default only accountEnabled eq true).
    #[arg(long)]
    include_disabled: bool,
    /// An OData $filter for the users to audit, instead of the enabled-accounts one.
    #[arg(long)]
    filter: Option<String>,
    /// Users per page of GET /users (1-999).
    #[arg(long, default_value_t = 999)]
    page_size: u32,
    /// One request per user instead of JSON batches of 20.
    #[arg(long)]
    no_batch: bool,
    /// Download each photo and run the photo checks (faces, light, detail).
    #[arg(long)]
    photos: bool,
    /// Print every user, not only those with a problem.
    #[arg(long)]
    all: bool,
    #[arg(long)]
    report_csv: Option<PathBuf>,
    #[arg(long)]
    report_json: Option<PathBuf>,
    /// Write a contact sheet: one HTML file with every user's 96 px thumbnail (Graph's own
    /// copy; with --photos rendered from the photo), problems first, a filter and counts; it
    /// opens offline.
    #[arg(long)]
    contact_sheet: Option<PathBuf>,
    /// One JSON object per printed user on stdout, then the summary.
    #[arg(long)]
    json: bool,
}

pub fn audit(conn: &Connection, args: &AuditArgs) -> ExitCode {
    let client = match conn.client() {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let options = TenantAuditOptions {
        include_disabled: args.include_disabled,
        filter: args.filter.clone(),
        page_size: args.page_size,
        batch: !args.no_batch,
        photos: args.photos,
        contact_sheet: path(&args.contact_sheet),
        report_csv: path(&args.report_csv),
        report_json: path(&args.report_json),
        ..TenantAuditOptions::default()
    };
    let bar = crate::output::spinner("users", args.json);
    let result = tenant::audit_tenant(&client, &options, |e| {
        bar.inc(1);
        let listed = !e.problems.is_empty() || !e.checks.is_empty() || e.error.is_some();
        if listed || args.all {
            bar.suspend(|| print_entry(&e, args.json));
        }
    });
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    match &summary.report_error {
        Some(e) => eprintln!("error [io]: {e}"),
        None => {
            if let Some(p) = &args.contact_sheet {
                eprintln!("contact sheet: {}", p.display());
            }
            for p in [&args.report_csv, &args.report_json].into_iter().flatten() {
                eprintln!("report: {}", p.display());
            }
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&json!({ "summary": summary })).unwrap_or_default()
        );
    }
    let counts = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!(
        "{} users audited: {} with a photo, {} listed, {} failed; {} requests{}{}",
        summary.users,
        summary.with_photo,
        summary.listed,
        summary.failed,
        summary.requests,
        if summary.problems.is_empty() {
            String::new()
        } else {
            format!("; {}", counts(&summary.problems))
        },
        if summary.checks.is_empty() {
            String::new()
        } else {
            format!("; checks: {}", counts(&summary.checks))
        },
    );
    exit_code(summary.failed > 0 || summary.report_error.is_some())
}

fn print_entry(e: &TenantEntry, json_lines: bool) {
    let mut out = std::io::stdout().lock();
    if json_lines {
        let _ = writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default());
        return;
    }
    let what = match (&e.error, e.width, e.height) {
        (Some(err), _, _) => format!(
            "failed [{}] {err}",
            e.error_code.as_deref().unwrap_or("error")
        ),
        (None, Some(w), Some(h)) => format!("{w} x {h}"),
        (None, _, _) => "no photo".into(),
    };
    let problems: Vec<&str> = e.problems.iter().map(|p| p.name()).collect();
    let problems = if problems.is_empty() {
        "ok".to_string()
    } else {
        problems.join(",")
    };
    let _ = writeln!(out, "{problems:<20} {}  {what}", e.user);
    crate::output::write_checks(&mut out, &e.checks);
}
