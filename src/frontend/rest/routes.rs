//! Which route a request's method and path name, with OVMS's answers for the rest: `..` in the
//! path is `PATH_INVALID` (checked first), a method other than GET, POST and OPTIONS or a known
//! path with the other method is `REST_UNSUPPORTED_METHOD`, anything else `REST_INVALID_URL`.
//! Paths are matched as OVMS's patterns match them (OVMS's `parseRequestComponents`): a version
//! is digits only, so `/versions/abc` is an unknown path; the query string is not part of it.

use crate::status::{Error, Result, StatusCode};

/// A model named in a path: its URL-decoded name and the version, if the path gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPath {
    /// `None` when the decoded name is not UTF-8 (it names no model).
    pub name: Option<String>,
    /// The raw (still encoded) name, for messages.
    pub raw_name: String,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    ServerLive,
    ServerReady,
    ServerMetadata,
    ModelMetadata(ModelPath),
    ModelReady(ModelPath),
    ModelInfer(ModelPath),
    /// Ours: Triton's model configuration, which perf_analyzer's HTTP mode needs.
    ModelConfig(ModelPath),
    Metrics,
    ConfigStatus,
    ConfigReload,
    /// OPTIONS on any path: an empty 200, as OVMS.
    Options,
    /// POST under `/v1/` or `/v3/`: OVMS's OpenAI-style API, which this server does not serve.
    OpenAi,
}

/// What follows `/v2/models/{name}[/versions/{v}]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModelTail {
    Metadata,
    Ready,
    Infer,
    Config,
}

/// OVMS's check for a path that climbs out with `..`.
fn escapes(path: &str) -> bool {
    let climbs = |sep: char| {
        let up_then = format!("..{sep}");
        let then_up = format!("{sep}..");
        let between = format!("{sep}..{sep}");
        path.starts_with(&up_then) || path.ends_with(&then_up) || path.contains(&between)
    };
    climbs('/') || climbs('\\')
}

/// OVMS's URL decoding: `%XY` with two hex digits is a byte, anything else stays as it is.
fn url_decode(encoded: &str) -> Vec<u8> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            decoded.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    decoded
}

/// `/v2/models/{name}[/versions/{digits}]{tail}` split into its parts; `None` when the path
/// has another form.
fn model_path(path: &str) -> Option<(&str, Option<&str>, ModelTail)> {
    let rest = path.strip_prefix("/v2/models/")?;
    let (name, mut rest) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if name.is_empty() {
        return None;
    }
    let mut version = None;
    if let Some(after) = rest.strip_prefix("/versions/") {
        let digits = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        if digits == 0 {
            return None;
        }
        version = Some(&after[..digits]);
        rest = &after[digits..];
    }
    let tail = match rest {
        "" | "/" => ModelTail::Metadata,
        "/ready" => ModelTail::Ready,
        "/infer" => ModelTail::Infer,
        "/config" => ModelTail::Config,
        _ => return None,
    };
    Some((name, version, tail))
}

/// The version digits as a number: too large for i64 is `MODEL_VERSION_MISSING`, as in OVMS.
fn parse_version(digits: Option<&str>) -> Result<Option<i64>> {
    digits
        .map(|d| {
            d.parse::<i64>()
                .map_err(|_| Error::new(StatusCode::MODEL_VERSION_MISSING))
        })
        .transpose()
}

fn model(name: &str, version: Option<&str>) -> Result<ModelPath> {
    Ok(ModelPath {
        name: String::from_utf8(url_decode(name)).ok(),
        raw_name: name.to_string(),
        version: parse_version(version)?,
    })
}

/// OVMS's config and metrics patterns allow one character before the path proper.
fn is_at_most_one_char_then(path: &str, route: &str) -> bool {
    path.strip_suffix(route)
        .is_some_and(|prefix| prefix.chars().count() <= 1)
}

fn is_config_status(path: &str) -> bool {
    is_at_most_one_char_then(path, "/v1/config")
}

fn is_config_reload(path: &str) -> bool {
    is_at_most_one_char_then(path, "/v1/config/reload")
}

