//! The Graph emulator against a real HTTP client (reqwest): tokens (secret, certificate
//! assertions, managed identity), the photo endpoints, the policy switch, UPN forms, token
//! revocation and expiry, throttling, seeded faults and HTTPS.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use sha1::Digest as _;
use userphoto::emulator::{
    AppRegistration, EmulatedUser, Emulator, EmulatorConfig, Faults, ManagedIdentityConfig,
    NoPhotoError, PhotoSource, Throttle, DEFAULT_TENANT_ID,
};

const TENANT: &str = "contoso.onmicrosoft.com";
const APP: &str = "11111111-1111-1111-1111-111111111111";
const CERT_APP: &str = "22222222-2222-2222-2222-222222222222";
const MI_APP: &str = "33333333-3333-3333-3333-333333333333";
const SECRET: &str = "Sup3r~Secret.Value_42";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";

const ADELE: &str = "aaaaaaaa-0000-0000-0000-000000000001";
const OBRIEN: &str = "aaaaaaaa-0000-0000-0000-000000000002";
const ZOE: &str = "aaaaaaaa-0000-0000-0000-000000000003";
const GUEST: &str = "aaaaaaaa-0000-0000-0000-000000000004";
const DOLLAR: &str = "aaaaaaaa-0000-0000-0000-000000000005";

/// Everything but unreserved characters, like a careful client encodes a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// An RSA key and self-signed certificate for the certificate app (made once per test binary).
struct AppCert {
    key_pem: String,
    cert_pem: String,
    der: Vec<u8>,
}

fn rsa_cert() -> &'static AppCert {
    static CERT: OnceLock<AppCert> = OnceLock::new();
    CERT.get_or_init(make_cert)
}

/// A second, unregistered certificate (for "wrong thumbprint" and "wrong key").
fn other_cert() -> &'static AppCert {
    static CERT: OnceLock<AppCert> = OnceLock::new();
    CERT.get_or_init(make_cert)
}

fn make_cert() -> AppCert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA key generation");
    let cert = rcgen::CertificateParams::new(vec!["photo-sync.contoso.com".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    AppCert {
        key_pem: key.serialize_pem(),
        cert_pem: cert.pem(),
        der: cert.der().to_vec(),
    }
}

fn users() -> Vec<EmulatedUser> {
    let u = |id: &str, upn: &str| EmulatedUser {
        id: id.into(),
        user_principal_name: upn.into(),
        mail: Some(upn.into()),
        ..Default::default()
    };
    vec![
        u(ADELE, "AdeleV@contoso.com"),
        u(OBRIEN, "o'brien@contoso.com"),
        u(ZOE, "zoë@contoso.com"),
        u(GUEST, "jane_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
        u(DOLLAR, "$svc-photo@contoso.com"),
    ]
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        apps: vec![
            AppRegistration {
                client_id: APP.into(),
                client_secret: Some(SECRET.into()),
                certificate_pem: None,
            },
            AppRegistration {
                client_id: CERT_APP.into(),
                client_secret: None,
                certificate_pem: Some(rsa_cert().cert_pem.clone()),
            },
        ],
        users: users(),
        managed_identity: Some(ManagedIdentityConfig {
            identity_header: "mi-header-value".into(),
            client_id: MI_APP.into(),
        }),
        ..EmulatorConfig::default()
    }
}

fn start(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).expect("emulator starts")
}

fn jpeg() -> Vec<u8> {
    let rgb: Vec<u8> = (0..64 * 64 * 3).map(|i| (i % 251) as u8).collect();
    userphoto::photo::encode_jpeg(64, 64, &rgb, 90, userphoto::photo::EncoderMode::Fast).unwrap()
}

fn with_query(url: String, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{url}?{}", q.join("&"))
}

fn token_url(emu: &Emulator) -> String {
    format!("{}/{TENANT}/oauth2/v2.0/token", emu.authority())
}

