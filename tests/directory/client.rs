//! The directory client: writes, read-back, budgets, users, credentials, TLS, access.

use std::collections::HashSet;
use std::process::Command;

use ldap3::Mod;
use userphoto::directory::{DirectoryClient, DirectoryStatus};
use userphoto::sync::{self, Status, SyncOptions};
use userphoto::{runtime, Secret};

use super::dc::*;

pub fn upload_read_back_and_idempotent(dc: &Dc) {
    let c = dc.client();
    let src = smooth_jpeg(400, 300, 1);
    let o = upload(&c, "alice@corp.example", &src).unwrap();
    assert_eq!(o.status, DirectoryStatus::Written);
    assert!(o.verified);
    assert_eq!(o.dn, format!("CN=alice,OU=People,{BASE}"));
    let r = o.rendition.as_ref().unwrap();
    assert_eq!((r.width, r.height), (96, 96));
    let stored = raw_thumbnail(dc, &o.dn).expect("a thumbnailPhoto");
    assert_eq!(
        stored,
        render(&c, &src).unwrap().data,
        "read back equals the rendition"
    );
    assert_eq!(
        c.export("alice").unwrap(),
        stored,
        "export by sAMAccountName"
    );
    // Second run: nothing written.
    let again = upload(&c, "alice@corp.example", &src).unwrap();
    assert_eq!(again.status, DirectoryStatus::Unchanged);
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap(), stored);
    // By mail and by DN too.
    assert_eq!(
        upload(&c, "alice.mail@corp.example", &src).unwrap().status,
        DirectoryStatus::Unchanged
    );
    assert_eq!(
        upload(&c, &o.dn, &src).unwrap().status,
        DirectoryStatus::Unchanged
    );
    // Remove, then remove again (absent), then export says no photo.
    assert_eq!(c.remove("alice").unwrap().status, DirectoryStatus::Removed);
    assert_eq!(raw_thumbnail(dc, &o.dn), None);
    assert_eq!(c.remove("alice").unwrap().status, DirectoryStatus::Absent);
    assert_eq!(c.export("alice").unwrap_err().code(), "no-photo");
}

pub fn source_30kb_fits_10kb(dc: &Dc) {
    let c = dc.client();
    let src = noise_jpeg_at_least(30 * 1024, 2);
    assert!(src.len() >= 30 * 1024);
    let o = upload(&c, "bob@corp.example", &src).unwrap();
    let r = o.rendition.as_ref().unwrap();
    assert!(r.bytes <= 10240, "{} bytes", r.bytes);
    assert_eq!((r.width, r.height, r.max_bytes), (96, 96, 10240));
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap().len() as u64, r.bytes);
}

pub fn budget_100kb_accepted_110kb_refused(dc: &Dc) {
    let mut cfg = dc.config();
    cfg.max_bytes = 102_400;
    let c = DirectoryClient::new(cfg).expect("100 KB is allowed");
    assert_eq!(c.target().max_bytes, 102_400);
    let src = noise_jpeg_at_least(30 * 1024, 3);
    let o = upload(&c, "bob@corp.example", &src).unwrap();
    assert!(o.rendition.as_ref().unwrap().bytes <= 102_400);
    // The schema's limit: a 100 KB value is stored byte for byte.
    let big = noise_jpeg_at_least(95 * 1024, 4);
    assert!(big.len() <= 102_400, "{}", big.len());
    let o = upload_raw(&c, "bob", &big).unwrap();
    assert_eq!(o.status, DirectoryStatus::Written);
    assert_eq!(raw_thumbnail(dc, &o.dn).unwrap(), big);
    // 110 KB: a named error before any LDAP write.
    let mut cfg = dc.config();
    cfg.max_bytes = 110 * 1024;
    let e = DirectoryClient::new(cfg).unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large", "{e}");
    let huge = noise_jpeg_at_least(110 * 1024, 6);
    let e = upload_raw(&c, "bob", &huge).unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large", "{e}");
    assert_eq!(
        raw_thumbnail(dc, &o.dn).unwrap(),
        big,
        "nothing was written"
    );
    let e = runtime()
        .block_on(c.put_thumbnail("bob", &huge[..102_401]))
        .unwrap_err();
    assert_eq!(e.code(), "thumbnail-too-large");
    // The limit is the server's too: the schema refuses 110 KB written behind our back.
    let refused = runtime().block_on(async {
        let mut l = admin(dc).await;
        l.modify(
            &o.dn,
            vec![Mod::Replace(
                b"thumbnailPhoto".to_vec(),
                HashSet::from([huge.clone()]),
            )],
        )
        .await
        .unwrap()
    });
    assert!(matches!(refused.rc, 19 | 21), "{refused:?}");
}

