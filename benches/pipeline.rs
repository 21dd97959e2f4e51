//! Pipeline benchmark: CPU time per photo and peak RSS of `userphoto::render` on 12 MP
//! photos, compared with `vipsthumbnail`.
//!
//! `cargo bench --bench pipeline -- [--corpus DIR] [--per-variant N] [--no-vips] [--skip-checks]`
//!
//! The corpus (synthetic photo-like 4000 x 3000 JPEGs in four encodings, plus the real
//! EXIF-orientation fixtures) is generated once, in a child process (`pipeline gen ...`), so
//! that this process's peak RSS reflects rendering only. See `bench/README.md`.

mod support;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use userphoto::photo::Photo;
use userphoto::targets::TargetRequest;
use userphoto::Options;

use support::{mean, met, percentile, read_proc, thread_cpu_ns, BenchResult, Flags};

/// Synthetic photo size (12 MP).
const WIDTH: usize = 4000;
const HEIGHT: usize = 3000;
/// JPEG quality of the synthetic corpus.
const CORPUS_QUALITY: f32 = 92.0;
/// Written to `<corpus>/GENERATOR`; a different stamp regenerates the synthetic files.
const GENERATOR_STAMP: &str = "userphoto pipeline bench corpus v1: 4000x3000 q92 xorshift64*";
const DEFAULT_PER_VARIANT: usize = 25;
/// Relative to the repository root.
const FIXTURES: &str = "../shared/fixtures/exif-orientation";
const FIXTURES_DIR: &str = "fixtures";

/// Our CPU per photo must be at most this fraction of vipsthumbnail's.
const CPU_RATIO_TARGET: f64 = 0.3;
/// Peak RSS of the rendering process, MiB.
const PEAK_RSS_TARGET_MIB: f64 = 64.0;

const TARGETS: [&str; 2] = ["graph", "ad-thumbnail"];
/// Box vipsthumbnail renders (the graph target).
const VIPS_SIZE: &str = "648x648";

struct Variant {
    dir: &'static str,
    label: &'static str,
    progressive: bool,
    chroma444: bool,
}

const VARIANTS: [Variant; 4] = [
    Variant {
        dir: "baseline-420",
        label: "baseline 4:2:0",
        progressive: false,
        chroma444: false,
    },
    Variant {
        dir: "baseline-444",
        label: "baseline 4:4:4",
        progressive: false,
        chroma444: true,
    },
    Variant {
        dir: "progressive-420",
        label: "progressive 4:2:0",
        progressive: true,
        chroma444: false,
    },
    Variant {
        dir: "progressive-444",
        label: "progressive 4:4:4",
        progressive: true,
        chroma444: true,
    },
];

