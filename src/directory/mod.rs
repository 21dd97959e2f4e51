//! On-premises Active Directory `thumbnailPhoto` over LDAP (ldap3 over rustls): connect by
//! LDAPS or StartTLS with a simple bind, find users, write a thumbnail and verify it, remove,
//! export, and scan a whole directory (for [`crate::audit`]).
//!
//! [`DirectoryClient`] is created from a [`DirectoryConfig`] (JSON documented there); its
//! blocking methods run on the library's runtime, its async ones on any tokio runtime. It
//! takes rendered bytes: photos reach it through [`crate::publish`] as a destination.

pub mod client;
pub mod config;
mod errors;
pub mod scan;
mod users;

pub use client::{
    DirectoryClient, DirectoryOutcome, DirectoryStatus, DirectoryUser, THUMBNAIL_ATTRIBUTE,
};
pub use config::{DirectoryConfig, Transport};
pub use errors::result_code_name;
pub use scan::ScanSummary;
pub use users::filter_escape;
