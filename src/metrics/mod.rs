//! Prometheus metrics with OVMS's names, labels and buckets (placeholder: the API the front
//! ends and the C API call; it counts nothing yet).

/// Which interface a request came through (the `interface` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interface {
    /// The in-process C API (counted by us; OVMS does not count it).
    CApi,
    Grpc,
    Rest,
}

/// The KServe method a request called (the `method` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    ModelInfer,
    ModelMetadata,
    ModelReady,
}

/// Counts one finished request of `method` on `name` (`version` once it is known) through
/// `interface`, as a success or a failure.
pub fn count_request(
    _interface: Interface,
    _method: Method,
    _name: &str,
    _version: Option<i64>,
    _ok: bool,
) {
}

/// The text `/metrics` serves (Prometheus text format 0.0.4), or `None` when metrics are not
/// enabled.
pub fn render() -> Option<String> {
    None
}
