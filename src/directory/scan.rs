//! A paged search over every user under the search base, with their thumbnailPhoto: what
//! the audit ([`crate::audit`]) reads.

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapError, Scope, SearchEntry};

use super::client::{DirectoryClient, DirectoryUser};
use super::users::{to_user, USER_ATTRIBUTES, USER_FILTER};
use crate::error::{Error, Result};

/// What a scan covered.
#[derive(Debug, Clone)]
pub struct ScanSummary {
    pub search_base: String,
    /// Users visited.
    pub scanned: u64,
    /// Of them, users with a thumbnailPhoto.
    pub with_thumbnail: u64,
}

impl DirectoryClient {
    /// Every user under the search base (disabled accounts too with `include_disabled`),
    /// `page_size` entries per page, in one paged search; `keep` decides, user by user, what
    /// to keep of them (so a large directory is never held in memory). A connection that
    /// breaks before the scan ends gets one fresh connection and a fresh scan.
    pub async fn scan<T: Send>(
        &self,
        include_disabled: bool,
        page_size: i32,
        keep: impl Fn(DirectoryUser) -> Option<T> + Send + Sync,
    ) -> Result<(ScanSummary, Vec<T>)> {
        if page_size < 1 {
            return Err(Error::InvalidOptions("page_size must be at least 1".into()));
        }
        let base = self.search_base().await?;
        let filter = if include_disabled {
            USER_FILTER.to_string()
        } else {
            // userAccountControl bit 2 (ACCOUNTDISABLE), by the bitwise-AND matching rule.
            format!("(&{USER_FILTER}(!(userAccountControl:1.2.840.113556.1.4.803:=2)))")
        };
        let keep = &keep;
        let (scanned, with_thumbnail, kept, res) = self
            .call_scan("audit search", |mut l| {
                let (base, filter) = (base.clone(), filter.clone());
                async move {
                    let adapters: Vec<Box<dyn Adapter<_, _>>> = vec![
                        Box::new(EntriesOnly::new()),
                        Box::new(PagedResults::new(page_size)),
                    ];
                    let mut stream = l
                        .streaming_search_with(
                            adapters,
                            &base,
                            Scope::Subtree,
                            &filter,
                            USER_ATTRIBUTES.to_vec(),
                        )
                        .await?;
                    let (mut scanned, mut with_thumbnail, mut kept) = (0u64, 0u64, Vec::new());
                    while let Some(e) = stream.next().await? {
                        scanned += 1;
                        let user = to_user(&SearchEntry::construct(e));
                        with_thumbnail += u64::from(user.thumbnail.is_some());
                        kept.extend(keep(user));
                    }
                    let res = stream.finish().await;
                    Ok((scanned, with_thumbnail, kept, res))
                }
            })
            .await?;
        if res.rc != 0 {
            return Err(self.map_error(LdapError::LdapResult { result: res }, "audit search", ""));
        }
        Ok((
            ScanSummary {
                search_base: base,
                scanned,
                with_thumbnail,
            },
            kept,
        ))
    }
}