pub fn unknown_and_ambiguous_users(dc: &Dc) {
    let c = dc.client();
    let src = smooth_jpeg(200, 200, 7);
    let e = upload(&c, "nobody@corp.example", &src).unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
    let e = upload(&c, &format!("CN=nobody,OU=People,{BASE}"), &src).unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
    let e = upload(&c, "shared@corp.example", &src).unwrap_err();
    assert_eq!(e.code(), "ambiguous-user", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("CN=twin1") && msg.contains("CN=twin2"),
        "{msg}"
    );
    // Filter metacharacters are values, not filters.
    let e = upload(&c, "*", &src).unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
}

pub fn wrong_password_and_wrong_ca(dc: &Dc) {
    let mut cfg = dc.config();
    cfg.password = Secret::new(WRONG_PASSWORD);
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "invalid-credentials", "{e}");
    assert!(!e.to_string().contains(WRONG_PASSWORD));
    assert!(!format!("{e:?}").contains(WRONG_PASSWORD));

    // A bulk run stops binding after the first refusal (failed binds lock accounts out):
    // at most the users already under way fail, the rest are skipped for AD.
    let mut cfg = dc.config();
    cfg.password = Secret::new(WRONG_PASSWORD);
    let items: Vec<sync::Item> = (0..12)
        .map(|i| sync::Item {
            user: format!("user{i}@corp.example"),
            source: sync::Source::Bytes(smooth_jpeg(120, 120, 40 + i)),
        })
        .collect();
    let (results, summary) = sync::run_to(
        vec![DirectoryClient::new(cfg).unwrap().into()],
        items,
        SyncOptions::default(),
        |_| {},
    )
    .unwrap();
    assert_eq!(results.len(), 12);
    assert!(summary.failed >= 1 && summary.failed <= 4, "{summary:?}");
    assert_eq!(summary.failed + summary.skipped, 12, "{summary:?}");
    assert!(results
        .iter()
        .all(|r| r.error_code == Some("invalid-credentials")));
    let skipped = results
        .iter()
        .find(|r| r.status == Status::Skipped)
        .unwrap();
    assert!(
        skipped
            .error
            .as_deref()
            .unwrap()
            .starts_with("not attempted"),
        "{skipped:?}"
    );

    let mut cfg = dc.config();
    cfg.ca_file = Some(dc.get("USERPHOTO_LDAP_OTHER_CA"));
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("127.0.0.1:636") && msg.contains("other-ca.pem"),
        "{msg}"
    );
    // StartTLS is verified the same way.
    let mut cfg = dc.config();
    cfg.url = "ldap://127.0.0.1".into();
    cfg.ca_file = Some(dc.get("USERPHOTO_LDAP_OTHER_CA"));
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    // No CA given: the system store does not know the test CA.
    let mut cfg = dc.config();
    cfg.ca_file = None;
    let e = DirectoryClient::new(cfg)
        .unwrap()
        .lookup("alice")
        .unwrap_err();
    assert_eq!(e.code(), "directory-tls", "{e}");
    assert!(e.to_string().contains("system certificate store"), "{e}");
}

/// A bind account without the right to write other users' thumbnailPhoto.
pub fn insufficient_access(dc: &Dc) {
    let pw = "L1mited-Passw0rd!x";
    let st = Command::new("samba-tool")
        .args(["user", "create", "limited", pw, "-s"])
        .arg(dc.get("USERPHOTO_SAMBA_CONF"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let mut cfg = dc.config();
    cfg.bind_user = "limited@corp.example".into();
    cfg.password = Secret::new(pw);
    let c = DirectoryClient::new(cfg).unwrap();
    let e = upload(&c, "bob@corp.example", &smooth_jpeg(100, 100, 12)).unwrap_err();
    assert_eq!(e.code(), "forbidden", "{e}");
    assert!(e.to_string().contains("insufficientAccessRights"), "{e}");
    assert!(!e.to_string().contains(pw));
}

pub fn starttls_ldaps_and_plain(dc: &Dc) {
    let src = smooth_jpeg(300, 300, 8);
    for (url, plain) in [
        ("ldaps://127.0.0.1", false),
        ("ldap://127.0.0.1", false),
        ("ldaps://localhost:636", false),
        ("ldap://127.0.0.1:389", true),
    ] {
        let mut cfg = dc.config();
        cfg.url = url.into();
        cfg.plain_ldap = plain;
        let c = DirectoryClient::new(cfg).unwrap();
        let o = upload(&c, "carol@corp.example", &src).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert!(o.verified, "{url}");
    }
    assert_eq!(
        raw_thumbnail(dc, &format!("CN=carol,OU=People,{BASE}")).unwrap(),
        render(&dc.client(), &src).unwrap().data
    );
}