fn main() -> ExitCode {
    let result = parse_args().and_then(|args| {
        if args.gen {
            generate(&args.corpus, args.per_variant)
        } else {
            bench(&args)
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pipeline bench: error: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arguments

struct Args {
    corpus: PathBuf,
    per_variant: usize,
    vips: bool,
    /// Render with crop centre and skip_checks (no face search).
    skip_checks: bool,
    /// Internal: the child process that generates the corpus.
    gen: bool,
}

const USAGE: &str =
    "usage: cargo bench --bench pipeline -- [--corpus DIR] [--per-variant N] [--no-vips] [--skip-checks]
  --corpus DIR       corpus directory (default: bench-corpus/ in the repository)
  --per-variant N    synthetic photos per encoding variant (default 25; 4 variants)
  --no-vips          do not run vipsthumbnail for comparison
  --skip-checks      render with --crop centre --skip-checks (no face search)";

fn parse_args() -> BenchResult<Args> {
    let mut args = Args {
        corpus: Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-corpus"),
        per_variant: DEFAULT_PER_VARIANT,
        vips: true,
        skip_checks: false,
        gen: false,
    };
    let mut flags = Flags::new(USAGE);
    while let Some(f) = flags.next_flag() {
        match f.name.as_str() {
            "gen" => args.gen = true,
            "--corpus" => args.corpus = PathBuf::from(flags.value(&f)?),
            "--per-variant" => args.per_variant = flags.number(&f)? as usize,
            "--no-vips" => args.vips = false,
            "--skip-checks" => args.skip_checks = true,
            // cargo passes --bench; other harness flags are ignored the same way.
            _ => {}
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------
// /proc readings (no libc)

/// Fields of /proc/self/stat from `first` (1-based, as in proc(5)), in clock ticks.
fn self_stat_ticks(fields: [usize; 2]) -> BenchResult<u64> {
    let s = read_proc("/proc/self/stat")?;
    // The command name (field 2) is in parentheses and may contain spaces; field 3 follows.
    let rest = s
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or("unexpected /proc/self/stat")?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let mut sum = 0;
    for n in fields {
        sum += f
            .get(n - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| format!("/proc/self/stat has no field {n}"))?;
    }
    Ok(sum)
}

/// utime + stime of this process (all threads), clock ticks.
fn process_cpu_ticks() -> BenchResult<u64> {
    self_stat_ticks([14, 15])
}

/// cutime + cstime: CPU of children that have been waited for, clock ticks.
fn children_cpu_ticks() -> BenchResult<u64> {
    self_stat_ticks([16, 17])
}

/// Clock ticks per second (USER_HZ): `getconf CLK_TCK`, else Linux's 100.
fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// A `Vm...:` line of /proc/self/status, in KiB.
fn status_kib(key: &str) -> BenchResult<u64> {
    let s = read_proc("/proc/self/status")?;
    s.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("/proc/self/status has no {key}"))
}

/// Reset VmHWM to the current RSS (proc(5): clear_refs "5"). False when the kernel refuses.
fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ---------------------------------------------------------------------------------------------
// Corpus

fn synthetic_path(corpus: &Path, v: &Variant, i: usize) -> PathBuf {
    corpus.join(v.dir).join(format!("photo-{i:03}.jpg"))
}

fn fixtures_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES)
}

fn stamp_ok(corpus: &Path) -> bool {
    fs::read_to_string(corpus.join("GENERATOR")).is_ok_and(|s| s.trim() == GENERATOR_STAMP)
}

/// Sorted `*.jpg` files of a directory (empty when it does not exist).
fn jpegs_in(dir: &Path) -> BenchResult<Vec<PathBuf>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut v = Vec::new();
    for entry in rd {
        let p = entry
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .path();
        if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jpg")) {
            v.push(p);
        }
    }
    v.sort();
    Ok(v)
}

/// Fixtures to copy: (source, destination) pairs whose destination is missing or differs.
fn fixtures_to_copy(corpus: &Path) -> BenchResult<Vec<(PathBuf, PathBuf)>> {
    let mut v = Vec::new();
    for src in jpegs_in(&fixtures_source())? {
        let Some(name) = src.file_name() else {
            continue;
        };
        let dst = corpus.join(FIXTURES_DIR).join(name);
        let same = match (fs::metadata(&src), fs::metadata(&dst)) {
            (Ok(a), Ok(b)) => a.len() == b.len(),
            _ => false,
        };
        if !same {
            v.push((src, dst));
        }
    }
    Ok(v)
}

/// Indices of synthetic photos with a missing variant.
fn missing_photos(corpus: &Path, per_variant: usize) -> Vec<usize> {
    let regenerate = !stamp_ok(corpus);
    (0..per_variant)
        .filter(|&i| {
            regenerate
                || VARIANTS
                    .iter()
                    .any(|v| !synthetic_path(corpus, v, i).is_file())
        })
        .collect()
}

/// Generate the corpus in a child process (this binary, `gen` subcommand) when anything is
/// missing, so that the pixels and encoders of the generator never count in our peak RSS.
fn ensure_corpus(corpus: &Path, per_variant: usize) -> BenchResult<()> {
    let missing = missing_photos(corpus, per_variant).len();
    let fixtures = fixtures_to_copy(corpus)?.len();
    if missing == 0 && fixtures == 0 {
        println!("corpus: {} (already generated)", corpus.display());
        return Ok(());
    }
    println!(
        "corpus: {}: generating {missing} synthetic photo(s) x {} variants, copying {fixtures} fixture(s) (child process)",
        corpus.display(),
        VARIANTS.len()
    );
    let exe =
        std::env::current_exe().map_err(|e| format!("cannot find the bench executable: {e}"))?;
    let started = Instant::now();
    let status = Command::new(&exe)
        .arg("gen")
        .arg("--corpus")
        .arg(corpus)
        .arg("--per-variant")
        .arg(per_variant.to_string())
        .status()
        .map_err(|e| format!("cannot run {} gen: {e}", exe.display()))?;
    if !status.success() {
        return Err(format!("corpus generation failed ({status})"));
    }
    println!(
        "corpus: generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The `gen` subcommand.
fn generate(corpus: &Path, per_variant: usize) -> BenchResult<()> {
    for v in &VARIANTS {
        let d = corpus.join(v.dir);
        fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    // Fixtures first: they are cheap.
    let copies = fixtures_to_copy(corpus)?;
    if !fixtures_source().is_dir() {
        eprintln!(
            "gen: fixtures: {} not found; skipped",
            fixtures_source().display()
        );
    }
    if !copies.is_empty() {
        let d = corpus.join(FIXTURES_DIR);
        fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    for (src, dst) in &copies {
        // Read and write rather than fs::copy: the fixtures are read-only, their copies need not be.
        fs::read(src)
            .and_then(|b| fs::write(dst, b))
            .map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))?;
    }
    if !copies.is_empty() {
        eprintln!("gen: copied {} fixture(s)", copies.len());
    }

    let regenerate = !stamp_ok(corpus);
    let todo = missing_photos(corpus, per_variant);
    let next = AtomicUsize::new(0);
    let errors = Mutex::new(Vec::<String>::new());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(&i) = todo.get(k) else { break };
                if let Err(e) = generate_photo(corpus, i, regenerate) {
                    errors.lock().unwrap_or_else(|p| p.into_inner()).push(e);
                    break;
                }
                eprintln!("gen: photo {i:03} ({}/{})", k + 1, todo.len());
            });
        }
    });
    let errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = errors.first() {
        return Err(e.clone());
    }
    let stamp = corpus.join("GENERATOR");
    fs::write(&stamp, format!("{GENERATOR_STAMP}\n"))
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))
}

