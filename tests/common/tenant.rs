//! The Graph emulator as the tests set it up: one tenant, one app, numbered users.

use userphoto::emulator::{AppRegistration, EmulatedUser, Emulator, EmulatorConfig};
use userphoto::graph::{Credential, GraphClient, GraphConfig, RetryPolicy};
use userphoto::Secret;

/// The tenant and the app of the emulated tenants.
pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const APP: &str = "11111111-2222-3333-4444-555555555555";

/// Users with these UPNs, ids `00000000-0000-4000-8000-<index>`.
pub fn numbered_users<S: Into<String>>(upns: impl IntoIterator<Item = S>) -> Vec<EmulatedUser> {
    upns.into_iter()
        .enumerate()
        .map(|(i, upn)| EmulatedUser {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            user_principal_name: upn.into(),
            ..Default::default()
        })
        .collect()
}

/// A tenant where the app [`APP`] signs in with `secret`, with `users`; the rest of the
/// fields are the emulator's defaults, for the caller to change.
pub fn emulator_config(secret: &str, users: Vec<EmulatedUser>) -> EmulatorConfig {
    EmulatorConfig {
        tenant: TENANT.into(),
        apps: vec![AppRegistration {
            client_id: APP.into(),
            client_secret: Some(secret.into()),
            certificate_pem: None,
        }],
        users,
        ..Default::default()
    }
}

pub fn start_emulator(config: EmulatorConfig) -> Emulator {
    Emulator::start(config).expect("the emulator starts")
}

/// The app's client secret as a credential.
pub fn secret_credential(secret: &str) -> Credential {
    Credential::Secret {
        secret: Secret::new(secret),
    }
}

/// The connection to an emulated tenant as [`APP`], with short retries (tests wait less) and
/// the emulator's CA when it serves HTTPS.
pub fn graph_config(emu: &Emulator, credential: Credential) -> GraphConfig {
    GraphConfig {
        tenant: Some(TENANT.into()),
        client_id: Some(APP.into()),
        credential,
        environment: Default::default(),
        authority: Some(emu.authority()),
        graph_endpoint: Some(emu.graph_endpoint()),
        max_concurrency: 4,
        retry: RetryPolicy {
            base_delay_ms: 20,
            max_delay_ms: 1000,
            ..Default::default()
        },
        timeout_secs: 10,
        extra_ca_pem: emu.ca_pem(),
    }
}

pub fn graph_client(emu: &Emulator, secret: &str) -> GraphClient {
    GraphClient::new(graph_config(emu, secret_credential(secret))).expect("the client is made")
}

/// The same connection as JSON (the C ABI's connection JSON and the CLI's --config).
pub fn connection_json(emu: &Emulator, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "tenant": TENANT, "client_id": APP,
        "credential": {"type": "secret", "secret": secret},
        "authority": emu.authority(), "graph_endpoint": emu.graph_endpoint(),
        "extra_ca_pem": emu.ca_pem(),
        "retry": {"base_delay_ms": 20, "max_delay_ms": 1000},
        "timeout_secs": 10,
    })
}
