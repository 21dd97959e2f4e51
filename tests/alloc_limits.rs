//! No bad input makes the pipeline allocate more than the limits allow: a counting allocator
//! records the peak of live heap bytes while each one is refused. (One test in this binary,
//! so nothing else allocates alongside.)

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static A: Counting = Counting;

#[test]
fn bad_inputs_are_refused_within_a_small_allocation() {
    for (name, bytes, code) in common::bad_inputs() {
        let base = LIVE.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        let err = userphoto::render(&bytes, &userphoto::Options::default()).expect_err(name);
        assert_eq!(err.code(), code);
        let extra = PEAK.load(Ordering::SeqCst) - base;
        // The largest legitimate allocation here is a small decode (the 300 x 200 PNG).
        assert!(
            extra < 8 << 20,
            "{name}: peaked at {extra} bytes above the baseline"
        );
    }

    // Found by fuzz/photo (ASan run, malloc of 1,128,481,603 bytes): a 6 KB WebP whose
    // chunk header declares more bytes than the file holds. image-webp allocates the declared
    // size before reading the EXIF chunk; the probe now refuses such a file first.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/fuzz/webp-chunk-past-the-end.webp"
    );
    let bytes = std::fs::read(path).unwrap();
    type Run = fn(&[u8], &userphoto::Options) -> userphoto::Result<()>;
    let validate: Run = |b, o| userphoto::validate(b, o).map(drop);
    let render: Run = |b, o| userphoto::render(b, o).map(drop);
    for run in [validate, render] {
        let base = LIVE.load(Ordering::SeqCst);
        PEAK.store(base, Ordering::SeqCst);
        let err = run(&bytes, &userphoto::Options::default()).expect_err("refused");
        assert_eq!(err.code(), "truncated", "{err}");
        let extra = PEAK.load(Ordering::SeqCst) - base;
        assert!(
            extra < 8 << 20,
            "the WebP peaked at {extra} bytes above the baseline"
        );
    }
}