async fn secret_token(client: &Client, emu: &Emulator) -> String {
    let r = client
        .post(token_url(emu))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

fn photo_url(emu: &Emulator, user_segment: &str) -> String {
    format!(
        "{}/v1.0/users/{user_segment}/photo/$value",
        emu.graph_endpoint()
    )
}

async fn put_jpeg(
    client: &Client,
    emu: &Emulator,
    token: &str,
    user_segment: &str,
) -> reqwest::Response {
    client
        .put(photo_url(emu, user_segment))
        .bearer_auth(token)
        .header("content-type", "image/jpeg")
        .body(jpeg())
        .send()
        .await
        .unwrap()
}

async fn error_code(r: reqwest::Response) -> (StatusCode, String, Value) {
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    (
        status,
        v["error"]["code"].as_str().unwrap_or("").to_owned(),
        v,
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assertion(
    alg: jsonwebtoken::Algorithm,
    signer: &AppCert,
    thumb_of: &AppCert,
    aud: &str,
    exp: u64,
    nbf: u64,
) -> String {
    let mut header = jsonwebtoken::Header::new(alg);
    if alg == jsonwebtoken::Algorithm::PS256 {
        header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&thumb_of.der)));
    } else {
        header.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(&thumb_of.der)));
    }
    let claims = json!({
        "aud": aud,
        "iss": CERT_APP,
        "sub": CERT_APP,
        "jti": format!("jti-{}", rand::random::<u64>()),
        "nbf": nbf,
        "iat": nbf,
        "exp": exp,
    });
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(signer.key_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

async fn assertion_token(client: &Client, emu: &Emulator, assertion: &str) -> reqwest::Response {
    client
        .post(token_url(emu))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CERT_APP),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
            ("scope", &format!("{}/.default", emu.graph_endpoint())),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn token_by_client_secret() {
    let emu = start(config());
    let client = Client::new();

    let r = client
        .post(token_url(&emu))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["ext_expires_in"], 3600);
    assert!(v["access_token"].as_str().unwrap().len() > 20);

    // HTTP Basic client authentication (RFC 6749 2.3.1) works too.
    let r = client
        .post(token_url(&emu))
        .basic_auth(APP, Some(SECRET))
        .form(&[("grant_type", "client_credentials"), ("scope", GRAPH_SCOPE)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Wrong secret: 401 invalid_client, AADSTS7000215, secret never echoed.
    let wrong = "Wr0ng~Secret.Value";
    let r = client
        .post(token_url(&emu))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", wrong),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let text = r.text().await.unwrap();
    assert!(!text.contains(wrong) && !text.contains(SECRET), "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert_eq!(v["error_codes"], json!([7000215]));
    assert!(v["error_description"]
        .as_str()
        .unwrap()
        .starts_with("AADSTS7000215: Invalid client secret provided."));

    // Unknown app, wrong tenant, bad scopes, missing credentials:
    // (url, form, status, error, AADSTS code).
    type Case<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str, u64);
    let cases: Vec<Case> = vec![
        (
            token_url(&emu),
            vec![
                ("client_id", "99999999-9999-9999-9999-999999999999"),
                ("client_secret", SECRET),
                ("scope", GRAPH_SCOPE),
            ],
            400,
            "unauthorized_client",
            700016,
        ),
        (
            format!(
                "{}/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
                emu.authority()
            ),
            vec![
                ("client_id", APP),
                ("client_secret", SECRET),
                ("scope", GRAPH_SCOPE),
            ],
            400,
            "invalid_request",
            90002,
        ),
        (
            token_url(&emu),
            vec![
                ("client_id", APP),
                ("client_secret", SECRET),
                ("scope", "https://graph.microsoft.com/User.Read"),
            ],
            400,
            "invalid_scope",
            1002012,
        ),
        (
            token_url(&emu),
            vec![
                ("client_id", APP),
                ("client_secret", SECRET),
                ("scope", "https://outlook.office.com/.default"),
            ],
            400,
            "invalid_resource",
            500011,
        ),
        (
            token_url(&emu),
            vec![("client_id", APP), ("scope", GRAPH_SCOPE)],
            401,
            "invalid_client",
            7000218,
        ),
    ];
    for (url, mut form, status, error, code) in cases {
        form.push(("grant_type", "client_credentials"));
        let r = client.post(&url).form(&form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{form:?}");
        let text = r.text().await.unwrap();
        assert!(!text.contains(SECRET));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"], error, "{text}");
        assert_eq!(v["error_codes"], json!([code]), "{text}");
    }
    let r = client
        .post(token_url(&emu))
        .form(&[
            ("grant_type", "password"),
            ("client_id", APP),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    let stats = emu.stats();
    assert_eq!(stats.token_requests, 9);
    assert_eq!(stats.requests, 9);
}

#[tokio::test]
async fn token_by_certificate_assertion() {
    use jsonwebtoken::Algorithm::{PS256, RS256};
    let emu = start(config());
    let client = Client::new();
    let aud = token_url(&emu);
    let t = now();

    for alg in [RS256, PS256] {
        let a = assertion(alg, rsa_cert(), rsa_cert(), &aud, t + 600, t);
        let r = assertion_token(&client, &emu, &a).await;
        assert_eq!(r.status(), 200, "{alg:?}");
        let token = r.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = client
            .get(format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "token works; Adele has no photo yet");
    }

    let refused = [
        // (assertion, expected AADSTS code)
        (
            assertion(RS256, other_cert(), other_cert(), &aud, t + 600, t),
            700027,
        ), // wrong thumbprint
        (
            assertion(PS256, other_cert(), rsa_cert(), &aud, t + 600, t),
            700027,
        ), // right thumbprint, wrong key
        (
            assertion(RS256, rsa_cert(), rsa_cert(), &aud, t - 3600, t - 4000),
            700024,
        ), // expired
        (
            assertion(PS256, rsa_cert(), rsa_cert(), &aud, t + 4000, t + 3600),
            700024,
        ), // not yet valid
        (
            assertion(
                RS256,
                rsa_cert(),
                rsa_cert(),
                &format!("https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"),
                t + 600,
                t,
            ),
            50027,
        ), // wrong audience
        ("not-a-jwt".to_owned(), 50027),
    ];
    for (a, code) in refused {
        let r = assertion_token(&client, &emu, &a).await;
        assert_eq!(r.status(), 401, "code {code}");
        let text = r.text().await.unwrap();
        assert!(!text.contains(&a), "the assertion is never echoed");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"], "invalid_client");
        assert_eq!(v["error_codes"], json!([code]), "{text}");
    }
    // Within the 60 s skew: fine.
    let a = assertion(RS256, rsa_cert(), rsa_cert(), &aud, t - 30, t - 600);
    assert_eq!(assertion_token(&client, &emu, &a).await.status(), 200);

    // What MSAL.NET sends (and Entra accepts): `x5c` as one string, `nbf`/`exp` as strings.
    let msal = |exp: u64| {
        let header = json!({
            "alg": "PS256",
            "typ": "JWT",
            "x5t#S256": URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&rsa_cert().der)),
            "x5c": base64::engine::general_purpose::STANDARD.encode(&rsa_cert().der),
        });
        let claims = json!({
            "aud": aud, "iss": CERT_APP, "sub": CERT_APP,
            "nbf": t.to_string(), "exp": exp.to_string(), "jti": "msal-style",
        });
        let signed = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(rsa_cert().key_pem.as_bytes()).unwrap();
        let sig = jsonwebtoken::crypto::sign(signed.as_bytes(), &key, PS256).unwrap();
        format!("{signed}.{sig}")
    };
    let r = assertion_token(&client, &emu, &msal(t + 600)).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = assertion_token(&client, &emu, &msal(t - 3600)).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error_codes"],
        json!([700024]),
        "a string exp is still checked: {v}"
    );
}

#[tokio::test]
async fn managed_identity_both_styles() {
    let emu = start(config());
    let client = Client::new();

    let r = client
        .get(with_query(
            emu.identity_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com"),
                ("api-version", "2019-08-01"),
            ],
        ))
        .header("X-IDENTITY-HEADER", "mi-header-value")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["resource"], "https://graph.microsoft.com");
    let expires_on: u64 = v["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > now() + 3000);
    let token = v["access_token"].as_str().unwrap().to_owned();
    let r = put_jpeg(&client, &emu, &token, ADELE).await;
    assert_eq!(r.status(), 200, "a managed identity token works on Graph");

    let r = client
        .get(with_query(
            emu.identity_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com"),
                ("api-version", "2019-08-01"),
            ],
        ))
        .header("X-IDENTITY-HEADER", "wrong")
        .header("client-request-id", "mi-wrong-header")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // App Service's own error shape (clients read `message`), not the OAuth one.
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["statusCode"], 401, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("X-IDENTITY-HEADER"),
        "{v}"
    );
    assert_eq!(v["correlationId"], "mi-wrong-header", "{v}");
    assert!(v.get("error").is_none(), "{v}");
    let r = client
        .get(with_query(
            emu.identity_endpoint(),
            &[("resource", "https://graph.microsoft.com")],
        ))
        .header("X-IDENTITY-HEADER", "mi-header-value")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["statusCode"], 400, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("api-version"),
        "{v}"
    );

    let r = client
        .get(with_query(
            emu.imds_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com/"),
                ("api-version", "2018-02-01"),
            ],
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["access_token"].as_str().is_some());
    assert!(v["expires_on"].as_str().unwrap().parse::<u64>().is_ok());

    let r = client
        .get(with_query(
            emu.imds_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com"),
                ("api-version", "2018-02-01"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "IMDS needs Metadata: true");
    // IMDS keeps the OAuth error shape of its documentation.
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_request", "{v}");
    assert!(v["error_description"].as_str().is_some(), "{v}");

    let r = client
        .get(with_query(
            emu.imds_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com"),
                ("api-version", "2018-02-01"),
                ("client_id", APP),
            ],
        ))
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "another identity is not found");

    let plain = start(EmulatorConfig {
        managed_identity: None,
        ..config()
    });
    let r = client
        .get(with_query(
            plain.identity_endpoint(),
            &[
                ("resource", "https://graph.microsoft.com"),
                ("api-version", "2019-08-01"),
            ],
        ))
        .header("X-IDENTITY-HEADER", "mi-header-value")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn photo_round_trip() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let body = jpeg();

    let r = put_jpeg(&client, &emu, &token, "adelev%40contoso.com").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("request-id").is_some());
    assert!(r.bytes().await.unwrap().is_empty());
    assert_eq!(emu.photo("ADELEV@contoso.com").as_deref(), Some(&body[..]));
    assert_eq!(emu.photo(ADELE).as_deref(), Some(&body[..]));

    let r = client
        .get(format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["@odata.mediaContentType"], "image/jpeg");
    assert_eq!(v["id"], "64x64");
    assert_eq!(v["width"], 64);
    assert_eq!(v["height"], 64);
    let etag = v["@odata.mediaEtag"].as_str().unwrap().to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() == 10,
        "{etag}"
    );
    assert!(v["@odata.context"]
        .as_str()
        .unwrap()
        .contains("/photo/$entity"));

    let r = client
        .get(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), &body[..]);

    // PATCH and /beta behave like PUT.
    let r = client
        .patch(format!(
            "{}/beta/users/{ADELE}/photo/%24value",
            emu.graph_endpoint()
        ))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let stats = emu.stats();
    assert_eq!(stats.successful_puts, 2);
    assert_eq!(stats.puts_by_user.get(ADELE), Some(&2));
    assert_eq!(stats.bytes_uploaded, 2 * body.len() as u64);

    let r = client
        .delete(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(emu.photo(ADELE), None);
    for url in [
        photo_url(&emu, ADELE),
        format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint()),
    ] {
        let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
        let (status, code, v) = error_code(r).await;
        assert_eq!(status, 404);
        assert_eq!(code, "ImageNotFound");
        assert!(v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ImageNotFoundException"));
    }
    let r = client
        .delete(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "ImageNotFound", "deleting nothing");

    // A PNG is accepted and served back as PNG; set_photo seeds without counting.
    emu.set_photo(OBRIEN, Some(body.clone()));
    assert_eq!(emu.photo("O'Brien@contoso.com").as_deref(), Some(&body[..]));
    assert_eq!(emu.stats().successful_puts, 2);
}

