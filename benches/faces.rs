//! Face detection: which face sizes are found, and what finding them costs.
//!
//! `cargo bench --bench faces -- [--repeat N]`
//!
//! Real faces (the head-and-shoulders crops of the Solvay photograph in `tests/data/faces/`)
//! are scaled so that the face box is a given share of the photo's long side and placed on
//! textured backdrops, 4:3 and 3:4, at two places each. For every share the harness prints
//! how many of the planted faces `analyse` finds (and whether it found any other), and the
//! thread CPU time of `analyse` per photo. The small-face end of this table is the price of
//! the working copy's size (`FACE_WORKING_SIDE`).

#[path = "../tests/common/faces.rs"]
mod faces;
mod support;

use std::process::ExitCode;

use image::{imageops, Rgb, RgbImage};
use userphoto::photo::face::analyse;
use userphoto::targets::FACE_WORKING_SIDE;

use support::{mean, thread_cpu_ns};

/// The face's side as a share of the photo's long side.
const SHARES: [f64; 11] = [
    0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.25, 0.30, 0.35, 0.40,
];
/// Photo shapes: long side 1200 px (about what a phone photo decodes to for the graph target).
const SHAPES: [(u32, u32); 2] = [(1200, 900), (900, 1200)];

fn backdrop(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut state = seed | 1;
    RgbImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = 70 + (state % 24) as u8;
        Rgb([v, v, v.saturating_add(6)])
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let root = env!("CARGO_MANIFEST_DIR");
    let heads: Vec<(RgbImage, u32, u32, u32)> = faces::SOLVAY_HEADS
        .iter()
        .map(|&(name, x, y, side)| {
            let path = format!("{root}/tests/data/faces/{name}.jpg");
            let img = image::open(&path)
                .unwrap_or_else(|e| panic!("{path}: {e}"))
                .to_rgb8();
            (img, x, y, side)
        })
        .collect();

    println!("face detection, working copy {FACE_WORKING_SIDE} px, {repeat} timed runs per photo");
    println!("face / long side   found   other faces   CPU per photo");
    let mut all_cpu = Vec::new();
    for share in SHARES {
        let (mut planted, mut found, mut others) = (0, 0, 0);
        let mut cpu = Vec::new();
        for (i, (head, fx, fy, fside)) in heads.iter().enumerate() {
            for (j, &(w, h)) in SHAPES.iter().enumerate() {
                let face_side = share * f64::from(w.max(h));
                let scale = face_side / f64::from(*fside);
                let (hw, hh) = head.dimensions();
                let sw = (f64::from(hw) * scale).round() as u32;
                let sh = (f64::from(hh) * scale).round() as u32;
                let big = imageops::resize(head, sw, sh, imageops::FilterType::CatmullRom);
                let face_x = f64::from(*fx) * scale;
                let face_y = f64::from(*fy) * scale;
                for place in 0..2u32 {
                    let mut img = backdrop(w, h, (i * 4 + j * 2) as u64 + u64::from(place));
                    // The face a sixth in from the left, or centred; near the top. Always whole.
                    let fx = (face_x + face_side).ceil() as u32;
                    let x = if place == 0 {
                        w / 6
                    } else {
                        w.saturating_sub(sw) / 2
                    };
                    let x = x.min(w.saturating_sub(fx));
                    let y = (h / 12).min(h.saturating_sub((face_y + face_side).ceil() as u32));
                    imageops::replace(&mut img, &big, i64::from(x), i64::from(y));
                    let (cx, cy) = (f64::from(x) + face_x, f64::from(y) + face_y);
                    planted += 1;
                    let mut a = None;
                    for _ in 0..repeat {
                        let c0 = thread_cpu_ns().unwrap_or(0);
                        a = Some(analyse(w, h, img.as_raw()));
                        cpu.push((thread_cpu_ns().unwrap_or(0) - c0) as f64 / 1e6);
                    }
                    let faces = a.map(|a| a.faces).unwrap_or_default();
                    let near = |f: &userphoto::photo::face::Face| {
                        (f.region.left - cx).abs() < face_side / 3.0
                            && (f.region.top - cy).abs() < face_side / 3.0
                    };
                    if faces.iter().any(near) {
                        found += 1;
                    }
                    others += faces.iter().filter(|f| !near(f)).count();
                }
            }
        }
        println!(
            "      {:>4.0} %        {found:>2}/{planted}        {others:>2}         {:>6.2} ms",
            share * 100.0,
            mean(&cpu)
        );
        all_cpu.extend(cpu);
    }
    println!("mean CPU per photo: {:.2} ms", mean(&all_cpu));
    ExitCode::SUCCESS
}