fn generate_photo(corpus: &Path, i: usize, regenerate: bool) -> BenchResult<()> {
    let rgb = synthesize(i as u64);
    for v in &VARIANTS {
        let path = synthetic_path(corpus, v, i);
        if !regenerate && path.is_file() {
            continue;
        }
        let jpeg =
            encode_variant(&rgb, v).map_err(|e| format!("encoding {}: {e}", path.display()))?;
        // Write then rename, so an interrupted run never leaves a truncated photo behind.
        let tmp = path.with_extension("jpg.part");
        fs::write(&tmp, &jpeg).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        fs::rename(&tmp, &path)
            .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.display(), path.display()))?;
    }
    Ok(())
}

fn encode_variant(rgb: &[u8], v: &Variant) -> BenchResult<Vec<u8>> {
    let run = || -> std::io::Result<Vec<u8>> {
        let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
        c.set_fastest_defaults();
        if v.progressive {
            c.set_progressive_mode();
        }
        c.set_size(WIDTH, HEIGHT);
        c.set_quality(CORPUS_QUALITY);
        if v.chroma444 {
            c.set_chroma_sampling_pixel_sizes((1, 1), (1, 1));
        } else {
            c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
        }
        let mut started = c.start_compress(Vec::with_capacity(4 << 20))?;
        started.write_scanlines(rgb)?;
        started.finish()
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(p) => Err(p
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "mozjpeg panicked".into())),
    }
}

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // SplitMix64 of the seed, so neighbouring seeds give unrelated streams (never 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    fn color(&mut self, base: [f32; 3], spread: f32) -> [f32; 3] {
        base.map(|c| (c + self.range(-spread, spread)).clamp(0.0, 255.0))
    }
}

#[derive(Clone, Copy)]
enum Texture {
    None,
    /// Fabric: stripes of `period` px at `angle`.
    Stripes {
        period: f32,
        angle: f32,
        amp: f32,
    },
    /// Hair: wavy fine strands.
    Strands {
        amp: f32,
    },
}

/// A soft-edged, shaded ellipse.
struct Shape {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    /// Edge softness, px.
    feather: f32,
    color: [f32; 3],
    opacity: f32,
    /// Brightness gradient across the shape (x, y), as a fraction per radius.
    shade: [f32; 2],
    texture: Texture,
}

impl Shape {
    /// Rows and columns the shape touches.
    fn bounds(&self) -> (usize, usize, usize, usize) {
        let clampi = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
        (
            clampi(self.cx - self.rx - self.feather, WIDTH),
            clampi(self.cx + self.rx + self.feather + 1.0, WIDTH),
            clampi(self.cy - self.ry - self.feather, HEIGHT),
            clampi(self.cy + self.ry + self.feather + 1.0, HEIGHT),
        )
    }

    fn paint_row(&self, y: usize, row: &mut [f32]) {
        let (x0, x1, y0, y1) = self.bounds();
        if y < y0 || y >= y1 {
            return;
        }
        let fy = y as f32;
        let dy = (fy - self.cy) / self.ry;
        let edge_scale = self.rx.min(self.ry) / self.feather;
        for x in x0..x1 {
            let fx = x as f32;
            let dx = (fx - self.cx) / self.rx;
            let d = (dx * dx + dy * dy).sqrt();
            let t = ((1.0 - d) * edge_scale + 0.5).clamp(0.0, 1.0);
            if t <= 0.0 {
                continue;
            }
            let a = t * t * (3.0 - 2.0 * t) * self.opacity;
            let light = 1.0 + self.shade[0] * dx + self.shade[1] * dy;
            let tex = match self.texture {
                Texture::None => 0.0,
                Texture::Stripes { period, angle, amp } => {
                    let u = fx * angle.cos() + fy * angle.sin();
                    amp * (u * std::f32::consts::TAU / period).sin()
                }
                Texture::Strands { amp } => {
                    let u = fx * 0.45
                        + 6.0 * (fy * 0.013).sin()
                        + 3.0 * (fy * 0.002 + fx * 0.001).sin();
                    amp * (u.sin() + 0.5 * (u * 2.3 + 1.0).sin())
                }
            };
            for (p, base) in row[x * 3..x * 3 + 3].iter_mut().zip(self.color) {
                let v = base * light + tex;
                *p += (v - *p) * a;
            }
        }
    }
}