#[tokio::test]
async fn octet_stream_uploads_and_delete_on_photo() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let body = jpeg();
    // What the Graph SDKs send by default: the bytes decide.
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(emu.photo(ADELE).as_deref(), Some(&body[..]));
    let r = client
        .get(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body("not an image")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(r).await;
    assert_eq!((status.as_u16(), code.as_str()), (400, "ImageNotValid"));
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (status, code, v) = error_code(r).await;
    assert_eq!((status.as_u16(), code.as_str()), (400, "BadRequest"), "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("text/plain"));

    // DELETE .../photo (Remove-MgUserPhoto, Photo.DeleteAsync) works like .../photo/$value.
    let meta = format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint());
    let r = client
        .delete(&meta)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(emu.photo(ADELE), None);
    let r = client
        .delete(&meta)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "ImageNotFound");
    let r = client.put(&meta).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, DELETE");
}

/// A 429 (or 401, 503) answered before the handler still reads the upload the client is
/// sending, so the client gets the answer and the connection stays usable, instead of a
/// broken pipe halfway through its body.
#[tokio::test]
async fn an_early_answer_reads_the_upload_first() {
    use std::io::{Read, Write};
    let emu = start(EmulatorConfig {
        faults: Faults {
            seed: 1,
            p_429: 1.0,
            ..Faults::default()
        },
        ..config()
    });
    let token = secret_token(&Client::new(), &emu).await;
    let addr = emu.base_url().trim_start_matches("http://").to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let body = vec![0xFFu8; 2 * 1024 * 1024];
    let head = format!(
        "PUT /v1.0/users/{ADELE}/photo/$value HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body[..4096]).unwrap();
    // Let the emulator answer before the rest of the body is on its way.
    std::thread::sleep(Duration::from_millis(300));
    conn.write_all(&body[4096..])
        .expect("the rest of the upload is read, not refused");
    let read_response = |conn: &mut std::net::TcpStream| {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = conn.read(&mut buf).unwrap();
            assert!(
                n > 0,
                "connection closed: {}",
                String::from_utf8_lossy(&got)
            );
            got.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&got).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let len: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if got.len() >= end + 4 + len {
                    return text;
                }
            }
        }
    };
    let first = read_response(&mut conn);
    assert!(first.starts_with("HTTP/1.1 429"), "{first}");
    // The same connection takes the next request.
    let get = format!(
        "GET /v1.0/users/{ADELE}/photo HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    conn.write_all(get.as_bytes()).unwrap();
    let second = read_response(&mut conn);
    assert!(second.starts_with("HTTP/1.1 429"), "{second}");
}

