//! Tenant audit benchmark: `audit::tenant` over an emulated tenant under the emulator's
//! default throttle (4 Graph requests in flight per app), with JSON batches of 20 and with one
//! request per user.
//!
//! `cargo bench --bench audit -- [--users N] [--per-window N] [--window-ms N]`
//!
//! Per mode: wall time, users per second, HTTP requests to Graph (pages + batches or single
//! reads, retries included) and per user, the requests inside batches, 429s, and the share of
//! the concurrency throttle used (time requests held a slot / (wall x 4)). With --per-window
//! the emulator also limits requests per window per app, counting each request inside a batch.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::process::ExitCode;
use std::time::Instant;

use userphoto::audit::tenant::{audit_tenant, TenantAuditOptions};
use userphoto::emulator::{EmulatedUser, Throttle};

use support::{BenchResult, Flags};

const SECRET: &str = "audit-bench-secret";
const DEFAULT_USERS: u64 = 10_000;
const USAGE: &str =
    "usage: cargo bench --bench audit -- [--users N] [--per-window N] [--window-ms N]
  --users N        emulated users, two in three with a photo (default 10000)
  --per-window N   also limit requests per window per app (default: no window limit)
  --window-ms N    the window's length (default 1000)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("audit bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> BenchResult<()> {
    let (mut users, mut per_window, mut window_ms) = (DEFAULT_USERS as usize, 0u32, 1000u64);
    let mut flags = Flags::new(USAGE);
    while let Some(f) = flags.next_flag() {
        match f.name.as_str() {
            "--users" => users = flags.number(&f)? as usize,
            "--per-window" => {
                per_window =
                    u32::try_from(flags.number(&f)?).map_err(|_| "--per-window is too large")?
            }
            "--window-ms" => window_ms = flags.number(&f)?,
            // cargo passes --bench.
            _ => {}
        }
    }

    let listed: Vec<EmulatedUser> = (0..users)
        .map(|i| EmulatedUser {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            user_principal_name: format!("user{i:05}@contoso.com"),
            display_name: Some(format!("User {i}")),
            ..Default::default()
        })
        .collect();
    let mut config = common::emulator_config(SECRET, listed);
    config.throttle = Throttle {
        requests_per_window: per_window,
        window_ms,
        ..Throttle::default()
    };
    let limit = config.throttle.max_concurrent_per_app;
    let emu = common::start_emulator(config);
    // Two users in three have a photo (a small PNG: the metadata is what is read).
    let photo = common::png(&image::DynamicImage::ImageRgb8(
        image::RgbImage::from_pixel(64, 64, image::Rgb([90, 100, 110])),
    ));
    for i in (0..users).filter(|i| i % 3 != 0) {
        emu.set_photo(&format!("user{i:05}@contoso.com"), Some(photo.clone()));
    }
    let client = common::graph_client(&emu, SECRET);
    println!(
        "tenant audit: {users} emulated users, throttle {limit} in flight per app{}",
        if per_window > 0 {
            format!(", {per_window} requests per {window_ms} ms")
        } else {
            String::new()
        }
    );
    println!(
        "{:<18} {:>9} {:>10} {:>9} {:>10} {:>9} {:>6} {:>15}",
        "mode", "wall s", "users/s", "requests", "req/user", "batched", "429s", "throttle used"
    );
    for (mode, batch) in [("$batch of 20", true), ("one per user", false)] {
        emu.reset_stats();
        let options = TenantAuditOptions {
            batch,
            ..TenantAuditOptions::default()
        };
        let started = Instant::now();
        let mut seen = 0usize;
        let summary =
            audit_tenant(&client, &options, |_| seen += 1).map_err(|e| format!("{mode}: {e}"))?;
        let wall = started.elapsed().as_secs_f64();
        let stats = emu.stats();
        let graph_requests = stats.requests - stats.token_requests;
        if seen != users || summary.failed > 0 {
            return Err(format!(
                "{mode}: {seen} of {users} users audited, {} failed",
                summary.failed
            ));
        }
        println!(
            "{mode:<18} {wall:>9.2} {:>10.0} {graph_requests:>9} {:>10.3} {:>9} {:>6} {:>14.0}%",
            users as f64 / wall,
            graph_requests as f64 / users as f64,
            stats.batched_requests,
            stats.throttled_429,
            100.0 * stats.in_flight_us as f64 / (wall * 1e6 * limit as f64),
        );
    }
    Ok(())
}
