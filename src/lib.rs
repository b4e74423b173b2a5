//! `libovms_shared`: a drop-in replacement for OpenVINO Model Server's in-process C API
//! (`ovms.h` 1.3) on OpenVINO. docs/architecture.md describes the parts and their invariants
//! (and the module docs each part), docs/c-api.md the C API's differences from OVMS and the
//! status codes, docs/reload.md the reload cycle, docs/frontends.md the gRPC and REST front
//! ends and the metrics.

#![warn(clippy::undocumented_unsafe_blocks)]

pub mod capi;
pub mod config;
pub mod datatype;
pub mod fault;
pub mod frontend;
pub mod inference;
pub mod metrics;
pub mod model;
pub mod ov;
pub mod pipeline;
pub mod pool;
pub mod server;
pub mod status;
pub mod watcher;
