//! `userphoto emulate`: the local Graph emulator, for tests and admins' dry runs.

use std::path::Path;
use std::process::ExitCode;

use userphoto::Error;

use crate::output::{fail, usage};

pub fn emulate(config: Option<&Path>, port: Option<u16>, https: bool) -> ExitCode {
    let mut cfg: userphoto::emulator::EmulatorConfig = match config {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(c) => c,
                Err(e) => return fail(&usage(format!("{}: {e}", p.display()))),
            },
            Err(source) => {
                return fail(&Error::Io {
                    path: p.display().to_string(),
                    source,
                })
            }
        },
        None => Default::default(),
    };
    if let Some(p) = port {
        cfg.port = p;
    }
    cfg.https |= https;
    match userphoto::emulator::run_forever(cfg) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