/// Scene layers of photo `index`: a background with bokeh, shoulders, hair, a face.
fn scene(rng: &mut Rng) -> Vec<Shape> {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    let mut shapes = Vec::new();
    // Out-of-focus background objects.
    for _ in 0..6 {
        let r = rng.range(0.05, 0.18) * w;
        shapes.push(Shape {
            cx: rng.range(0.0, w),
            cy: rng.range(0.0, h * 0.8),
            rx: r,
            ry: r * rng.range(0.7, 1.3),
            feather: r * rng.range(0.3, 0.8),
            color: rng.color([150.0, 150.0, 150.0], 100.0),
            opacity: rng.range(0.25, 0.6),
            shade: [rng.range(-0.2, 0.2), rng.range(-0.2, 0.2)],
            texture: Texture::None,
        });
    }
    let fx = w * rng.range(0.42, 0.58);
    let fy = h * rng.range(0.38, 0.48);
    let frx = w * rng.range(0.10, 0.13);
    let fry = frx * rng.range(1.3, 1.45);
    let light = [rng.range(-0.35, 0.35), rng.range(-0.1, 0.15)];
    let skin = rng.color([200.0, 150.0, 120.0], 45.0);
    // Shoulders and clothes.
    shapes.push(Shape {
        cx: fx + rng.range(-0.03, 0.03) * w,
        cy: h * 1.08,
        rx: w * rng.range(0.30, 0.40),
        ry: h * rng.range(0.38, 0.45),
        feather: 6.0,
        color: rng.color([90.0, 90.0, 110.0], 70.0),
        opacity: 1.0,
        shade: [light[0] * 0.6, -0.25],
        texture: Texture::Stripes {
            period: rng.range(9.0, 40.0),
            angle: rng.range(0.0, std::f32::consts::PI),
            amp: rng.range(3.0, 12.0),
        },
    });
    // Neck.
    shapes.push(Shape {
        cx: fx,
        cy: fy + fry * 1.05,
        rx: frx * 0.45,
        ry: fry * 0.45,
        feather: 8.0,
        color: skin.map(|c| c * 0.85),
        opacity: 1.0,
        shade: [light[0], -0.3],
        texture: Texture::None,
    });
    // Hair behind the face.
    let hair = rng.color([60.0, 45.0, 35.0], 40.0);
    shapes.push(Shape {
        cx: fx,
        cy: fy - fry * 0.12,
        rx: frx * 1.18,
        ry: fry * 1.08,
        feather: 10.0,
        color: hair,
        opacity: 1.0,
        shade: [light[0], light[1]],
        texture: Texture::Strands {
            amp: rng.range(6.0, 14.0),
        },
    });
    // Face.
    shapes.push(Shape {
        cx: fx,
        cy: fy + fry * 0.08,
        rx: frx,
        ry: fry * 0.95,
        feather: 5.0,
        color: skin,
        opacity: 1.0,
        shade: light,
        texture: Texture::None,
    });
    // Eyes (white, then iris), brows, nose shadow, mouth.
    let iris = rng.color([70.0, 60.0, 50.0], 40.0);
    for side in [-1.0f32, 1.0] {
        let ex = fx + side * frx * 0.38;
        let ey = fy - fry * 0.05;
        let eye = |rx: f32, ry: f32, color: [f32; 3], feather: f32| Shape {
            cx: ex,
            cy: ey,
            rx,
            ry,
            feather,
            color,
            opacity: 1.0,
            shade: [0.0, 0.1],
            texture: Texture::None,
        };
        shapes.push(eye(frx * 0.2, frx * 0.09, [235.0, 232.0, 228.0], 3.0));
        shapes.push(eye(frx * 0.08, frx * 0.08, iris, 2.0));
        shapes.push(Shape {
            cy: ey - frx * 0.2,
            rx: frx * 0.22,
            ry: frx * 0.04,
            ..eye(0.0, 0.0, hair, 4.0)
        });
    }
    shapes.push(Shape {
        cx: fx + light[0] * -frx * 0.1,
        cy: fy + fry * 0.22,
        rx: frx * 0.1,
        ry: fry * 0.18,
        feather: frx * 0.08,
        color: skin.map(|c| c * 0.8),
        opacity: 0.6,
        shade: [0.0; 2],
        texture: Texture::None,
    });
    shapes.push(Shape {
        cx: fx,
        cy: fy + fry * 0.5,
        rx: frx * 0.32,
        ry: frx * 0.08,
        feather: 4.0,
        color: rng.color([170.0, 80.0, 80.0], 30.0),
        opacity: 0.9,
        shade: [0.0, 0.3],
        texture: Texture::None,
    });
    shapes
}