#[tokio::test]
async fn no_photo_codes_are_configurable_and_rotate() {
    let client = Client::new();
    let expect = [
        (
            NoPhotoError::ImageNotFound,
            "ImageNotFound",
            "ImageNotFoundException",
        ),
        (
            NoPhotoError::ErrorEntityNotFound,
            "ErrorEntityNotFound",
            "ImageNotFoundException",
        ),
        (
            NoPhotoError::ErrorItemNotFound,
            "ErrorItemNotFound",
            "The photo wasn't found.",
        ),
    ];
    for (setting, code, message) in expect {
        let emu = start(EmulatorConfig {
            no_photo_error: setting,
            ..config()
        });
        let token = secret_token(&client, &emu).await;
        for url in [
            photo_url(&emu, ADELE),
            format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint()),
        ] {
            let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
            let (status, got, v) = error_code(r).await;
            assert_eq!((status.as_u16(), got.as_str()), (404, code), "{url}");
            assert!(
                v["error"]["message"].as_str().unwrap().contains(message),
                "{v}"
            );
        }
        // An unknown user is still Request_ResourceNotFound, whatever the setting.
        let r = client
            .get(photo_url(&emu, "nobody%40contoso.com"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(r).await.1, "Request_ResourceNotFound");
    }

    let cfg: EmulatorConfig = serde_json::from_str(r#"{"no_photo_error": "rotate"}"#).unwrap();
    assert_eq!(cfg.no_photo_error, NoPhotoError::Rotate);
    let emu = start(EmulatorConfig {
        no_photo_error: NoPhotoError::Rotate,
        ..config()
    });
    let token = secret_token(&client, &emu).await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        let r = client
            .get(photo_url(&emu, ADELE))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        codes.push(error_code(r).await.1);
    }
    assert_eq!(
        codes,
        [
            "ImageNotFound",
            "ErrorEntityNotFound",
            "ErrorItemNotFound",
            "ImageNotFound"
        ]
    );
    emu.set_no_photo_error(NoPhotoError::ErrorItemNotFound);
    let r = client
        .delete(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "ErrorItemNotFound");
}

#[tokio::test]
async fn photo_errors() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;

    // 413 above 4 MB.
    let mut big = jpeg();
    big.resize(4 * 1024 * 1024 + 1, 0);
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert!(r.headers().get("request-id").is_some());

    // Not an image / wrong type / no such user.
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body("<html>this is not a photo</html>")
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(r).await.1, "ImageNotValid");
    let r = client
        .put(photo_url(&emu, ADELE))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "a type that is neither an image nor octet-stream"
    );
    let r = put_jpeg(&client, &emu, &token, "nobody%40contoso.com").await;
    let req_id = r.headers()["request-id"].to_str().unwrap().to_owned();
    let (status, code, v) = error_code(r).await;
    assert_eq!(status, 404);
    assert_eq!(code, "Request_ResourceNotFound");
    assert_eq!(
        v["error"]["message"],
        "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present."
    );
    assert_eq!(v["error"]["innerError"]["request-id"], req_id.as_str());
    assert!(v["error"]["innerError"]["date"].as_str().is_some());
    assert_eq!(emu.photo(ADELE), None);
    assert_eq!(emu.stats().successful_puts, 0);

    // Routes: unknown -> 404, wrong method -> 405, /me with an app token -> 400.
    let base = emu.graph_endpoint();
    let r = client
        .get(format!("{base}/v1.0/groups/x/photo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client
        .post(format!("{base}/v1.0/users/{ADELE}/photo/$value"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = client
        .get(format!("{base}/v1.0/me/photo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn policy_on_premises_blocks_updates() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let settings = |emu: &Emulator| {
        format!(
            "{}/beta/admin/people/photoUpdateSettings",
            emu.graph_endpoint()
        )
    };

    let v: Value = client
        .get(settings(&emu))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["source"], "cloud");
    assert_eq!(v["allowedRoles"], json!([]));

    emu.set_photo_source(PhotoSource::OnPremises);
    let (status, code, _) = error_code(put_jpeg(&client, &emu, &token, ADELE).await).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (403, "Authorization_RequestDenied")
    );
    assert_eq!(emu.photo(ADELE), None);
    let v: Value = client
        .get(settings(&emu))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["source"], "onPremises");

    emu.set_photo_source(PhotoSource::Unset);
    let v: Value = client
        .get(settings(&emu))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["source"], Value::Null);
    assert_eq!(put_jpeg(&client, &emu, &token, ADELE).await.status(), 200);
}

#[tokio::test]
async fn user_principal_name_forms() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;

    let cases = [
        (enc("o'brien@contoso.com"), OBRIEN),
        ("O'Brien@contoso.com".to_owned(), OBRIEN), // raw apostrophe, other case
        (enc("zoë@contoso.com"), ZOE),
        (enc("ZOË@CONTOSO.COM"), ZOE),
        (enc("jane_fabrikam.com#EXT#@contoso.onmicrosoft.com"), GUEST),
        (GUEST.to_owned(), GUEST),
    ];
    for (segment, id) in cases {
        emu.reset_stats();
        let r = put_jpeg(&client, &emu, &token, &segment).await;
        assert_eq!(r.status(), 200, "{segment}");
        assert_eq!(emu.stats().puts_by_user.get(id), Some(&1), "{segment}");
    }

    // A UPN beginning with '$' goes in the key form; an apostrophe inside is doubled.
    let base = emu.graph_endpoint();
    let r = client
        .put(format!(
            "{base}/v1.0/users('{}')/photo/$value",
            enc("$svc-photo@contoso.com")
        ))
        .bearer_auth(&token)
        .header("content-type", "image/jpeg")
        .body(jpeg())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(emu.photo(DOLLAR).is_some());
    let r = client
        .get(format!("{base}/v1.0/users('o''brien%40contoso.com')/photo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{base}/v1.0/users/$svc-photo@contoso.com/photo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a '$' UPN in the plain form is refused");
}

