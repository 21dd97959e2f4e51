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
}