/// Grain: about N(0, sigma) from four 16-bit uniforms of one 64-bit draw.
fn grain(bits: u64, sigma: f32) -> f32 {
    let s = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
    // Sum of 4 uniforms on [0, 65536): mean 131072, sd 65536 / sqrt(3).
    (s as f32 - 131_072.0) * (sigma * 3f32.sqrt() / 65_536.0)
}

/// A deterministic photo-like 4000 x 3000 RGB8 image.
fn synthesize(index: u64) -> Vec<u8> {
    let mut rng = Rng::new(0x5EED_0000 + index);
    let top = rng.color([150.0, 170.0, 190.0], 60.0);
    let bottom = rng.color([110.0, 100.0, 90.0], 60.0);
    let tint = rng.range(-25.0, 25.0);
    let wave = [
        rng.range(0.001, 0.004),
        rng.range(0.001, 0.004),
        rng.range(0.0, 6.3),
    ];
    let shapes = scene(&mut rng);
    let luma_sigma = rng.range(2.6, 3.4);
    let mut noise = Rng::new(0xC0FF_EE00 ^ (index << 20));

    let mut rgb = vec![0u8; WIDTH * HEIGHT * 3];
    let mut row = vec![0f32; WIDTH * 3];
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    for (y, out) in rgb.chunks_exact_mut(WIDTH * 3).enumerate() {
        let fy = y as f32 / h;
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let fx = x as f32 / w;
            let waves = 10.0 * (x as f32 * wave[0] + wave[2]).sin() * (y as f32 * wave[1]).cos();
            for c in 0..3 {
                let side = if c == 0 { tint } else { -tint * 0.5 };
                px[c] = top[c] + (bottom[c] - top[c]) * fy + side * (fx - 0.5) + waves;
            }
        }
        for s in &shapes {
            s.paint_row(y, &mut row);
        }
        for (x, (px, o)) in row.chunks_exact(3).zip(out.chunks_exact_mut(3)).enumerate() {
            let (dx, dy) = (x as f32 / w - 0.5, fy - 0.5);
            let vignette = 1.0 - 0.55 * (dx * dx + dy * dy);
            let luma = grain(noise.next_u64(), luma_sigma);
            let chroma = noise.next_u64();
            for c in 0..3 {
                let n = luma + grain(chroma.rotate_left(21 * c as u32), luma_sigma * 0.35);
                o[c] = (px[c] * vignette + n).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    rgb
}

// ---------------------------------------------------------------------------------------------
// Measurement

struct Group {
    label: String,
    dir: PathBuf,
    files: Vec<PathBuf>,
}

#[derive(Default)]
struct TargetStats {
    count: usize,
    bytes: u64,
    max_bytes_seen: u64,
    budget: u64,
    quality: u64,
    min_quality: u8,
    attempts: u64,
    dims: Option<(u32, u32)>,
    fast: usize,
    optimized: usize,
}

struct OursResult {
    photos: usize,
    failures: Vec<String>,
    cpu_ms: Vec<f64>,
    wall_ms: Vec<f64>,
    /// Process CPU (all threads, /proc/self/stat) minus this thread's, per photo.
    other_threads_cpu_ms: f64,
    decode_cpu_ms: Vec<f64>,
    /// Per photo: render CPU minus the paired decode-only CPU.
    resize_encode_cpu_ms: Vec<f64>,
    /// Per photo: face detection and the photo checks alone, on the decoded image (part of
    /// every render since the face-aware crop).
    face_cpu_ms: Vec<f64>,
    decode_dims: Option<(u8, u32, u32)>,
    peak_rss_kib: Option<u64>,
    input_bytes: u64,
    targets: Vec<(String, TargetStats)>,
}

struct VipsResult {
    cpu_ms_per_photo: f64,
    wall_s: f64,
    outputs: usize,
    mean_output_bytes: f64,
}

fn options(skip_checks: bool) -> Options {
    Options {
        targets: TARGETS
            .iter()
            .map(|t| TargetRequest::Name((*t).into()))
            .collect(),
        crop: if skip_checks {
            userphoto::photo::Crop::Centre
        } else {
            userphoto::photo::Crop::Auto
        },
        skip_checks,
        ..Default::default()
    }
}

/// Render every file of a group, one at a time on this thread. Right after each render the
/// same bytes are decoded alone (not counted in the render figures), to split the time between
/// decoding and resize + encode.
fn measure_ours(
    group: &Group,
    opts: &Options,
    ticks_per_s: u64,
    rss_reset: bool,
) -> BenchResult<OursResult> {
    let decode_side = opts
        .resolved_targets()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|t| t.size)
        .max()
        .unwrap_or(0)
        .max(opts.limits.min_short_side);
    let mut r = OursResult {
        photos: 0,
        failures: Vec::new(),
        cpu_ms: Vec::new(),
        wall_ms: Vec::new(),
        other_threads_cpu_ms: 0.0,
        decode_cpu_ms: Vec::new(),
        resize_encode_cpu_ms: Vec::new(),
        face_cpu_ms: Vec::new(),
        decode_dims: None,
        peak_rss_kib: None,
        input_bytes: 0,
        targets: TARGETS
            .iter()
            .map(|t| (t.to_string(), TargetStats::default()))
            .collect(),
    };
    let read = |p: &Path| fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));

    if rss_reset {
        reset_peak_rss();
    }
    let proc0 = process_cpu_ticks()?;
    let thread0 = thread_cpu_ns()?;
    for path in &group.files {
        let bytes = read(path)?;
        r.input_bytes += bytes.len() as u64;
        let c0 = thread_cpu_ns()?;
        let t0 = Instant::now();
        let out = userphoto::render(&bytes, opts);
        let wall = t0.elapsed();
        let cpu = thread_cpu_ns()? - c0;
        r.photos += 1;
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                r.failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        r.cpu_ms.push(cpu as f64 / 1e6);
        r.wall_ms.push(wall.as_secs_f64() * 1e3);

        // Decode alone, paired with the render just measured.
        let c0 = thread_cpu_ns()?;
        let d = Photo::open(&bytes, opts).and_then(|p| p.decode(&opts.limits, decode_side));
        let dcpu = thread_cpu_ns()? - c0;
        if let Ok(d) = d {
            r.decode_cpu_ms.push(dcpu as f64 / 1e6);
            r.resize_encode_cpu_ms
                .push((cpu as f64 - dcpu as f64) / 1e6);
            r.decode_dims
                .get_or_insert((d.scale_eighths, d.width, d.height));
            // Faces and checks alone, on the image just decoded (not with --skip-checks: the
            // renders did none).
            if !opts.skip_checks {
                let c0 = thread_cpu_ns()?;
                let a = userphoto::photo::face::analyse(d.width, d.height, &d.rgb);
                r.face_cpu_ms.push((thread_cpu_ns()? - c0) as f64 / 1e6);
                std::hint::black_box(a);
            }
        }
        for rend in &out.renditions {
            let Some((_, s)) = r.targets.iter_mut().find(|(n, _)| *n == rend.target) else {
                continue;
            };
            s.min_quality = if s.count == 0 {
                rend.quality
            } else {
                s.min_quality.min(rend.quality)
            };
            s.count += 1;
            s.bytes += rend.bytes;
            s.max_bytes_seen = s.max_bytes_seen.max(rend.bytes);
            s.budget = rend.max_bytes;
            s.quality += u64::from(rend.quality);
            s.attempts += u64::from(rend.attempts);
            s.dims.get_or_insert((rend.width, rend.height));
            match rend.encoder {
                userphoto::photo::EncoderMode::Fast => s.fast += 1,
                userphoto::photo::EncoderMode::Optimized => s.optimized += 1,
            }
        }
    }
    let thread_ms = (thread_cpu_ns()? - thread0) as f64 / 1e6;
    let process_ms = (process_cpu_ticks()? - proc0) as f64 * 1e3 / ticks_per_s as f64;
    r.other_threads_cpu_ms = (process_ms - thread_ms) / r.photos.max(1) as f64;
    r.peak_rss_kib = Some(status_kib("VmHWM")?);
    Ok(r)
}

