//! The Graph client against the emulator: every auth type, retries (429 with Retry-After,
//! 503, dropped connections), token expiry, named errors, awkward UPNs, TLS.

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use userphoto::emulator::{
    AppRegistration, EmulatedUser, Emulator, EmulatorConfig, Faults, ManagedIdentityConfig,
    NoPhotoError, PhotoSource,
};
use userphoto::graph::{AssertionAlgorithm, Credential, GraphClient, GraphConfig, RetryPolicy};
use userphoto::{runtime, Secret};

use common::{emulator_config, graph_config, numbered_users, start_emulator, APP, TENANT};

const CERT_APP: &str = "22222222-2222-3333-4444-555555555555";
const SECRET: &str = "s3cret-value-that-must-never-leak";
const MI_HEADER: &str = "identity-header-value-never-leaks";

struct AppCert {
    key_pem: String,
    cert_pem: String,
}

fn cert() -> &'static AppCert {
    static C: OnceLock<AppCert> = OnceLock::new();
    C.get_or_init(|| {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let cert = rcgen::CertificateParams::new(vec!["photo-sync.contoso.com".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        AppCert {
            key_pem: key.serialize_pem(),
            cert_pem: cert.pem(),
        }
    })
}

fn users() -> Vec<EmulatedUser> {
    numbered_users([
        "adele@contoso.com",
        "o'brien@contoso.com",
        "zoë@contoso.com",
        "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    ])
}

fn emulator(https: bool) -> Emulator {
    let mut config = emulator_config(SECRET, users());
    config.https = https;
    config.apps.push(AppRegistration {
        client_id: CERT_APP.into(),
        client_secret: None,
        certificate_pem: Some(cert().cert_pem.clone()),
    });
    config.managed_identity = Some(ManagedIdentityConfig {
        identity_header: MI_HEADER.into(),
        client_id: "mi-app".into(),
    });
    start_emulator(config)
}

/// The connection as the app, with the retry policy these tests time.
fn config(emu: &Emulator, credential: Credential) -> GraphConfig {
    GraphConfig {
        retry: RetryPolicy {
            base_delay_ms: 50,
            max_delay_ms: 2000,
            ..Default::default()
        },
        ..graph_config(emu, credential)
    }
}

fn secret_client(emu: &Emulator) -> GraphClient {
    GraphClient::new(config(
        emu,
        Credential::Secret {
            secret: Secret::new(SECRET),
        },
    ))
    .unwrap()
}

fn photo(shade: u8) -> Bytes {
    let rgb = vec![shade; 64 * 64 * 3];
    Bytes::from(
        userphoto::photo::encode_jpeg(64, 64, &rgb, 90, userphoto::photo::EncoderMode::Fast)
            .unwrap(),
    )
}

fn upload_and_read_back(client: &GraphClient, emu: &Emulator, user: &str) {
    let p = photo(120);
    runtime()
        .block_on(client.put_photo(user, p.clone()))
        .unwrap_or_else(|e| panic!("{user}: {e}"));
    assert_eq!(emu.photo(user).as_deref(), Some(&p[..]), "{user}");
    let (back, _) = runtime().block_on(client.get_photo(user)).unwrap();
    assert_eq!(back, &p[..]);
}

#[test]
fn client_secret() {
    let emu = emulator(false);
    upload_and_read_back(&secret_client(&emu), &emu, "adele@contoso.com");
    let wrong = GraphClient::new(config(
        &emu,
        Credential::Secret {
            secret: Secret::new("wrong-secret-value"),
        },
    ))
    .unwrap();
    let e = runtime()
        .block_on(wrong.put_photo("adele@contoso.com", photo(1)))
        .unwrap_err();
    assert_eq!(e.code(), "auth", "{e}");
    assert!(!e.to_string().contains("wrong-secret-value"), "{e}");
}

#[test]
fn certificate_rs256_and_ps256() {
    let emu = emulator(false);
    for alg in [AssertionAlgorithm::RS256, AssertionAlgorithm::PS256] {
        let mut c = config(
            &emu,
            Credential::Certificate {
                certificate_pem: Some(cert().cert_pem.clone()),
                certificate_path: None,
                private_key_pem: Some(Secret::new(cert().key_pem.clone())),
                private_key_path: None,
                pfx_path: None,
                pfx_base64: None,
                pfx_password: None,
                algorithm: alg,
            },
        );
        c.client_id = Some(CERT_APP.into());
        upload_and_read_back(&GraphClient::new(c).unwrap(), &emu, "zoë@contoso.com");
    }
}

/// One PEM file with the certificate and its key, in either order (what `openssl req
/// -out cert.pem -keyout cert.pem` and many admins' tools write), as a path for both, and a
/// key file whose key is encrypted, refused by name when the client is made.
#[test]
fn certificate_and_key_in_one_pem_file() {
    let emu = emulator(false);
    let dir = common::scratch_dir("graph-combined-pem");
    let by_path = |cert: &std::path::Path, key: &std::path::Path| {
        let mut c = config(
            &emu,
            Credential::Certificate {
                certificate_pem: None,
                certificate_path: Some(cert.display().to_string()),
                private_key_pem: None,
                private_key_path: Some(key.display().to_string()),
                pfx_path: None,
                pfx_base64: None,
                pfx_password: None,
                algorithm: AssertionAlgorithm::RS256,
            },
        );
        c.client_id = Some(CERT_APP.into());
        c
    };
    for (name, text) in [
        (
            "cert-then-key.pem",
            format!("{}{}", cert().cert_pem, cert().key_pem),
        ),
        (
            "key-then-cert.pem",
            format!("{}{}", cert().key_pem, cert().cert_pem),
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let client =
            GraphClient::new(by_path(&path, &path)).unwrap_or_else(|e| panic!("{name}: {e}"));
        upload_and_read_back(&client, &emu, "zoë@contoso.com");
    }
    let encrypted = dir.join("encrypted.pem");
    std::fs::write(
        &encrypted,
        format!(
            "{}-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n",
            cert().cert_pem
        ),
    )
    .unwrap();
    let e = GraphClient::new(by_path(&encrypted, &encrypted))
        .err()
        .expect("an encrypted key was accepted");
    assert_eq!(e.code(), "config", "{e}");
    assert!(e.to_string().contains("encrypted"), "{e}");
    let only_cert = dir.join("only-cert.pem");
    std::fs::write(&only_cert, &cert().cert_pem).unwrap();
    let e = GraphClient::new(by_path(&only_cert, &only_cert))
        .err()
        .expect("a file without a key was accepted");
    assert_eq!(e.code(), "config", "{e}");
    assert!(e.to_string().contains("no private key"), "{e}");
}

/// A .pfx as Windows and OpenSSL write it (AES-256 PBES2 by default, and the legacy
/// 3DES/RC2 form older tools produce), by path and in memory.
#[test]
fn certificate_from_pfx() {
    let emu = emulator(false);
    let dir = common::scratch_dir("graph-pfx");
    std::fs::write(dir.join("key.pem"), &cert().key_pem).unwrap();
    std::fs::write(dir.join("cert.pem"), &cert().cert_pem).unwrap();
    let pfx_config = |path: Option<String>, b64: Option<String>, password: &str| {
        let mut c = config(
            &emu,
            Credential::Certificate {
                certificate_pem: None,
                certificate_path: None,
                private_key_pem: None,
                private_key_path: None,
                pfx_path: path,
                pfx_base64: b64.map(Secret::new),
                pfx_password: Some(Secret::new(password)),
                algorithm: AssertionAlgorithm::RS256,
            },
        );
        c.client_id = Some(CERT_APP.into());
        c
    };
    for (name, legacy) in [("modern.pfx", false), ("legacy.pfx", true)] {
        let out = dir.join(name);
        let mut cmd = std::process::Command::new("openssl");
        cmd.args(["pkcs12", "-export", "-passout", "pass:pfx-pass-never-leaks"])
            .arg("-inkey")
            .arg(dir.join("key.pem"))
            .arg("-in")
            .arg(dir.join("cert.pem"))
            .arg("-out")
            .arg(&out);
        if legacy {
            cmd.arg("-legacy");
        }
        let status = cmd
            .status()
            .expect("openssl is installed by scripts/setup.sh");
        if !status.success() && legacy {
            // OpenSSL builds without the legacy provider cannot write the old form.
            continue;
        }
        assert!(status.success(), "openssl pkcs12 -export failed");
        let path = out.display().to_string();
        let client = GraphClient::new(pfx_config(Some(path.clone()), None, "pfx-pass-never-leaks"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        upload_and_read_back(&client, &emu, "adele@contoso.com");
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            std::fs::read(&out).unwrap(),
        );
        let client = GraphClient::new(pfx_config(None, Some(b64), "pfx-pass-never-leaks")).unwrap();
        upload_and_read_back(&client, &emu, "o'brien@contoso.com");
        // A wrong password is a configuration error naming the file, not a panic.
        let e = GraphClient::new(pfx_config(Some(path.clone()), None, "wrong"))
            .err()
            .expect("wrong password accepted");
        assert_eq!(e.code(), "config", "{e}");
        assert!(e.to_string().contains(&path), "{e}");
        assert!(!e.to_string().contains("pfx-pass-never-leaks"), "{e}");
    }
    // Not a PKCS#12 file at all.
    let e = GraphClient::new(pfx_config(
        Some(dir.join("cert.pem").display().to_string()),
        None,
        "x",
    ))
    .err()
    .expect("a PEM file accepted as .pfx");
    assert_eq!(e.code(), "config", "{e}");
}

#[test]
fn managed_identity_both_styles_and_access_token() {
    let emu = emulator(false);
    let app_service = Credential::ManagedIdentity {
        client_id: None,
        identity_endpoint: Some(emu.identity_endpoint()),
        identity_header: Some(Secret::new(MI_HEADER)),
        imds_endpoint: None,
    };
    upload_and_read_back(
        &GraphClient::new(config(&emu, app_service)).unwrap(),
        &emu,
        "adele@contoso.com",
    );
    let imds = Credential::ManagedIdentity {
        client_id: None,
        identity_endpoint: Some(String::new()).filter(|s: &String| !s.is_empty()),
        identity_header: None,
        imds_endpoint: Some(emu.imds_endpoint()),
    };
    // The test process may run where IDENTITY_ENDPOINT is set; this test needs IMDS.
    if std::env::var_os("IDENTITY_ENDPOINT").is_none() {
        upload_and_read_back(
            &GraphClient::new(config(&emu, imds)).unwrap(),
            &emu,
            "o'brien@contoso.com",
        );
    }
    // A token fetched elsewhere, passed in.
    let token = runtime()
        .block_on(
            reqwest::Client::new()
                .post(format!("{}/{TENANT}/oauth2/v2.0/token", emu.authority()))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", APP),
                    ("client_secret", SECRET),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])
                .send(),
        )
        .unwrap();
    let token: serde_json::Value = runtime().block_on(token.json()).unwrap();
    let given = Credential::AccessToken {
        token: Secret::new(token["access_token"].as_str().unwrap()),
    };
    upload_and_read_back(
        &GraphClient::new(config(&emu, given)).unwrap(),
        &emu,
        "zoë@contoso.com",
    );
}

#[test]
fn awkward_upns_round_trip() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    for u in users() {
        upload_and_read_back(&client, &emu, &u.user_principal_name);
        upload_and_read_back(&client, &emu, &u.id);
    }
    // UPNs are case-insensitive.
    upload_and_read_back(&client, &emu, "ADELE@contoso.com");
}

#[test]
fn retry_after_is_honoured_and_is_not_a_failure() {
    let emu = emulator(false);
    // Two failed attempts would end the request; told waits must not count as failures.
    let mut c = config(
        &emu,
        Credential::Secret {
            secret: Secret::new(SECRET),
        },
    );
    c.retry.max_attempts = 2;
    let client = GraphClient::new(c).unwrap();
    runtime()
        .block_on(client.photo_meta("adele@contoso.com"))
        .ok(); // token fetched
    emu.set_faults(Faults {
        seed: 3,
        p_429: 1.0,
        ..Default::default()
    });
    let started = Instant::now();
    let handle = std::thread::spawn({
        let client = client.clone();
        move || runtime().block_on(client.put_photo("adele@contoso.com", photo(9)))
    });
    std::thread::sleep(Duration::from_millis(2500));
    emu.set_faults(Faults::default());
    let outcome = handle.join().unwrap().unwrap();
    assert!(outcome.attempts >= 3, "{outcome:?}");
    // Every 429 said Retry-After: 1 and the client waited that long each time.
    assert!(
        outcome.waited_ms >= 1000 * u64::from(outcome.attempts - 1),
        "{outcome:?}"
    );
    assert!(started.elapsed() >= Duration::from_millis(outcome.waited_ms));
    assert!(emu.stats().faults_429 >= 2);
}

#[test]
fn one_retry_after_holds_back_the_whole_client() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    runtime()
        .block_on(client.photo_meta("adele@contoso.com"))
        .ok(); // token fetched
    emu.set_faults(Faults {
        seed: 5,
        p_429: 1.0,
        ..Default::default()
    });
    // One request learns "Retry-After: 1"; the fault is then lifted at once.
    let first = std::thread::spawn({
        let client = client.clone();
        move || runtime().block_on(client.put_photo("adele@contoso.com", photo(3)))
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    while emu.stats().faults_429 == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    emu.set_faults(Faults::default());
    let told_at = Instant::now();
    std::thread::sleep(Duration::from_millis(50)); // the client reads the 429
                                                   // A second request of the same client, started after the 429, waits out the same pause
                                                   // without a 429 of its own.
    let second = runtime()
        .block_on(client.put_photo("zoë@contoso.com", photo(4)))
        .unwrap();
    assert!(
        told_at.elapsed() >= Duration::from_millis(700),
        "the second request did not wait: {:?}",
        told_at.elapsed()
    );
    assert_eq!(second.attempts, 1, "{second:?}");
    assert!(second.waited_ms >= 700, "{second:?}");
    first.join().unwrap().unwrap();
    assert_eq!(emu.stats().faults_429, 1);
}

#[test]
fn throttled_for_too_long_is_a_named_error() {
    let emu = emulator(false);
    let mut c = config(
        &emu,
        Credential::Secret {
            secret: Secret::new(SECRET),
        },
    );
    c.retry = RetryPolicy {
        max_attempts: 3,
        base_delay_ms: 10,
        max_delay_ms: 1000,
        max_total_wait_ms: 2500,
    };
    let client = GraphClient::new(c).unwrap();
    emu.set_faults(Faults {
        seed: 1,
        p_429: 1.0,
        ..Default::default()
    });
    let started = Instant::now();
    let e = runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(9)))
        .unwrap_err();
    assert_eq!(e.code(), "throttled", "{e}");
    // Waits of 1 s each fit twice into 2.5 s: the third 429 ends it.
    assert!(e.to_string().contains("3 attempts"), "{e}");
    assert!(started.elapsed() >= Duration::from_secs(2), "{e}");
}

#[test]
fn service_unavailable_and_dropped_connections_are_retried() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    emu.set_faults(Faults {
        seed: 11,
        p_503: 0.3,
        p_drop: 0.3,
        ..Default::default()
    });
    for (i, u) in [
        "adele@contoso.com",
        "o'brien@contoso.com",
        "zoë@contoso.com",
    ]
    .iter()
    .cycle()
    .take(12)
    .enumerate()
    {
        let p = photo(i as u8 * 10);
        runtime()
            .block_on(client.put_photo(u, p.clone()))
            .unwrap_or_else(|e| panic!("{u}: {e}"));
        assert_eq!(emu.photo(u).as_deref(), Some(&p[..]));
    }
    let s = emu.stats();
    assert!(s.faults_503 > 0 && s.dropped > 0, "{s:?}");
}

