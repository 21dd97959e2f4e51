//! On-premises Active Directory `thumbnailPhoto` over LDAP (ldap3 over rustls): connect by
//! LDAPS or StartTLS with a simple bind, find users, write the `ad-thumbnail` rendition and
//! verify it, remove, export, and audit a whole directory.
//!
//! [`DirectoryClient`] is created from a [`DirectoryConfig`] (JSON documented there); its
//! blocking methods run on the library's runtime, its async ones on any tokio runtime. Bulk
//! runs go through [`crate::sync`] with the directory as a destination.

pub mod audit;
pub mod client;
pub mod config;

pub use audit::{AuditEntry, AuditFix, AuditOptions, AuditProblem, AuditReport};
pub use client::{
    DirectoryClient, DirectoryOutcome, DirectoryStatus, DirectoryUser, THUMBNAIL_ATTRIBUTE,
};
pub use config::{DirectoryConfig, Transport};
