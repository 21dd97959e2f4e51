//! Upload throughput benchmark: `userphoto::sync::run` against the local Graph emulator with
//! its per-app throttle (4 requests in flight, a fixed window of N requests), optionally with
//! mild injected faults; how close a bulk run gets to the throttle's ceiling, and why not.
//!
//! `cargo bench --bench upload -- [--users N] [--per-window N] [--window-ms N] [--faults]
//!  [--journal-dir DIR] [--workers N] [--source WxH]`
//!
//! Everything happens in process: sources are generated in memory, the emulator listens on
//! 127.0.0.1. See `bench/README.md`.

#[path = "../tests/common/mod.rs"]
mod common;
mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use userphoto::emulator::{Emulator, EmulatorConfig, EmulatorStats, Faults, Throttle};
use userphoto::graph::{GraphClient, GraphConfig, RetryPolicy};
use userphoto::photo::EncoderMode;
use userphoto::sync::{self, Event, Item, Source, Status, SyncOptions};
use userphoto::targets::TargetRequest;
use userphoto::targets::GRAPH_MAX_CONCURRENCY as DEFAULT_MAX_CONCURRENCY;
use userphoto::Options;

use support::{mean, met, number, percentile, BenchResult, Flags};

const SECRET: &str = "upload-bench-secret";

const DEFAULT_USERS: usize = 500;
const DEFAULT_PER_WINDOW: u32 = 50;
const DEFAULT_WINDOW_MS: u64 = 1000;
/// Source photos: small gradients, one colour per user (`--source` for camera-sized ones).
const SOURCE_W: u32 = 160;
const SOURCE_H: u32 = 120;
/// `--faults`: mild, seeded.
const FAULT_SEED: u64 = 7;
const FAULT_P_503: f64 = 0.02;
const FAULT_P_DROP: f64 = 0.01;
/// Requests of the latency probe, per concurrency level.
const PROBE_REQUESTS: usize = 200;
/// Throughput as a fraction of the throttle's ceiling that the target asks for.
const TARGET_FRACTION: f64 = 0.95;