#[tokio::test]
async fn tokens_revoked_and_expired() {
    let emu = start(config());
    let client = Client::new();
    let get = |token: &str| {
        client
            .get(format!(
                "{}/beta/admin/people/photoUpdateSettings",
                emu.graph_endpoint()
            ))
            .bearer_auth(token.to_owned())
            .send()
    };

    let r = client
        .get(format!(
            "{}/beta/admin/people/photoUpdateSettings",
            emu.graph_endpoint()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no token");

    let token = secret_token(&client, &emu).await;
    assert_eq!(get(&token).await.unwrap().status(), 200);
    emu.revoke_tokens();
    let r = get(&token).await.unwrap();
    assert!(r.headers().get("www-authenticate").is_some());
    let (status, code, _) = error_code(r).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (401, "InvalidAuthenticationToken")
    );

    emu.set_token_lifetime(1);
    let token = secret_token(&client, &emu).await;
    assert_eq!(get(&token).await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, code, v) = error_code(get(&token).await.unwrap()).await;
    assert_eq!(
        (status.as_u16(), code.as_str()),
        (401, "InvalidAuthenticationToken")
    );
    assert_eq!(
        v["error"]["message"],
        "Access token has expired or is not yet valid."
    );
    assert_eq!(emu.stats().unauthorized_401, 3);
}

#[tokio::test]
async fn concurrency_throttle() {
    let emu = start(EmulatorConfig {
        faults: Faults {
            p_slow: 1.0,
            slow_ms: 300,
            ..Faults::default()
        },
        ..config()
    });
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let url = format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint());
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let req = client.get(&url).bearer_auth(&token).send();
            tokio::spawn(req)
        })
        .collect();
    let (mut throttled, mut served) = (0, 0);
    for t in tasks {
        let r = t.await.unwrap().unwrap();
        if r.status() == 429 {
            throttled += 1;
            assert_eq!(r.headers()["retry-after"], "1");
            assert_eq!(error_code(r).await.1, "TooManyRequests");
        } else {
            assert_eq!(r.status(), 404, "no photo, not throttled");
            served += 1;
        }
    }
    assert!(
        throttled > 0 && served >= 4,
        "{throttled} throttled, {served} served"
    );
    let stats = emu.stats();
    assert_eq!(stats.throttled_429, throttled);
    assert!(stats.max_in_flight_seen > 4, "{stats:?}");
}

#[tokio::test]
async fn window_throttle() {
    let emu = start(EmulatorConfig {
        throttle: Throttle {
            max_concurrent_per_app: 0,
            requests_per_window: 3,
            window_ms: 1500,
            retry_after_secs: 1,
        },
        ..config()
    });
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let url = format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint());
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
        if r.status() == 429 {
            let secs: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=2).contains(&secs), "{secs}");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 429, 429]);
    assert_eq!(emu.stats().throttled_429, 2);
}

/// Outcomes of `n` sequential GETs: "ok", "503" or "drop".
async fn fault_sequence(
    seed: u64,
    n: usize,
) -> (Vec<&'static str>, userphoto::emulator::EmulatorStats) {
    let emu = start(EmulatorConfig {
        faults: Faults {
            seed,
            p_503: 0.25,
            p_drop: 0.15,
            retry_after_on_503: true,
            ..Faults::default()
        },
        ..config()
    });
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let url = format!("{}/v1.0/users/{ADELE}/photo", emu.graph_endpoint());
    let mut seq = Vec::new();
    for _ in 0..n {
        match client.get(&url).bearer_auth(&token).send().await {
            Ok(r) if r.status() == 503 => {
                assert_eq!(r.headers()["retry-after"], "1");
                assert_eq!(error_code(r).await.1, "serviceNotAvailable");
                seq.push("503");
            }
            Ok(r) => {
                assert_eq!(r.status(), 404);
                seq.push("ok");
            }
            Err(_) => seq.push("drop"),
        }
    }
    (seq, emu.stats())
}

#[tokio::test]
async fn seeded_faults_repeat() {
    let (a, stats) = fault_sequence(42, 30).await;
    let count = |s: &str| a.iter().filter(|x| **x == s).count() as u64;
    assert!(
        count("503") > 0 && count("drop") > 0 && count("ok") > 0,
        "{a:?}"
    );
    assert_eq!(stats.faults_503, count("503"));
    assert_eq!(stats.dropped, count("drop"));
    let (b, _) = fault_sequence(42, 30).await;
    assert_eq!(a, b, "same seed, same faults");
    let (c, _) = fault_sequence(7, 30).await;
    assert_ne!(a, c, "another seed, other faults");

    // A faulted PUT stores nothing.
    let emu = start(EmulatorConfig {
        faults: Faults {
            p_503: 1.0,
            ..Faults::default()
        },
        ..config()
    });
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let r = put_jpeg(&client, &emu, &token, ADELE).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().get("retry-after").is_none());
    emu.set_faults(Faults {
        p_429: 1.0,
        ..Faults::default()
    });
    let r = put_jpeg(&client, &emu, &token, ADELE).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(emu.photo(ADELE), None);
    let stats = emu.stats();
    assert_eq!(
        (
            stats.successful_puts,
            stats.faults_503,
            stats.faults_429,
            stats.throttled_429
        ),
        (0, 1, 1, 1)
    );
}

