//! `libovms_shared`: a drop-in replacement for OpenVINO Model Server's in-process C API
//! (`ovms.h` 1.3) on OpenVINO. The parts and their invariants are described in README.md and the module docs.

#![warn(clippy::undocumented_unsafe_blocks)]

pub mod capi;
pub mod config;
pub mod datatype;
pub mod fault;
pub mod inference;
pub mod model;
pub mod ov;
pub mod pool;
pub mod server;
pub mod status;
pub mod watcher;