fn is_metrics(path: &str) -> bool {
    is_at_most_one_char_then(path, "/metrics")
}

/// Paths that only GET serves (POST on them is `REST_UNSUPPORTED_METHOD`).
fn is_get_only(path: &str) -> bool {
    matches!(path, "/v2/health/live" | "/v2/health/ready" | "/v2")
        || is_config_status(path)
        || is_metrics(path)
        || model_path(path).is_some_and(|(_, _, tail)| tail != ModelTail::Infer)
}

/// The route for `method` on `path` (without the query string), or OVMS's error for it.
pub fn route(method: &str, path: &str) -> Result<Route> {
    // OVMS's answers here carry no details.
    if escapes(path) {
        return Err(Error::new(StatusCode::PATH_INVALID));
    }
    let unsupported = || Error::new(StatusCode::REST_UNSUPPORTED_METHOD);
    let invalid = || Error::new(StatusCode::REST_INVALID_URL);
    match method {
        "OPTIONS" => Ok(Route::Options),
        "POST" => {
            if let Some((name, version, ModelTail::Infer)) = model_path(path) {
                return Ok(Route::ModelInfer(model(name, version)?));
            }
            if is_config_reload(path) {
                return Ok(Route::ConfigReload);
            }
            if is_get_only(path) {
                return Err(unsupported());
            }
            if path.starts_with("/v1/") || path.starts_with("/v3/") {
                return Ok(Route::OpenAi);
            }
            Err(invalid())
        }
        "GET" => {
            if is_config_status(path) {
                return Ok(Route::ConfigStatus);
            }
            match path {
                "/v2/health/live" => return Ok(Route::ServerLive),
                "/v2/health/ready" => return Ok(Route::ServerReady),
                "/v2" => return Ok(Route::ServerMetadata),
                _ => {}
            }
            if let Some((name, version, tail)) = model_path(path) {
                let model = model(name, version)?;
                return Ok(match tail {
                    ModelTail::Metadata => Route::ModelMetadata(model),
                    ModelTail::Ready => Route::ModelReady(model),
                    ModelTail::Config => Route::ModelConfig(model),
                    ModelTail::Infer => return Err(unsupported()),
                });
            }
            if is_metrics(path) {
                return Ok(Route::Metrics);
            }
            if is_config_reload(path) {
                return Err(unsupported());
            }
            Err(invalid())
        }
        _ => Err(unsupported()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(method: &str, path: &str) -> StatusCode {
        route(method, path).map_or_else(|e| e.code, |_| StatusCode::OK)
    }

    fn model_ref(name: &str, version: Option<i64>) -> ModelPath {
        ModelPath {
            name: Some(name.to_string()),
            raw_name: name.to_string(),
            version,
        }
    }

    #[test]
    fn ovms_routes() {
        assert_eq!(route("GET", "/v2/health/live"), Ok(Route::ServerLive));
        assert_eq!(route("GET", "/v2/health/ready"), Ok(Route::ServerReady));
        assert_eq!(route("GET", "/v2"), Ok(Route::ServerMetadata));
        assert_eq!(route("GET", "/metrics"), Ok(Route::Metrics));
        assert_eq!(route("GET", "/v1/config"), Ok(Route::ConfigStatus));
        assert_eq!(route("POST", "/v1/config/reload"), Ok(Route::ConfigReload));
        assert_eq!(route("OPTIONS", "/anything"), Ok(Route::Options));
        assert_eq!(
            route("GET", "/v2/models/dummy"),
            Ok(Route::ModelMetadata(model_ref("dummy", None)))
        );
        assert_eq!(
            route("GET", "/v2/models/dummy/"),
            Ok(Route::ModelMetadata(model_ref("dummy", None)))
        );
        assert_eq!(
            route("GET", "/v2/models/dummy/versions/007"),
            Ok(Route::ModelMetadata(model_ref("dummy", Some(7))))
        );
        assert_eq!(
            route("GET", "/v2/models/dummy/versions/2/ready"),
            Ok(Route::ModelReady(model_ref("dummy", Some(2))))
        );
        assert_eq!(
            route("POST", "/v2/models/dummy/infer"),
            Ok(Route::ModelInfer(model_ref("dummy", None)))
        );
        assert_eq!(
            route("POST", "/v2/models/dummy/versions/0/infer"),
            Ok(Route::ModelInfer(model_ref("dummy", Some(0))))
        );
        assert_eq!(
            route("GET", "/v2/models/dummy/config"),
            Ok(Route::ModelConfig(model_ref("dummy", None)))
        );
        // A model may be called "versions"; the first segment is always the name.
        assert_eq!(
            route("GET", "/v2/models/versions/versions/1"),
            Ok(Route::ModelMetadata(model_ref("versions", Some(1))))
        );
        assert_eq!(
            route("GET", "/v2/models/my%2Fmodel%zz/ready"),
            Ok(Route::ModelReady(ModelPath {
                name: Some("my/model%zz".into()),
                raw_name: "my%2Fmodel%zz".into(),
                version: None
            }))
        );
        let not_utf8 = route("GET", "/v2/models/a%FF").unwrap();
        assert!(matches!(
            not_utf8,
            Route::ModelMetadata(ModelPath { name: None, .. })
        ));
        assert_eq!(route("POST", "/v3/chat/completions"), Ok(Route::OpenAi));
    }

    #[test]
    fn ovms_errors() {
        use StatusCode::*;
        let cases = [
            ("PUT", "/v2/health/live", REST_UNSUPPORTED_METHOD),
            ("DELETE", "/v2/models/dummy", REST_UNSUPPORTED_METHOD),
            ("HEAD", "/v2", REST_UNSUPPORTED_METHOD),
            ("POST", "/v2/health/ready", REST_UNSUPPORTED_METHOD),
            ("POST", "/v2/models/dummy", REST_UNSUPPORTED_METHOD),
            ("POST", "/v2/models/dummy/ready", REST_UNSUPPORTED_METHOD),
            ("POST", "/metrics", REST_UNSUPPORTED_METHOD),
            ("POST", "/v1/config", REST_UNSUPPORTED_METHOD),
            ("GET", "/v2/models/dummy/infer", REST_UNSUPPORTED_METHOD),
            ("GET", "/v1/config/reload", REST_UNSUPPORTED_METHOD),
            ("GET", "/v2/models/dummy/versions/abc", REST_INVALID_URL),
            (
                "POST",
                "/v2/models/dummy/versions/abc/infer",
                REST_INVALID_URL,
            ),
            (
                "POST",
                "/v2/models/dummy/versions/-1/infer",
                REST_INVALID_URL,
            ),
            ("GET", "/v2/models/dummy/versions/", REST_INVALID_URL),
            ("GET", "/v2/models/dummy/ready/", REST_INVALID_URL),
            ("GET", "/v2/models/", REST_INVALID_URL),
            ("GET", "/v2/nothing", REST_INVALID_URL),
            ("GET", "/", REST_INVALID_URL),
            ("POST", "/v2/unknown", REST_INVALID_URL),
            (
                "GET",
                "/v2/models/dummy/versions/99999999999999999999",
                MODEL_VERSION_MISSING,
            ),
            (
                "POST",
                "/v2/models/dummy/versions/99999999999999999999/infer",
                MODEL_VERSION_MISSING,
            ),
            ("GET", "/v2/models/../etc", PATH_INVALID),
            ("GET", "../v2", PATH_INVALID),
            ("GET", "/v2/models/dummy/..", PATH_INVALID),
            // PATH_INVALID comes before the method check.
            ("PUT", "/v2/../x", PATH_INVALID),
            // `..` inside a name climbs nowhere.
            ("GET", "/v2/models/a..b", OK),
        ];
        for (method, path, expected) in cases {
            assert_eq!(code(method, path), expected, "{method} {path}");
        }
        // The one-character prefix OVMS's config and metrics patterns allow, and no more.
        assert_eq!(route("GET", "//v1/config"), Ok(Route::ConfigStatus));
        assert_eq!(code("GET", "/x/v1/config"), REST_INVALID_URL);
    }
}
