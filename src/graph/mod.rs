//! Microsoft Graph: auth, the photo client and the retry policy.

pub mod auth;
pub mod client;
pub mod retry;

pub use auth::{AssertionAlgorithm, Credential, Environment, Secret};
pub use client::{runtime, user_path, GraphClient, GraphConfig, PhotoMeta, UploadOutcome};
pub use retry::RetryPolicy;