fn vips_version() -> Option<String> {
    let o = Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// One vipsthumbnail process for the whole group; its CPU is cutime + cstime around the wait.
fn measure_vips(group: &Group, out_root: &Path, ticks_per_s: u64) -> BenchResult<VipsResult> {
    let name = group
        .dir
        .file_name()
        .map_or("group".into(), |n| n.to_string_lossy().into_owned());
    let out = out_root.join(name);
    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let c0 = children_cpu_ticks()?;
    let t0 = Instant::now();
    let o = Command::new("vipsthumbnail")
        .arg("--vips-concurrency=1")
        .args(["-s", VIPS_SIZE, "-m", "centre", "-o"])
        .arg(out.join("%s.jpg"))
        .args(&group.files)
        .output()
        .map_err(|e| format!("cannot run vipsthumbnail: {e}"))?;
    let wall_s = t0.elapsed().as_secs_f64();
    let ticks = children_cpu_ticks()? - c0;
    if !o.status.success() {
        return Err(format!(
            "vipsthumbnail failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    let outputs = jpegs_in(&out)?;
    let total: u64 = outputs
        .iter()
        .filter_map(|p| fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    Ok(VipsResult {
        cpu_ms_per_photo: ticks as f64 * 1e3 / ticks_per_s as f64 / group.files.len() as f64,
        wall_s,
        outputs: outputs.len(),
        mean_output_bytes: total as f64 / outputs.len().max(1) as f64,
    })
}

fn print_group(g: &Group, ours: &OursResult, vips: Option<&BenchResult<VipsResult>>) {
    println!();
    println!(
        "== {} ({}: {} photos, mean file {:.2} MB) ==",
        g.label,
        g.dir.display(),
        g.files.len(),
        ours.input_bytes as f64 / g.files.len().max(1) as f64 / 1e6
    );
    println!(
        "  ours: userphoto::render, targets {}, in process, sequential, 1 thread",
        TARGETS.join(" + ")
    );
    println!(
        "    CPU per photo (thread)   mean {:7.1} ms   p95 {:7.1} ms   min {:7.1} ms   max {:7.1} ms",
        mean(&ours.cpu_ms),
        percentile(&ours.cpu_ms, 95.0),
        percentile(&ours.cpu_ms, 0.0),
        percentile(&ours.cpu_ms, 100.0)
    );
    println!(
        "    wall per photo           mean {:7.1} ms   (CPU on other threads: {:.1} ms/photo, /proc/self/stat)",
        mean(&ours.wall_ms),
        ours.other_threads_cpu_ms
    );
    let dec = mean(&ours.decode_cpu_ms);
    let dims = ours.decode_dims.map_or(String::new(), |(s, w, h)| {
        format!("; DCT scale {s}/8 -> {w} x {h}")
    });
    println!(
        "    of which decode          mean {dec:7.1} ms   ({:.0} %; decode-only run right after each render{dims})",
        100.0 * dec / mean(&ours.cpu_ms)
    );
    println!(
        "    of which resize+encode   mean {:7.1} ms   (per photo: render minus its decode-only run)",
        mean(&ours.resize_encode_cpu_ms)
    );
    let face = mean(&ours.face_cpu_ms);
    let render = mean(&ours.cpu_ms);
    if ours.face_cpu_ms.is_empty() {
        println!("    of which faces+checks    none (--skip-checks, crop centre)");
    } else {
        println!(
        "    of which faces+checks    mean {face:7.1} ms   (+{:.1} % over a render without them; run alone after each render)",
        100.0 * face / (render - face).max(f64::MIN_POSITIVE)
    );
    }
    if let Some(k) = ours.peak_rss_kib {
        println!("    peak RSS during group    {:.1} MiB (VmHWM)", mib(k));
    }
    println!(
        "    {:<13} {:>9} {:>11} {:>10} {:>9} {:>9} {:>7} {:>9} {:>14}",
        "target",
        "size",
        "mean bytes",
        "max bytes",
        "budget",
        "mean q",
        "min q",
        "attempts",
        "encoder"
    );
    for (name, s) in &ours.targets {
        if s.count == 0 {
            println!("    {name:<13} (no renditions)");
            continue;
        }
        let n = s.count as f64;
        let (w, h) = s.dims.unwrap_or_default();
        println!(
            "    {:<13} {:>9} {:>11.0} {:>10} {:>9} {:>9.1} {:>7} {:>9.2} {:>14}",
            name,
            format!("{w}x{h}"),
            s.bytes as f64 / n,
            s.max_bytes_seen,
            s.budget,
            s.quality as f64 / n,
            s.min_quality,
            s.attempts as f64 / n,
            format!("fast {} opt {}", s.fast, s.optimized)
        );
    }
    for f in &ours.failures {
        println!("    FAILED: {f}");
    }
    match vips {
        None => {}
        Some(Err(e)) => println!("  vipsthumbnail: {e}"),
        Some(Ok(v)) => {
            println!(
                "  vipsthumbnail: 1 process for all {} files (startup amortised), --vips-concurrency=1 -s {VIPS_SIZE} -m centre",
                g.files.len()
            );
            println!(
                "    CPU per photo (child)    mean {:7.1} ms   (cutime+cstime / photos; wall {:.2} s; {} outputs, mean {:.0} bytes)",
                v.cpu_ms_per_photo, v.wall_s, v.outputs, v.mean_output_bytes
            );
            let ratio = mean(&ours.cpu_ms) / v.cpu_ms_per_photo;
            println!(
                "  ratio ours/vips CPU per photo: {ratio:.2}x   (target <= {CPU_RATIO_TARGET:.1}x: {})",
                met(ratio <= CPU_RATIO_TARGET)
            );
        }
    }
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn bench(args: &Args) -> BenchResult<()> {
    println!("userphoto pipeline bench");
    ensure_corpus(&args.corpus, args.per_variant)?;

    let mut groups: Vec<Group> = VARIANTS
        .iter()
        .map(|v| Group {
            label: format!("synthetic {} q92 {WIDTH}x{HEIGHT}", v.label),
            dir: args.corpus.join(v.dir),
            files: (0..args.per_variant)
                .map(|i| synthetic_path(&args.corpus, v, i))
                .collect(),
        })
        .collect();
    for g in &groups {
        if let Some(p) = g.files.iter().find(|p| !p.is_file()) {
            return Err(format!(
                "corpus file {} is missing after generation",
                p.display()
            ));
        }
    }
    let fixtures_dir = args.corpus.join(FIXTURES_DIR);
    let fixtures = jpegs_in(&fixtures_dir)?;
    if fixtures.is_empty() {
        println!(
            "fixtures: none ({} not found): group skipped",
            fixtures_source().display()
        );
    } else {
        groups.push(Group {
            label: "real fixtures (exif-orientation)".into(),
            dir: fixtures_dir,
            files: fixtures,
        });
    }

    let ticks_per_s = clock_ticks_per_second();
    let vips = if !args.vips {
        println!("vipsthumbnail: skipped (--no-vips)");
        None
    } else if let Some(v) = vips_version() {
        Some(v)
    } else {
        println!("vipsthumbnail: not on PATH: comparison skipped");
        None
    };
    println!(
        "machine: {}, {} CPU(s); clock ticks {ticks_per_s}/s{}",
        cpu_model(),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        vips.as_deref().map_or(String::new(), |v| format!("; {v}"))
    );

    let opts = options(args.skip_checks);
    // Warm-up (not measured): first-use costs such as page faults of the allocator's arenas.
    let first = &groups[0].files[0];
    let bytes = fs::read(first).map_err(|e| format!("cannot read {}: {e}", first.display()))?;
    userphoto::render(&bytes, &opts)
        .map_err(|e| format!("warm-up render of {}: {e}", first.display()))?;
    drop(bytes);

    let rss_before = status_kib("VmHWM")?;
    let rss_reset = reset_peak_rss();
    println!(
        "peak RSS before measuring: {:.1} MiB; VmHWM {} between groups",
        mib(rss_before),
        if rss_reset {
            "reset through /proc/self/clear_refs"
        } else {
            "not resettable here (per-group peaks are cumulative)"
        }
    );

    let vips_out =
        std::env::temp_dir().join(format!("userphoto-bench-vips-{}", std::process::id()));
    let mut rows = Vec::new();
    let mut peak_kib = rss_before;
    for g in &groups {
        let ours = measure_ours(g, &opts, ticks_per_s, rss_reset)?;
        peak_kib = peak_kib.max(ours.peak_rss_kib.unwrap_or(0));
        let v = vips
            .as_ref()
            .map(|_| measure_vips(g, &vips_out, ticks_per_s));
        print_group(g, &ours, v.as_ref());
        rows.push((g.label.clone(), g.files.len(), ours, v));
    }
    if vips.is_some() {
        let _ = fs::remove_dir_all(&vips_out);
    }

    println!();
    println!("== summary ==");
    println!(
        "  {:<48} {:>6} {:>9} {:>9} {:>9} {:>7} {:>9}",
        "group", "photos", "ours ms", "p95 ms", "vips ms", "ratio", "peak MiB"
    );
    let mut all_ratios_met = true;
    let mut any_ratio = false;
    for (label, n, ours, v) in &rows {
        let m = mean(&ours.cpu_ms);
        let (vips_ms, ratio) = match v {
            Some(Ok(v)) => {
                any_ratio = true;
                let r = m / v.cpu_ms_per_photo;
                all_ratios_met &= r <= CPU_RATIO_TARGET;
                (format!("{:.1}", v.cpu_ms_per_photo), format!("{r:.2}x"))
            }
            Some(Err(_)) => ("failed".into(), "-".into()),
            None => ("-".into(), "-".into()),
        };
        println!(
            "  {:<48} {:>6} {:>9.1} {:>9.1} {:>9} {:>7} {:>9.1}",
            label,
            n,
            m,
            percentile(&ours.cpu_ms, 95.0),
            vips_ms,
            ratio,
            mib(ours.peak_rss_kib.unwrap_or(0))
        );
    }
    let synthetic = args.per_variant * VARIANTS.len();
    let failures: usize = rows.iter().map(|r| r.2.failures.len()).sum();
    println!(
        "  photos rendered: {} ({synthetic} synthetic + {} fixtures), failures: {failures}",
        rows.iter().map(|r| r.1).sum::<usize>(),
        rows.iter().map(|r| r.1).sum::<usize>() - synthetic
    );
    println!();
    println!(
        "process peak RSS over the whole run (VmHWM, max over groups): {:.1} MiB",
        mib(peak_kib)
    );
    println!("targets:");
    if any_ratio {
        println!(
            "  CPU per photo <= {CPU_RATIO_TARGET:.1}x vipsthumbnail's (every group): {}",
            met(all_ratios_met)
        );
    } else {
        println!("  CPU per photo <= {CPU_RATIO_TARGET:.1}x vipsthumbnail's: not measured (no vipsthumbnail)");
    }
    println!(
        "  peak RSS <= {PEAK_RSS_TARGET_MIB:.0} MiB: {}",
        met(mib(peak_kib) <= PEAK_RSS_TARGET_MIB)
    );
    Ok(())
}