#[test]
fn an_expired_or_revoked_token_is_replaced_once() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(1)))
        .unwrap();
    emu.revoke_tokens();
    runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(2)))
        .unwrap();
    let s = emu.stats();
    assert_eq!(s.token_requests, 2, "{s:?}");
    assert_eq!(s.unauthorized_401, 1, "{s:?}");
}

#[test]
fn named_errors() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    let e = runtime()
        .block_on(client.put_photo("nobody@contoso.com", photo(1)))
        .unwrap_err();
    assert_eq!(e.code(), "user-not-found", "{e}");
    let e = runtime()
        .block_on(client.get_photo("adele@contoso.com"))
        .unwrap_err();
    assert_eq!(e.code(), "no-photo", "{e}");
    assert!(runtime()
        .block_on(client.photo_meta("adele@contoso.com"))
        .unwrap()
        .is_none());
    let e = runtime()
        .block_on(client.put_photo(
            "adele@contoso.com",
            Bytes::from_static(b"not an image at all"),
        ))
        .unwrap_err();
    assert_eq!(e.code(), "image-rejected", "{e}");
    emu.set_photo_source(PhotoSource::OnPremises);
    let e = runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(1)))
        .unwrap_err();
    assert_eq!(e.code(), "policy-blocked", "{e}");
    assert!(e.to_string().contains("onPremises"), "{e}");
    emu.set_photo_source(PhotoSource::Cloud);
    runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(1)))
        .unwrap();
    let meta = runtime()
        .block_on(client.photo_meta("adele@contoso.com"))
        .unwrap()
        .unwrap();
    assert_eq!((meta.width, meta.height), (Some(64), Some(64)));
    assert!(meta.etag.is_some());
    runtime()
        .block_on(client.delete_photo("adele@contoso.com"))
        .unwrap();
    assert!(emu.photo("adele@contoso.com").is_none());
}

