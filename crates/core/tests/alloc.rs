//! The hot path allocates nothing: once a `Scratch` has warmed up, scanning inputs without
//! findings (with or without anchor hits) makes no heap allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use keyhound_core::{Scanner, Scratch};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn clean_inputs_allocate_nothing_after_warm_up() {
    let scanner = Scanner::default();
    let mut scratch = Scratch::new();
    let blobs: Vec<Vec<u8>> = vec![
        b"fn main() { println!(\"hello\"); }\n".repeat(200),
        b"secret = ${AWS_SECRET_ACCESS_KEY}\nAKIA prefix in prose\nsession_token = short\n"
            .repeat(50),
        b"\x7fELF\x02\x01\x01\0\0\0 binary \0\0 data A\0K\0I\0A\0 QUtJQ".repeat(30),
    ];
    let scan_all = |scratch: &mut Scratch| {
        for blob in &blobs {
            scanner.scan_with(blob, scratch, |_| ControlFlow::Break(()));
        }
    };
    scan_all(&mut scratch);
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..20 {
        scan_all(&mut scratch);
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(
        allocations, 0,
        "the warm hot path allocated {allocations} times"
    );
}
