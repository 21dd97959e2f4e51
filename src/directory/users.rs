//! Finding users: by UPN, sAMAccountName (with or without `DOMAIN\\`), mail or DN, under the
//! search base.

use ldap3::{Scope, SearchEntry};

use super::client::{DirectoryClient, DirectoryUser, THUMBNAIL_ATTRIBUTE};
use crate::error::{Error, Result};

/// Escape a value for an LDAP filter (RFC 4515).
pub fn filter_escape(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// Whether a user reference is a distinguished name rather than a UPN, account name or mail.
pub(super) fn looks_like_dn(user: &str) -> bool {
    let first = user.split(',').next().unwrap_or_default();
    user.contains(',')
        && first.split_once('=').is_some_and(|(k, _)| {
            ["cn", "uid", "ou"].contains(&k.trim().to_ascii_lowercase().as_str())
        })
}

fn first_value(entry: &SearchEntry, attr: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
}

pub(super) fn binary_value(entry: &SearchEntry, attr: &str) -> Option<Vec<u8>> {
    entry
        .bin_attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first().cloned())
        .or_else(|| first_value(entry, attr).map(String::into_bytes))
}

pub(crate) fn to_user(entry: &SearchEntry) -> DirectoryUser {
    let thumbnail = binary_value(entry, THUMBNAIL_ATTRIBUTE);
    DirectoryUser {
        dn: entry.dn.clone(),
        user_principal_name: first_value(entry, "userPrincipalName"),
        sam_account_name: first_value(entry, "sAMAccountName"),
        mail: first_value(entry, "mail"),
        thumbnail_bytes: thumbnail.as_ref().map(|t| t.len() as u64),
        thumbnail,
    }
}

pub(crate) const USER_ATTRIBUTES: [&str; 4] = [
    "userPrincipalName",
    "sAMAccountName",
    "mail",
    THUMBNAIL_ATTRIBUTE,
];

/// Users, not computers (which are `user`s too) or contacts.
pub(crate) const USER_FILTER: &str = "(&(objectClass=user)(!(objectClass=computer)))";

impl DirectoryClient {
    /// The search base: the configured one, or the rootDSE's defaultNamingContext.
    pub async fn search_base(&self) -> Result<String> {
        if let Some(b) = &self.inner.configured_base {
            return Ok(b.clone());
        }
        if let Some(b) = self.inner.base.lock().await.clone() {
            return Ok(b);
        }
        let (entries, res) = self
            .call("rootDSE search", "", |mut l| async move {
                let r = l
                    .search(
                        "",
                        Scope::Base,
                        "(objectClass=*)",
                        vec!["defaultNamingContext"],
                    )
                    .await?;
                Ok((r.0, r.1))
            })
            .await?;
        if res.rc != 0 {
            return Err(self.map_result(&res, "rootDSE search", ""));
        }
        let base = entries
            .into_iter()
            .map(SearchEntry::construct)
            .find_map(|e| first_value(&e, "defaultNamingContext"))
            .ok_or_else(|| {
                Error::Config(format!(
                    "{} has no defaultNamingContext in its rootDSE: give search_base",
                    self.inner.endpoint.server
                ))
            })?;
        *self.inner.base.lock().await = Some(base.clone());
        Ok(base)
    }

    /// Find a user by UPN, sAMAccountName (with or without `DOMAIN\`), mail, or DN.
    pub async fn find_user(&self, user: &str) -> Result<DirectoryUser> {
        let user = user.trim();
        if user.is_empty() {
            return Err(Error::InvalidOptions("no user given".into()));
        }
        let attrs = USER_ATTRIBUTES.to_vec();
        let (base, scope, filter) = if looks_like_dn(user) {
            (user.to_string(), Scope::Base, USER_FILTER.to_string())
        } else {
            let v = filter_escape(user);
            let sam = filter_escape(user.rsplit('\\').next().unwrap_or(user));
            (
                self.search_base().await?,
                Scope::Subtree,
                format!(
                    "(&{USER_FILTER}(|(userPrincipalName={v})(sAMAccountName={sam})(mail={v})))"
                ),
            )
        };
        let (entries, res) = self
            .call("user search", user, |mut l| {
                let (base, filter, attrs) = (base.clone(), filter.clone(), attrs.clone());
                async move {
                    let r = l.search(&base, scope, &filter, attrs).await?;
                    Ok((r.0, r.1))
                }
            })
            .await?;
        if res.rc == 32 {
            return Err(Error::UserNotFound {
                user: user.to_string(),
            });
        }
        if res.rc != 0 {
            return Err(self.map_result(&res, "user search", user));
        }
        let mut found: Vec<DirectoryUser> = Vec::new();
        for e in entries {
            let u = to_user(&SearchEntry::construct(e));
            if !found.iter().any(|f| f.dn.eq_ignore_ascii_case(&u.dn)) {
                found.push(u);
            }
        }
        match found.len() {
            0 => Err(Error::UserNotFound {
                user: user.to_string(),
            }),
            1 => Ok(found.remove(0)),
            n => Err(Error::AmbiguousUser {
                user: user.to_string(),
                count: n,
                dns: found.into_iter().take(5).map(|f| f.dn).collect(),
            }),
        }
    }
}