/// Graph has answered "no photo" with ImageNotFound, ErrorEntityNotFound and ErrorItemNotFound:
/// each is "no photo", never "no such user".
#[test]
fn every_no_photo_code_means_no_photo() {
    let emu = emulator(false);
    let client = secret_client(&emu);
    for setting in [
        NoPhotoError::ImageNotFound,
        NoPhotoError::ErrorEntityNotFound,
        NoPhotoError::ErrorItemNotFound,
    ] {
        emu.set_no_photo_error(setting);
        let e = runtime()
            .block_on(client.get_photo("adele@contoso.com"))
            .unwrap_err();
        assert_eq!(e.code(), "no-photo", "{setting:?}: {e}");
        let meta = runtime().block_on(client.photo_meta("adele@contoso.com"));
        assert!(
            matches!(meta, Ok(None)),
            "{setting:?}: {:?}",
            meta.map_err(|e| e.to_string())
        );
        let e = runtime()
            .block_on(client.delete_photo("adele@contoso.com"))
            .unwrap_err();
        assert_eq!(e.code(), "no-photo", "{setting:?}: {e}");
        let e = runtime()
            .block_on(client.get_photo("nobody@contoso.com"))
            .unwrap_err();
        assert_eq!(e.code(), "user-not-found", "{setting:?}: {e}");
    }
    emu.set_no_photo_error(NoPhotoError::Rotate);
    for _ in 0..3 {
        let e = runtime()
            .block_on(client.get_photo("adele@contoso.com"))
            .unwrap_err();
        assert_eq!(e.code(), "no-photo", "{e}");
    }
}

