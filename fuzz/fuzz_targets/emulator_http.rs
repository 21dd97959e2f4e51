//! The Graph emulator's HTTP handling, without a socket: the input is what a client sends on
//! one connection (one or more HTTP/1.1 requests), served by a fresh emulator with a tenant,
//! an app, three users and managed identity. `$TOKEN` in the input becomes a valid access
//! token, so the photo endpoints behind the bearer check are reached too.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use userphoto::emulator::{serve_raw, EmulatorConfig};

fn config() -> &'static EmulatorConfig {
    static C: OnceLock<EmulatorConfig> = OnceLock::new();
    C.get_or_init(|| {
        serde_json::from_str(
            r#"{"tenant": "contoso.onmicrosoft.com",
                "tenant_id": "aaaabbbb-0000-cccc-1111-dddd2222eeee",
                "apps": [{"client_id": "11111111-2222-3333-4444-555555555555",
                          "client_secret": "fuzz-client-secret"}],
                "users": [
                  {"id": "0f6a1c2e-0000-4000-8000-000000000001", "userPrincipalName": "adele.vance@contoso.com"},
                  {"id": "0f6a1c2e-0000-4000-8000-000000000002", "userPrincipalName": "o'brien@contoso.com"},
                  {"id": "0f6a1c2e-0000-4000-8000-000000000003", "userPrincipalName": "zoë.müller@contoso.com",
                   "mail": "zoe@contoso.com"}],
                "managed_identity": {"identity_header": "fuzz-identity-header",
                                     "client_id": "66666666-7777-8888-9999-000000000000"},
                "max_photo_bytes": 65536}"#,
        )
        .expect("the fuzz emulator config")
    })
}

fuzz_target!(|data: &[u8]| {
    let out = serve_raw(config(), data).expect("the emulator starts");
    // Whatever came in, what goes out is HTTP responses (or nothing, for a dropped connection).
    if !out.is_empty() {
        assert!(
            out.starts_with(b"HTTP/1.1 ") || out.starts_with(b"HTTP/1.0 "),
            "{:?}",
            String::from_utf8_lossy(&out[..out.len().min(80)])
        );
    }
});