#[tokio::test]
async fn https_with_generated_ca() {
    let emu = start(EmulatorConfig {
        https: true,
        ..config()
    });
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    let pem = emu.ca_pem().expect("CA PEM when https");
    let ca = reqwest::Certificate::from_pem(pem.as_bytes()).unwrap();
    let trusted = Client::builder().tls_certs_merge([ca]).build().unwrap();
    let token = secret_token(&trusted, &emu).await;
    assert_eq!(put_jpeg(&trusted, &emu, &token, ADELE).await.status(), 200);
    // The certificate also names localhost.
    let localhost = emu.graph_endpoint().replace("127.0.0.1", "localhost");
    let r = trusted
        .get(format!("{localhost}/v1.0/users/{ADELE}/photo"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let untrusting = Client::new();
    let err = untrusting
        .post(token_url(&emu))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect_err("an unknown CA is refused");
    assert!(err.is_connect() || err.is_request(), "{err:?}");
}

async fn get_json(client: &Client, url: &str) -> (StatusCode, Value) {
    let r = client.get(url).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

#[tokio::test]
async fn openid_configuration_and_instance_discovery() {
    let emu = start(config());
    let client = Client::new();
    let base = emu.authority();
    let tid = emu.tenant_id();
    assert_eq!(tid, DEFAULT_TENANT_ID);

    for tenant in [TENANT, "CONTOSO.onmicrosoft.com", &tid, &tid.to_uppercase()] {
        let (status, v) = get_json(
            &client,
            &format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        )
        .await;
        assert_eq!(status, 200, "{tenant}: {v}");
        // A known tenant's document names it by id everywhere, as Entra's does.
        assert_eq!(v["issuer"], format!("{base}/{tid}/v2.0"));
        assert_eq!(
            v["token_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/token")
        );
        assert_eq!(
            v["authorization_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/authorize")
        );
        let methods = v["token_endpoint_auth_methods_supported"].to_string();
        assert!(
            methods.contains("client_secret_post") && methods.contains("private_key_jwt"),
            "{methods}"
        );
        let (status, keys) = get_json(&client, v["jwks_uri"].as_str().unwrap()).await;
        assert_eq!((status.as_u16(), keys), (200, json!({"keys": []})));
    }
    let (status, v) = get_json(
        &client,
        &format!("{base}/{TENANT}/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["token_endpoint"], format!("{base}/{tid}/oauth2/token"));
    assert_eq!(v["issuer"], format!("{base}/{tid}/"));
    let (status, keys) = get_json(&client, v["jwks_uri"].as_str().unwrap()).await;
    assert_eq!((status.as_u16(), keys), (200, json!({"keys": []})));
    let (status, v) = get_json(
        &client,
        &format!("{base}/organizations/v2.0/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(v["issuer"], format!("{base}/{{tenantid}}/v2.0"));
    assert_eq!(
        v["token_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/token")
    );
    let (status, v) = get_json(
        &client,
        &format!("{base}/fabrikam.onmicrosoft.com/v2.0/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "invalid_tenant");
    assert_eq!(v["error_codes"], json!([90002]));
    let r = client
        .post(format!(
            "{base}/{TENANT}/v2.0/.well-known/openid-configuration"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);

    // The document's token endpoint is the one that answers.
    let (_, doc) = get_json(
        &client,
        &format!("{base}/{TENANT}/v2.0/.well-known/openid-configuration"),
    )
    .await;
    let r = client
        .post(doc["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", SECRET),
            ("scope", GRAPH_SCOPE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Instance discovery: the host without its port, as MSAL keys it, and the tenant's
    // configuration document.
    let discovery = |endpoint: &str| {
        with_query(
            format!("{base}/common/discovery/instance"),
            &[("api-version", "1.1"), ("authorization_endpoint", endpoint)],
        )
    };
    let localhost = base.replace("127.0.0.1", "localhost");
    for (authority, host) in [(&base, "127.0.0.1"), (&localhost, "localhost")] {
        let (status, v) = get_json(
            &client,
            &discovery(&format!("{authority}/{TENANT}/oauth2/v2.0/authorize")),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(
            v["tenant_discovery_endpoint"],
            format!("{authority}/{TENANT}/v2.0/.well-known/openid-configuration")
        );
        assert_eq!(v["metadata"][0]["preferred_network"], host);
        assert_eq!(v["metadata"][0]["preferred_cache"], host);
        assert_eq!(v["metadata"][0]["aliases"], json!([host]));
        let (status, _) = get_json(&client, v["tenant_discovery_endpoint"].as_str().unwrap()).await;
        assert_eq!(status, 200);
    }
    let (_, v) = get_json(
        &client,
        &discovery(&format!("{base}/{tid}/oauth2/authorize")),
    )
    .await;
    assert_eq!(
        v["tenant_discovery_endpoint"],
        format!("{base}/{tid}/.well-known/openid-configuration")
    );
    let (status, v) = get_json(
        &client,
        &discovery("https://login.contoso.example/common/oauth2/v2.0/authorize"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(v["error"], "invalid_instance");
    assert_eq!(v["error_codes"], json!([50049]));
    let (status, _) = get_json(
        &client,
        &format!("{base}/common/discovery/instance?api-version=1.1"),
    )
    .await;
    assert_eq!(status, 400, "authorization_endpoint is required");
    // Metadata requests are not token requests.
    assert_eq!(emu.stats().token_requests, 1);
}

#[tokio::test]
async fn tenant_by_id_and_the_v1_token_endpoint() {
    let emu = start(config());
    let client = Client::new();
    let base = emu.authority();
    let tid = emu.tenant_id();
    let secret_form = |scope_or_resource: (&'static str, &'static str)| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", APP),
            ("client_secret", SECRET),
            scope_or_resource,
        ]
    };

    let r = client
        .post(format!("{base}/{tid}/oauth2/v2.0/token"))
        .form(&secret_form(("scope", GRAPH_SCOPE)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "v2.0 with the tenant id");
    let v: Value = r.json().await.unwrap();
    assert!(v["expires_in"].is_u64());

    for tenant in [TENANT, tid.as_str()] {
        let r = client
            .post(format!("{base}/{tenant}/oauth2/token"))
            .form(&secret_form(("resource", "https://graph.microsoft.com")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "v1 with {tenant}");
        let v: Value = r.json().await.unwrap();
        // v1 answers its numbers as strings.
        let expires_in: u64 = v["expires_in"].as_str().unwrap().parse().unwrap();
        let expires_on: u64 = v["expires_on"].as_str().unwrap().parse().unwrap();
        assert!(expires_in > 3000 && expires_on > now() + 3000, "{v}");
        assert_eq!(v["resource"], "https://graph.microsoft.com");
        let token = v["access_token"].as_str().unwrap().to_owned();
        assert_eq!(put_jpeg(&client, &emu, &token, ADELE).await.status(), 200);
    }
    // v1 needs `resource`; a scope alone does not name one.
    let r = client
        .post(format!("{base}/{TENANT}/oauth2/token"))
        .form(&secret_form(("scope", GRAPH_SCOPE)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert!(
        v["error_description"]
            .as_str()
            .unwrap()
            .contains("'resource'"),
        "{v}"
    );
    let r = client
        .post(format!("{base}/{TENANT}/oauth2/token"))
        .form(&secret_form(("resource", "https://outlook.office.com")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"],
        "invalid_resource"
    );
    let r = client
        .post(format!(
            "{base}/bbbbcccc-1111-dddd-2222-eeee3333ffff/oauth2/token"
        ))
        .form(&secret_form(("resource", "https://graph.microsoft.com")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "another tenant's id");

    // A client assertion may name either endpoint, with the tenant by name or by id.
    use jsonwebtoken::Algorithm::RS256;
    let t = now();
    for aud in [
        format!("{base}/{tid}/oauth2/v2.0/token"),
        format!("{base}/{tid}/oauth2/token"),
        format!("{base}/{TENANT}/oauth2/token"),
    ] {
        let a = assertion(RS256, rsa_cert(), rsa_cert(), &aud, t + 300, t);
        let r = client
            .post(format!("{base}/{tid}/oauth2/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", CERT_APP),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &a),
                ("resource", "00000003-0000-0000-c000-000000000000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{aud}: {}", r.text().await.unwrap());
    }

    let bad = EmulatorConfig {
        tenant_id: "not-a-guid".into(),
        ..config()
    };
    match Emulator::start(bad) {
        Err(userphoto::Error::Config(m)) => assert!(m.contains("not-a-guid"), "{m}"),
        other => panic!("expected a config error, got {other:?}"),
    }
}

/// `userphoto emulate --https` writes its CA to the temporary directory and removes it when
/// stopped by SIGTERM or SIGINT.
#[cfg(unix)]
#[test]
fn https_ca_file_is_removed_on_stop() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    for signal in ["-TERM", "-INT"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_userphoto"))
            .args(["emulate", "--https", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        assert!(
            first.starts_with("emulator listening on https://127.0.0.1:"),
            "{first}"
        );
        let second = lines.next().unwrap().unwrap();
        let path = second
            .strip_prefix("CA certificate written to ")
            .unwrap_or_else(|| panic!("{second}"))
            .to_owned();
        let pem = std::fs::read_to_string(&path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{signal}: {status:?}");
        assert!(
            !std::path::Path::new(&path).exists(),
            "{path} is left behind after {signal}"
        );
    }
}

#[test]
fn config_from_json_and_sync_use() {
    let cfg: EmulatorConfig = serde_json::from_str(
        r#"{"apps": [{"client_id": "a", "client_secret": "s"}],
            "users": [{"id": "u1", "userPrincipalName": "u1@contoso.com"}],
            "photo_source": "onPremises",
            "throttle": {"requests_per_window": 10},
            "faults": {"seed": 3, "p_503": 0.5}}"#,
    )
    .unwrap();
    assert_eq!(cfg.tenant, "contoso.onmicrosoft.com");
    assert_eq!(cfg.max_photo_bytes, 4 * 1024 * 1024);
    assert_eq!(cfg.throttle.max_concurrent_per_app, 4);
    assert_eq!(cfg.throttle.window_ms, 1000);
    assert_eq!(cfg.photo_source, PhotoSource::OnPremises);
    assert!(
        !format!("{:?}", cfg.apps[0]).contains("\"s\""),
        "secret redacted"
    );
    assert!(serde_json::from_str::<EmulatorConfig>(r#"{"tenat": "x"}"#).is_err());

    // Started and stopped from a plain (non-async) test.
    let emu = Emulator::start(cfg).unwrap();
    assert!(emu.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(emu.ca_pem(), None);
    emu.stop();

    // Bad configurations are Error::Config.
    let bad = EmulatorConfig {
        apps: vec![AppRegistration {
            client_id: "x".into(),
            client_secret: None,
            certificate_pem: Some("not pem".into()),
        }],
        ..EmulatorConfig::default()
    };
    assert!(matches!(
        Emulator::start(bad),
        Err(userphoto::Error::Config(_))
    ));
    let bad = EmulatorConfig {
        faults: Faults {
            p_503: 0.8,
            p_drop: 0.5,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    };
    assert!(matches!(
        Emulator::start(bad),
        Err(userphoto::Error::Config(_))
    ));
}

#[tokio::test]
async fn users_are_listed_in_pages_with_select_and_filter() {
    let mut config = config();
    config.users[1].account_enabled = false;
    config.users[2].display_name = Some("Zoë".into());
    let emu = start(config);
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let list = format!("{}/v1.0/users", emu.graph_endpoint());
    let get = |url: String| {
        let (client, token) = (client.clone(), token.clone());
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    // Two per page: the next link carries the query on, and the last page has none.
    let mut url = with_query(
        list.clone(),
        &[("$select", "id,displayName,accountEnabled"), ("$top", "2")],
    );
    let mut seen = Vec::new();
    loop {
        let r = get(url).await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.unwrap();
        for u in v["value"].as_array().unwrap() {
            let keys: Vec<&str> = u.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 3, "{u}");
            seen.push((
                u["id"].as_str().unwrap().to_owned(),
                u["accountEnabled"].as_bool().unwrap(),
            ));
        }
        match v["@odata.nextLink"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen.len(), users().len());
    assert_eq!(seen[1], (OBRIEN.to_owned(), false));
    assert_eq!(emu.stats().user_pages as usize, users().len().div_ceil(2));
    // A skip token past the end (the largest offset there is): an empty last page.
    let far = URL_SAFE_NO_PAD.encode(format!("offset:{}", usize::MAX));
    let r = get(with_query(list.clone(), &[("$skiptoken", &far)])).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["value"].as_array().map(Vec::len), Some(0), "{v}");
    assert!(v.get("@odata.nextLink").is_none(), "{v}");
    // Filtered: the disabled user is left out, on every page.
    let r = get(with_query(
        list.clone(),
        &[("$filter", "accountEnabled eq true"), ("$top", "999")],
    ))
    .await;
    let v: Value = r.json().await.unwrap();
    let ids: Vec<&str> = v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&OBRIEN) && ids.len() == users().len() - 1,
        "{ids:?}"
    );
    // What Graph refuses, and what this emulator does not model.
    for (query, code) in [
        (vec![("$top", "1000")], "Request_UnsupportedQuery"),
        (vec![("$top", "0")], "Request_UnsupportedQuery"),
        (vec![("$select", "id,jobTitle")], "Request_BadRequest"),
        (
            vec![("$filter", "startswith(displayName,'A')")],
            "Request_UnsupportedQuery",
        ),
        (vec![("$skiptoken", "not-a-token")], "Request_BadRequest"),
    ] {
        let (status, got, body) = error_code(get(with_query(list.clone(), &query)).await).await;
        assert_eq!(
            (status, got.as_str()),
            (StatusCode::BAD_REQUEST, code),
            "{query:?}: {body}"
        );
    }
}

#[tokio::test]
async fn sized_photos_are_served_at_graphs_sizes_only() {
    let emu = start(config());
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let get = |user: &str, size: &str| {
        let url = format!(
            "{}/v1.0/users/{user}/photos/{size}/$value",
            emu.graph_endpoint()
        );
        let (client, token) = (client.clone(), token.clone());
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    // No photo yet: ImageNotFound, as for /photo/$value.
    let r = get(ADELE, "96x96").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let rgb: Vec<u8> = (0..200 * 150 * 3).map(|i| (i % 251) as u8).collect();
    let photo =
        userphoto::photo::encode_jpeg(200, 150, &rgb, 90, userphoto::photo::EncoderMode::Fast)
            .unwrap();
    emu.set_photo(ADELE, Some(photo));
    let r = get(ADELE, "96x96").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.unwrap();
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (96, 96));
    // 120 fits in 200 x 150; 240 is larger than the photo: unavailable. Not one of Graph's
    // sizes: refused.
    assert_eq!(get(ADELE, "120x120").await.status(), StatusCode::OK);
    assert_eq!(get(ADELE, "240x240").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        get(ADELE, "100x100").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(get(ADELE, "96x48").await.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_503_inside_a_batch_carries_retry_after_when_configured() {
    let mut cfg = config();
    cfg.faults = Faults {
        seed: 5,
        p_503: 0.4,
        retry_after_on_503: true,
        ..Faults::default()
    };
    let emu = start(cfg);
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let requests: Vec<Value> = (0..20)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{ADELE}/photo")}))
        .collect();
    let mut seen = 0;
    for _ in 0..20 {
        let r = client
            .post(format!("{}/v1.0/$batch", emu.graph_endpoint()))
            .bearer_auth(&token)
            .json(&json!({ "requests": requests }))
            .send()
            .await
            .unwrap();
        if r.status() != StatusCode::OK {
            continue; // the envelope itself drew the fault
        }
        let v: Value = r.json().await.unwrap();
        for e in v["responses"].as_array().unwrap() {
            if e["status"] == 503 {
                seen += 1;
                assert_eq!(e["headers"]["Retry-After"], "1", "{e}");
            }
        }
    }
    assert!(seen > 0, "no 503 was drawn inside a batch");
}

#[tokio::test]
async fn a_batch_answers_each_request_by_id() {
    let emu = start(config());
    emu.set_photo(ADELE, Some(jpeg()));
    let client = Client::new();
    let token = secret_token(&client, &emu).await;
    let batch = format!("{}/v1.0/$batch", emu.graph_endpoint());
    let post = |body: Value| {
        let (client, token, batch) = (client.clone(), token.clone(), batch.clone());
        async move {
            client
                .post(batch)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(json!({"requests": [
        {"id": "meta", "method": "GET", "url": format!("/users/{ADELE}/photo")},
        {"id": "bytes", "method": "GET", "url": format!("/users/{ADELE}/photo/$value")},
        {"id": "none", "method": "GET", "url": format!("/users/{OBRIEN}/photo")},
        {"id": "nobody", "method": "GET", "url": "/users/nobody@contoso.com/photo"},
        {"id": "write", "method": "DELETE", "url": format!("/users/{ADELE}/photo")},
    ]}))
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("no answer {id}: {v}"))
            .clone()
    };
    assert_eq!(
        v["responses"][0]["id"], "write",
        "answers come back in another order"
    );
    let meta = by_id("meta");
    assert_eq!(
        (meta["status"].as_u64(), meta["body"]["width"].as_u64()),
        (Some(200), Some(64))
    );
    let bytes = by_id("bytes");
    assert_eq!(bytes["headers"]["Content-Type"], "image/jpeg");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(bytes["body"].as_str().unwrap())
        .unwrap();
    assert_eq!(decoded, jpeg(), "binary bodies are base64");
    assert_eq!(by_id("none")["status"], 404);
    assert_eq!(
        by_id("nobody")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id("write")["status"], 400);
    assert!(emu.photo(ADELE).is_some(), "no write inside a batch");
    // More than 20 is refused whole.
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{ADELE}/photo")}))
        .collect();
    let (status, _, body) = error_code(post(json!({ "requests": many })).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let stats = emu.stats();
    assert_eq!((stats.batches, stats.batched_requests), (1, 5));
}
