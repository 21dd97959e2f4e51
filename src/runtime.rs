//! The library's tokio runtime: created on first use, shared by the network clients, bulk
//! jobs and the blocking doors (CLI, C ABI).

use std::sync::OnceLock;

/// The library's runtime. Blocking callers use `runtime().block_on(...)`; never from inside
/// an async task.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("userphoto")
            .enable_all()
            .build()
            .expect("the tokio runtime starts")
    })
}