#[test]
fn oversize_is_refused_before_sending_and_413_is_named() {
    let emu = start_emulator(EmulatorConfig {
        max_photo_bytes: 200,
        ..emulator_config(SECRET, users())
    });
    let client = secret_client(&emu);
    let e = runtime()
        .block_on(client.put_photo("adele@contoso.com", photo(77)))
        .unwrap_err();
    assert_eq!(e.code(), "too-large", "{e}");
    // The service's limit (200 bytes here) is quoted, not only the documented 4 MB.
    assert!(e.to_string().contains("the limit is 200 bytes"), "{e}");
    let big = Bytes::from(vec![0u8; 5 * 1024 * 1024]);
    let before = emu.stats().requests;
    let e = runtime()
        .block_on(client.put_photo("adele@contoso.com", big))
        .unwrap_err();
    assert_eq!(e.code(), "too-large");
    assert!(e.to_string().contains("at most 4194304 bytes"), "{e}");
    assert_eq!(emu.stats().requests, before, "refused locally");
}

#[test]
fn tls_is_verified_and_a_test_ca_can_be_added() {
    let emu = emulator(true);
    assert!(emu.base_url().starts_with("https://"));
    upload_and_read_back(&secret_client(&emu), &emu, "adele@contoso.com");
    let mut c = config(
        &emu,
        Credential::Secret {
            secret: Secret::new(SECRET),
        },
    );
    c.extra_ca_pem = None;
    c.retry.max_attempts = 1;
    let e = runtime()
        .block_on(
            GraphClient::new(c)
                .unwrap()
                .put_photo("adele@contoso.com", photo(1)),
        )
        .unwrap_err();
    assert_eq!(e.code(), "network", "an unknown CA is refused: {e}");
}

#[test]
fn plain_http_is_refused_for_remote_hosts() {
    let emu = emulator(false);
    let mut c = config(
        &emu,
        Credential::Secret {
            secret: Secret::new(SECRET),
        },
    );
    c.graph_endpoint = Some("http://graph.contoso.com".into());
    let e = GraphClient::new(c).err().unwrap();
    assert_eq!(e.code(), "config");
}
