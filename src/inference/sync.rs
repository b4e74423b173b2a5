//! Synchronous inference: validate, take a slot, bind, infer on the caller's thread, respond.

use super::bind::{Occupied, bind, collect};
use super::dispatcher::Blocking;
use super::request::Request;
use super::response::Response;
use super::validate::validate;
use crate::model::ServableManager;
use crate::status::{Error, Result, StatusCode};
use std::time::Instant;

/// Runs `request` to completion. The slot is restored and returned on every path (`Occupied`).
pub fn infer(manager: &ServableManager, request: &Request) -> Result<Response> {
    // A disabled level costs this one check per request.
    let started = log::log_enabled!(log::Level::Debug).then(Instant::now);
    let servable = manager.servable(request.servable_name()?, request.servable_version)?;
    let loaded = servable.loaded();
    let plan = validate(request, &loaded.inputs, &loaded.outputs)?;
    let _flight = request.begin_flight()?;
    let mut occupied = Occupied::new(loaded.pool.acquire(Blocking::enter));
    let acquired = started.map(|_| Instant::now());
    bind(&mut occupied, &plan, loaded)?;
    occupied
        .parts()
        .request
        .infer()
        .map_err(|e| Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string()))?;
    let response = collect(&mut occupied, &plan, loaded);
    if let (Some(started), Some(acquired)) = (started, acquired) {
        let version = servable.version();
        log::debug!(
            "[servable name: {} version: {}] sync inference: waited {} us for an infer request, ran {} us",
            version.model_name,
            version.version,
            (acquired - started).as_micros(),
            acquired.elapsed().as_micros()
        );
    }
    response
}
