//! The real faces in `tests/data/faces/` (head-and-shoulders crops of the 1927 Solvay
//! conference photograph): each crop's name and its face box (brows to chin) as rustface
//! finds it in the original photo, x, y and side in the crop's pixels. Shared by
//! `tests/face.rs` and `benches/faces.rs`.

pub const SOLVAY_HEADS: [(&str, u32, u32, u32); 3] = [
    ("solvay-a", 38, 43, 64),
    ("solvay-b", 31, 36, 58),
    ("solvay-c", 32, 39, 60),
];