fn main() -> ExitCode {
    match parse_args().and_then(|a| bench(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("upload bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments

struct Args {
    users: usize,
    per_window: u32,
    window_ms: u64,
    faults: bool,
    journal_dir: Option<PathBuf>,
    workers: usize,
    source: (u32, u32),
}

const USAGE: &str = "usage: cargo bench --bench upload -- [--users N] [--per-window N] [--window-ms N] [--faults] [--journal-dir DIR] [--workers N] [--source WxH]
  --users N          users, each with its own source photo (default 500)
  --per-window N     emulator throttle: requests per window per app (default 50)
  --window-ms N      emulator throttle: window length (default 1000)
  --faults           inject faults: p_503 0.02 (no Retry-After), p_drop 0.01, seed 7
  --journal-dir DIR  where the journal pass puts its SQLite file (default: a temp dir)
  --workers N        SyncOptions::workers: photos rendered at once (default: one per CPU)
  --source WxH       size of the generated source photos (default 160x120)";

fn parse_args() -> BenchResult<Args> {
    let mut args = Args {
        users: DEFAULT_USERS,
        per_window: DEFAULT_PER_WINDOW,
        window_ms: DEFAULT_WINDOW_MS,
        faults: false,
        journal_dir: None,
        workers: SyncOptions::default().workers,
        source: (SOURCE_W, SOURCE_H),
    };
    let mut flags = Flags::new(USAGE);
    while let Some(f) = flags.next_flag() {
        match f.name.as_str() {
            "--users" => args.users = flags.number(&f)? as usize,
            "--per-window" => {
                args.per_window =
                    u32::try_from(flags.number(&f)?).map_err(|_| "--per-window is too large")?;
            }
            "--window-ms" => args.window_ms = flags.number(&f)?,
            "--faults" => args.faults = true,
            "--workers" => args.workers = flags.number(&f)? as usize,
            "--journal-dir" => args.journal_dir = Some(PathBuf::from(flags.value(&f)?)),
            "--source" => {
                let v = flags.value(&f)?;
                let (w, h) = v
                    .split_once('x')
                    .ok_or_else(|| format!("--source wants WxH, not {v:?}"))?;
                let side =
                    |s: &str| u32::try_from(number("--source", s)?).map_err(|e| e.to_string());
                args.source = (side(w)?, side(h)?);
            }
            // cargo passes --bench; other harness flags are ignored the same way.
            _ => {}
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------
// Set-up (the pattern of tests/sync.rs)

fn upn(i: usize) -> String {
    format!("user{i:05}@contoso.com")
}

fn start_emulator(users: usize, throttle: Throttle, faults: Faults) -> BenchResult<Emulator> {
    Emulator::start(EmulatorConfig {
        throttle,
        faults,
        ..common::emulator_config(SECRET, common::numbered_users((0..users).map(upn)))
    })
    .map_err(|e| format!("emulator: {e}"))
}

/// The client a bulk run gets by default: 4 in flight, the default retry policy.
fn client_config(emu: &Emulator) -> GraphConfig {
    GraphConfig {
        max_concurrency: DEFAULT_MAX_CONCURRENCY,
        retry: RetryPolicy::default(),
        timeout_secs: 60,
        ..common::graph_config(emu, common::secret_credential(SECRET))
    }
}

fn client(emu: &Emulator) -> BenchResult<GraphClient> {
    GraphClient::new(client_config(emu)).map_err(|e| format!("client: {e}"))
}

/// A distinct gradient per user (its own base colour), JPEG q 92.
fn source_photo(i: usize, (w, h): (u32, u32)) -> BenchResult<Vec<u8>> {
    let (r, g, b) = (
        (i * 37 % 256) as u32,
        (i * 101 % 256) as u32,
        (i * 173 % 256) as u32,
    );
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|p| {
            let (x, y) = (p % w, p / w);
            [
                ((r + x) % 256) as u8,
                ((g + y * 2) % 256) as u8,
                ((b + (x + y) / 2) % 256) as u8,
            ]
        })
        .collect();
    userphoto::photo::encode_jpeg(w, h, &rgb, 92, EncoderMode::Fast)
        .map_err(|e| format!("source photo {i}: {e}"))
}

/// The options `sync` renders with (its targets are replaced by the graph profile).
fn graph_options() -> Options {
    Options {
        targets: vec![TargetRequest::Name("graph".into())],
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// Rendering cost (serial, outside any upload)

struct RenderCost {
    per_photo_ms: Vec<f64>,
    total: Duration,
    renditions: Vec<Bytes>,
    rendition_bytes: Vec<f64>,
}

fn measure_rendering(sources: &[Vec<u8>]) -> BenchResult<RenderCost> {
    let options = graph_options();
    let mut per_photo_ms = Vec::with_capacity(sources.len());
    let mut renditions = Vec::with_capacity(sources.len());
    let mut rendition_bytes = Vec::with_capacity(sources.len());
    let start = Instant::now();
    for (i, s) in sources.iter().enumerate() {
        let t = Instant::now();
        let mut out = userphoto::render(s, &options).map_err(|e| format!("render {i}: {e}"))?;
        per_photo_ms.push(ms(t.elapsed()));
        let r = out.renditions.remove(0);
        rendition_bytes.push(r.data.len() as f64);
        renditions.push(Bytes::from(r.data));
    }
    Ok(RenderCost {
        per_photo_ms,
        total: start.elapsed(),
        renditions,
        rendition_bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// Latency probe: PUTs straight through GraphClient, no window limit

struct Probe {
    in_flight: usize,
    latencies_ms: Vec<f64>,
    wall: Duration,
    failures: usize,
}

fn probe_latency(renditions: &[Bytes], in_flight: usize) -> BenchResult<Probe> {
    let n = PROBE_REQUESTS.min(renditions.len()).max(1);
    let emu = start_emulator(
        n,
        Throttle {
            max_concurrent_per_app: DEFAULT_MAX_CONCURRENCY,
            requests_per_window: 0,
            ..Default::default()
        },
        Faults::default(),
    )?;
    let client = client(&emu)?;
    let renditions: Arc<Vec<Bytes>> = Arc::new(renditions[..n].to_vec());
    let rt = userphoto::runtime();
    rt.block_on(async {
        // Token first, so that it is not in the first request's latency.
        let _ = client.photo_update_source().await;
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for lane in 0..in_flight {
            let (client, renditions) = (client.clone(), renditions.clone());
            tasks.spawn(async move {
                let mut lat = Vec::new();
                let mut failures = 0;
                for i in (lane..renditions.len()).step_by(in_flight) {
                    let t = Instant::now();
                    match client.put_photo(&upn(i), renditions[i].clone()).await {
                        Ok(_) => lat.push(ms(t.elapsed())),
                        Err(_) => failures += 1,
                    }
                }
                (lat, failures)
            });
        }
        let mut probe = Probe {
            in_flight,
            latencies_ms: Vec::new(),
            wall: Duration::ZERO,
            failures: 0,
        };
        while let Some(r) = tasks.join_next().await {
            let (lat, failures) = r.map_err(|e| format!("probe task: {e}"))?;
            probe.latencies_ms.extend(lat);
            probe.failures += failures;
        }
        probe.wall = start.elapsed();
        Ok(probe)
    })
}

// ---------------------------------------------------------------------------------------------
// One bulk run

struct Pass {
    label: &'static str,
    /// Whether the pass renders (sync::run) or uploads pre-rendered photos.
    renders: bool,
    wall: Duration,
    uploaded: u64,
    failed: u64,
    other: u64,
    errors: Vec<String>,
    /// Completion time (since the start of sync::run) of every successful upload, sorted.
    success_ms: Vec<f64>,
    client_retries: u64,
    stats: EmulatorStats,
}

fn run_pass(
    label: &'static str,
    args: &Args,
    sources: &[Vec<u8>],
    journal: Option<PathBuf>,
) -> BenchResult<Pass> {
    let emu = start_emulator(args.users, throttle(args), faults(args))?;
    let client = client(&emu)?;
    let items: Vec<Item> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| Item {
            user: upn(i),
            source: Source::Bytes(s.clone()),
        })
        .collect();
    let options = SyncOptions {
        journal,
        workers: args.workers,
        ..Default::default()
    };
    let mut success_ms = Vec::with_capacity(sources.len());
    let start = Instant::now();
    let (results, summary) = sync::run(client, items, options, |e| {
        if let Event::Result(r) = e {
            if r.status == Status::Uploaded {
                success_ms.push(ms(start.elapsed()));
            }
        }
    })
    .map_err(|e| format!("{label}: sync::run: {e}"))?;
    let wall = start.elapsed();
    let stats = emu.stats();
    drop(emu);
    success_ms.sort_by(f64::total_cmp);
    let mut errors: Vec<String> = results
        .iter()
        .filter(|r| r.status != Status::Uploaded)
        .map(|r| {
            format!(
                "{}: {:?} {}",
                r.user,
                r.status,
                r.error.as_deref().unwrap_or("")
            )
        })
        .collect();
    errors.truncate(5);
    Ok(Pass {
        label,
        renders: true,
        wall,
        uploaded: summary.uploaded,
        failed: summary.failed,
        other: summary.total - summary.uploaded - summary.failed,
        errors,
        success_ms,
        client_retries: results
            .iter()
            .filter(|r| r.status == Status::Uploaded)
            .map(|r| u64::from(r.attempts.saturating_sub(1)))
            .sum(),
        stats,
    })
}

/// The same users and throttle without sync::run and without rendering: as many tasks as sync
/// keeps users in progress take the next pre-rendered photo and `put_photo` it through one
/// GraphClient.
fn run_direct_pass(args: &Args, renditions: &[Bytes]) -> BenchResult<Pass> {
    let emu = start_emulator(args.users, throttle(args), faults(args))?;
    let client = client(&emu)?;
    let renditions: Arc<Vec<Bytes>> = Arc::new(renditions.to_vec());
    let next = Arc::new(AtomicUsize::new(0));
    let workers = args.workers + sync::RENDERED_AHEAD;
    let start = Instant::now();
    let outcomes = userphoto::runtime().block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..workers {
            let (client, renditions, next) = (client.clone(), renditions.clone(), next.clone());
            tasks.spawn(async move {
                let mut out = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= renditions.len() {
                        break;
                    }
                    let r = client.put_photo(&upn(i), renditions[i].clone()).await;
                    out.push((i, ms(start.elapsed()), r));
                }
                out
            });
        }
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.extend(r.map_err(|e| format!("upload task: {e}"))?);
        }
        Ok::<_, String>(all)
    })?;
    let wall = start.elapsed();
    let stats = emu.stats();
    drop(emu);
    let mut success_ms = Vec::new();
    let mut errors = Vec::new();
    let mut client_retries = 0;
    for (i, t, r) in outcomes {
        match r {
            Ok(o) => {
                success_ms.push(t);
                client_retries += u64::from(o.attempts.saturating_sub(1));
            }
            Err(e) => errors.push(format!("{}: {e}", upn(i))),
        }
    }
    success_ms.sort_by(f64::total_cmp);
    let failed = errors.len() as u64;
    errors.truncate(5);
    Ok(Pass {
        label: "put_photo only (pre-rendered, no sync::run)",
        renders: false,
        wall,
        uploaded: success_ms.len() as u64,
        failed,
        other: 0,
        errors,
        success_ms,
        client_retries,
        stats,
    })
}

fn throttle(args: &Args) -> Throttle {
    Throttle {
        max_concurrent_per_app: DEFAULT_MAX_CONCURRENCY,
        requests_per_window: args.per_window,
        window_ms: args.window_ms,
        ..Default::default()
    }
}

fn faults(args: &Args) -> Faults {
    if args.faults {
        Faults {
            seed: FAULT_SEED,
            p_503: FAULT_P_503,
            p_drop: FAULT_P_DROP,
            ..Default::default()
        }
    } else {
        Faults::default()
    }
}

/// Runs of successful uploads separated by more than a quarter of a window: with a window
/// limit, one burst per window.
struct Burst {
    start_ms: f64,
    end_ms: f64,
    uploads: usize,
}

fn bursts(success_ms: &[f64], window_ms: u64) -> Vec<Burst> {
    let gap = window_ms as f64 / 4.0;
    let mut out: Vec<Burst> = Vec::new();
    for &t in success_ms {
        match out.last_mut() {
            Some(b) if t - b.end_ms <= gap => {
                b.end_ms = t;
                b.uploads += 1;
            }
            _ => out.push(Burst {
                start_ms: t,
                end_ms: t,
                uploads: 1,
            }),
        }
    }
    out
}

/// Percentages of the throttle's ceiling reached by a pass: `(raw, window_exact)`.
///
/// raw: uploads per second of wall time over requests_per_window / window.
/// window-exact: a perfect client needs ceil(requests / per_window) windows, the first starting
/// at its first request, so its last upload lands (windows - 1) x window after its first; this
/// is that span over the one measured (first to last successful upload). It does not reward
/// the last window's quota arriving all at once, so it does not depend on the number of users.
fn percent_of_throttle(p: &Pass, args: &Args) -> (f64, Option<f64>) {
    let ceiling = f64::from(args.per_window) * 1000.0 / args.window_ms as f64;
    let raw = 100.0 * p.uploaded as f64 / p.wall.as_secs_f64() / ceiling;
    // Requests no client can avoid: one per user, plus the injected faults (they count in the
    // window too: the emulator checks the window before drawing a fault).
    let needed = args.users as u64 + p.stats.faults_503 + p.stats.dropped;
    let windows = needed.div_ceil(u64::from(args.per_window));
    let ideal_ms = windows.saturating_sub(1) as f64 * args.window_ms as f64;
    let span = match (p.success_ms.first(), p.success_ms.last()) {
        (Some(a), Some(b)) if windows > 1 && b > a => b - a,
        _ => return (raw, None),
    };
    (raw, Some(100.0 * ideal_ms / span))
}

fn print_pass(p: &Pass, args: &Args, render: &RenderCost, probe4: &Probe) {
    let s = &p.stats;
    let ceiling = f64::from(args.per_window) * 1000.0 / args.window_ms as f64;
    let wall_s = p.wall.as_secs_f64();
    let (raw, exact) = percent_of_throttle(p, args);
    let graph_requests = s.requests - s.token_requests;
    let provoked_429 = s.throttled_429 - s.faults_429;
    println!();
    println!("== {} ==", p.label);
    println!(
        "  users {:>6}   uploaded {}   failed {}   other {}",
        args.users, p.uploaded, p.failed, p.other
    );
    for e in &p.errors {
        println!("    {e}");
    }
    println!(
        "  wall time                {wall_s:8.2} s  ({})",
        if p.renders {
            "sync::run, call to return; token fetch and rendering included"
        } else {
            "first request to last reply; token fetch included"
        }
    );
    if let (Some(first), Some(last)) = (p.success_ms.first(), p.success_ms.last()) {
        println!(
            "  first / last upload done {:8.1} ms / {:.1} ms after the start",
            first, last
        );
    }
    println!(
        "  throughput               {:8.2} uploads/s  = {raw:5.1} % of the {ceiling:.1}/s throttle (uploads / wall)",
        p.uploaded as f64 / wall_s
    );
    match exact {
        Some(e) => {
            let needed = args.users as u64 + s.faults_503 + s.dropped;
            println!(
                "  window-exact             {:8.2} uploads/s  = {e:5.1} % (a perfect client needs {} windows for {needed} requests: \
                 {:.2} s first->last upload; this run {:.2} s)",
                ceiling * e / 100.0,
                needed.div_ceil(u64::from(args.per_window)),
                (needed.div_ceil(u64::from(args.per_window)) - 1) as f64 * args.window_ms as f64 / 1000.0,
                (p.success_ms.last().unwrap_or(&0.0) - p.success_ms.first().unwrap_or(&0.0)) / 1000.0
            );
        }
        None => println!("  window-exact                  n/a  (everything fits in one window)"),
    }
    println!(
        "  429s provoked            {provoked_429:8}    (window or concurrency; {} injected 429s not counted)",
        s.faults_429
    );
    println!(
        "  retries                  {:8}    (Graph requests {} - users {}; client-side attempts-1 over uploaded users: {})",
        graph_requests.saturating_sub(args.users as u64),
        graph_requests,
        args.users,
        p.client_retries
    );
    println!(
        "  injected faults          {:8}    (503 {}, dropped {}, 429 {})",
        s.faults_503 + s.dropped + s.faults_429,
        s.faults_503,
        s.dropped,
        s.faults_429
    );
    println!(
        "  max in flight seen       {:8}    (emulator; limit {}{})",
        s.max_in_flight_seen,
        DEFAULT_MAX_CONCURRENCY,
        if s.max_in_flight_seen <= DEFAULT_MAX_CONCURRENCY {
            ": so every provoked 429 was a window 429"
        } else {
            ": concurrency 429s happened"
        }
    );
    println!("  token requests           {:8}", s.token_requests);
    let b = bursts(&p.success_ms, args.window_ms);
    if b.len() >= 2 {
        let lengths: Vec<f64> = b.iter().map(|b| b.end_ms - b.start_ms).collect();
        let sizes: Vec<f64> = b.iter().map(|b| b.uploads as f64).collect();
        let periods: Vec<f64> = b
            .windows(2)
            .map(|w| w[1].start_ms - w[0].start_ms)
            .collect();
        let idle: Vec<f64> = b.windows(2).map(|w| w[1].start_ms - w[0].end_ms).collect();
        // Inside a burst only the client's own pace limits it.
        let spacing: Vec<f64> = b
            .iter()
            .filter(|b| b.uploads > 1)
            .map(|b| (b.end_ms - b.start_ms) / (b.uploads - 1) as f64)
            .collect();
        println!(
            "  bursts                   {:8}    (successes grouped by gaps > {} ms)",
            b.len(),
            args.window_ms / 4
        );
        println!(
            "    uploads per burst      mean {:6.1}   min {:4.0}   max {:4.0}",
            mean(&sizes),
            percentile(&sizes, 0.0),
            percentile(&sizes, 100.0)
        );
        println!(
            "    burst length           mean {:6.1} ms   max {:6.1} ms   (first to last upload of a burst)",
            mean(&lengths),
            percentile(&lengths, 100.0)
        );
        println!(
            "    burst start to start   mean {:6.1} ms   min {:6.1} ms   max {:6.1} ms   (window {} ms)",
            mean(&periods),
            percentile(&periods, 0.0),
            percentile(&periods, 100.0),
            args.window_ms
        );
        println!("    idle between bursts    mean {:6.1} ms", mean(&idle));
        println!(
            "    upload spacing         mean {:6.2} ms in bursts (between successive uploads; probe latency at {} in flight: {:.2} ms)",
            mean(&spacing),
            probe4.in_flight,
            mean(&probe4.latencies_ms)
        );
        if let [.., prev, last] = &b[..] {
            println!(
                "    last burst             {} uploads, starting {:.1} ms after the previous one ended{}",
                last.uploads,
                last.start_ms - prev.end_ms,
                if (last.uploads as u64) * 4 < u64::from(args.per_window) {
                    " (a retry still in back-off after the rest was done)"
                } else {
                    ""
                }
            );
        }
    } else {
        println!(
            "  bursts                        1    (no gap > {} ms between uploads)",
            args.window_ms / 4
        );
    }
    if p.renders {
        let ahead = args.workers + sync::RENDERED_AHEAD;
        let per_burst = args.per_window.min(args.users as u32) as usize;
        println!(
            "  rendering                runs ahead of uploads (sync::run: {} render at once on the blocking pool, up to {ahead} users \
             rendered or rendering ahead of the 4 upload slots); serial cost {:.2} s = {:.1} % of this wall time",
            args.workers,
            render.total.as_secs_f64(),
            100.0 * render.total.as_secs_f64() / wall_s
        );
        if per_burst > ahead {
            println!(
                "                           a window's {per_burst} uploads exceed what is rendered ahead: {} are rendered inside \
                 its burst ({} x {:.2} ms = {:.1} ms of serial CPU)",
                per_burst - ahead,
                per_burst - ahead,
                mean(&render.per_photo_ms),
                (per_burst - ahead) as f64 * mean(&render.per_photo_ms)
            );
        }
    } else {
        println!("  rendering                none in this pass (photos rendered before timing)");
    }
    let target = TARGET_FRACTION * 100.0;
    println!(
        "  target >= {target:.0} % of the throttle: raw {} ({raw:.1} %), window-exact {}",
        met(raw >= target),
        match exact {
            Some(e) => format!("{} ({e:.1} %)", met(e >= target)),
            None => "n/a".into(),
        }
    );
}

// ---------------------------------------------------------------------------------------------

fn bench(args: &Args) -> BenchResult<()> {
    let ceiling = f64::from(args.per_window) * 1000.0 / args.window_ms as f64;
    let policy = RetryPolicy::default();
    println!("userphoto upload bench");
    println!(
        "  machine: {} CPUs; emulator runtime 2 workers, library runtime 2 workers (same process)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "  throttle: {} in flight per app, {} requests per {} ms window (ceiling {ceiling:.1} requests/s)",
        DEFAULT_MAX_CONCURRENCY, args.per_window, args.window_ms
    );
    println!(
        "  faults: {}",
        if args.faults {
            format!(
                "p_503 {FAULT_P_503} (no Retry-After), p_drop {FAULT_P_DROP}, seed {FAULT_SEED}"
            )
        } else {
            "none".into()
        }
    );
    println!(
        "  client: max_concurrency {}, retry {{max_attempts {}, base_delay_ms {}, max_delay_ms {}, max_total_wait_ms {}}}; \
         sync workers {}{}",
        DEFAULT_MAX_CONCURRENCY,
        policy.max_attempts,
        policy.base_delay_ms,
        policy.max_delay_ms,
        policy.max_total_wait_ms,
        args.workers,
        if args.workers == SyncOptions::default().workers {
            " (the default)"
        } else {
            ""
        }
    );

    let t = Instant::now();
    let sources: Vec<Vec<u8>> = (0..args.users)
        .map(|i| source_photo(i, args.source))
        .collect::<BenchResult<_>>()?;
    println!(
        "  sources: {} distinct {} x {} gradients, mean {:.0} bytes (made in {:.0} ms, before timing)",
        sources.len(),
        args.source.0,
        args.source.1,
        mean(&sources.iter().map(|s| s.len() as f64).collect::<Vec<_>>()),
        ms(t.elapsed())
    );

    let render = measure_rendering(&sources)?;
    println!();
    println!("== rendering (serial, one thread, outside the timed runs) ==");
    println!(
        "  per photo                mean {:.2} ms   p95 {:.2} ms   max {:.2} ms   total {:.2} s; rendition mean {:.0} bytes",
        mean(&render.per_photo_ms),
        percentile(&render.per_photo_ms, 95.0),
        percentile(&render.per_photo_ms, 100.0),
        render.total.as_secs_f64(),
        mean(&render.rendition_bytes)
    );

    println!();
    println!(
        "== request latency probe (PUT of pre-rendered photos through GraphClient, no window limit, {} requests) ==",
        PROBE_REQUESTS.min(args.users)
    );
    let mut probe4 = None;
    for in_flight in [1, DEFAULT_MAX_CONCURRENCY] {
        let p = probe_latency(&render.renditions, in_flight)?;
        let m = mean(&p.latencies_ms);
        println!(
            "  {} in flight              mean {m:.2} ms   p50 {:.2} ms   p95 {:.2} ms   max {:.2} ms   -> {:.0} requests/s measured{}",
            p.in_flight,
            percentile(&p.latencies_ms, 50.0),
            percentile(&p.latencies_ms, 95.0),
            percentile(&p.latencies_ms, 100.0),
            p.latencies_ms.len() as f64 / p.wall.as_secs_f64(),
            if p.failures > 0 {
                format!(", {} failed", p.failures)
            } else {
                String::new()
            }
        );
        probe4 = Some(p);
    }
    let probe4 = probe4.ok_or("no probe")?;
    let lat = mean(&probe4.latencies_ms);
    let concurrency_ceiling = DEFAULT_MAX_CONCURRENCY as f64 * 1000.0 / lat.max(1e-3);
    println!(
        "  ceiling: window {ceiling:.1}/s; {} in flight x 1/{lat:.2} ms = {concurrency_ceiling:.0}/s; binding: {}",
        DEFAULT_MAX_CONCURRENCY,
        if ceiling <= concurrency_ceiling {
            "the window"
        } else {
            "concurrency"
        }
    );

    let plain = run_pass("sync::run, no journal", args, &sources, None)?;
    print_pass(&plain, args, &render, &probe4);

    let (dir, remove) = match &args.journal_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("userphoto-upload-bench-{}", std::process::id())),
            true,
        ),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let journal = dir.join("upload-bench-journal.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", journal.display()));
    }
    let journaled = run_pass(
        "sync::run, journal (SQLite WAL, synchronous=FULL)",
        args,
        &sources,
        Some(journal.clone()),
    );
    if remove {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", journal.display()));
        }
    }
    let journaled = journaled?;
    print_pass(&journaled, args, &render, &probe4);
    println!(
        "  journal file             {}{}",
        journal.display(),
        if remove {
            " (removed)"
        } else {
            " (removed; the directory is kept)"
        }
    );

    let direct = run_direct_pass(args, &render.renditions)?;
    print_pass(&direct, args, &render, &probe4);

    println!();
    println!("== summary ==");
    println!(
        "  {:<52} {:>8} {:>10} {:>8} {:>13} {:>6} {:>8} {:>7}",
        "run", "wall s", "uploads/s", "raw %", "window-exact", "429s", "retries", "in fl."
    );
    for p in [&plain, &journaled, &direct] {
        let (raw, exact) = percent_of_throttle(p, args);
        let graph_requests = p.stats.requests - p.stats.token_requests;
        println!(
            "  {:<52} {:>8.2} {:>10.2} {:>7.1}% {:>12} {:>6} {:>8} {:>7}",
            p.label,
            p.wall.as_secs_f64(),
            p.uploaded as f64 / p.wall.as_secs_f64(),
            raw,
            exact.map_or("n/a".into(), |e| format!("{e:.1}%")),
            p.stats.throttled_429 - p.stats.faults_429,
            graph_requests.saturating_sub(args.users as u64),
            p.stats.max_in_flight_seen
        );
    }
    let d = journaled.wall.as_secs_f64() - plain.wall.as_secs_f64();
    println!(
        "  journal cost: {d:+.2} s wall ({:+.2} ms per user)",
        d * 1000.0 / args.users as f64
    );
    Ok(())
}
