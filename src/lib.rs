//! UserPhoto: profile photos for Microsoft 365, sized right for every store.
//!
//! The Rust API is safe and knows nothing about C; [`capi`] is the C ABI over it.

pub mod audit;
pub mod capi;
pub mod directory;
#[cfg(feature = "emulator")]
pub mod emulator;
pub mod error;
pub mod files;
pub mod graph;
pub mod photo;
pub mod publish;
mod runtime;
mod secret;
pub mod sync;
pub mod targets;

pub use error::{Error, Result};
pub use photo::{render, validate, Options, RenderOutput, Rendition, ValidationReport};
pub use runtime::runtime;
pub use secret::Secret;
pub use targets::{Target, TargetProfile, PROFILES};

/// The library version (the Cargo package version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
