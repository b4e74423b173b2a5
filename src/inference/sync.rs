//! Synchronous inference: validate, take a slot, bind, infer on the caller's thread, respond.

use super::bind::{Occupied, bind, collect};
use super::dispatcher::Blocking;
use super::request::Request;
use super::response::Response;
use super::validate::validate;
use crate::metrics::Interface;
use crate::model::{Servable, ServableManager};
use crate::pool::SlotGuard;
use crate::status::{Error, Result, StatusCode};
use std::time::Instant;

/// Runs `request`, which came through `interface`, to completion. The slot is restored and
/// returned on every path (`Occupied`).
pub fn infer(
    manager: &ServableManager,
    request: &Request,
    interface: Interface,
) -> Result<Response> {
    let servable = manager.servable(request.servable_name()?, request.servable_version())?;
    run(&servable, request, interface, None)
}

/// As `infer` on `servable`, the version `request` names, looked up by the caller.
pub fn infer_on(servable: &Servable, request: &Request, interface: Interface) -> Result<Response> {
    run(servable, request, interface, None)
}

/// As `infer` on `servable` (the version `request` names, looked up by the caller), but only
/// if one of its slots is idle now, for a caller that must not wait for one: `None` if none is
/// (and nothing was done or counted).
pub fn try_infer(
    servable: &Servable,
    request: &Request,
    interface: Interface,
) -> Option<Result<Response>> {
    let slot = servable.loaded().pool.try_acquire()?;
    Some(run(servable, request, interface, Some(slot)))
}

/// Runs `request` on `servable`, on `slot` if one was taken already, else on the next free one.
fn run(
    servable: &Servable,
    request: &Request,
    interface: Interface,
    slot: Option<SlotGuard>,
) -> Result<Response> {
    // A disabled level costs this one check per request.
    let started = log::log_enabled!(log::Level::Debug).then(Instant::now);
    let loaded = servable.loaded();
    // Metrics off: `None`, and each hook below is one branch. Dropped on an early return, it
    // counts the failure.
    let mut meter = servable
        .version()
        .metrics
        .as_ref()
        .map(|m| m.meter(interface));
    let plan = request.plan_for(servable, || {
        validate(request, &loaded.inputs, &loaded.outputs)
    })?;
    let _flight = request.begin_borrowed_flight()?;
    if let Some(meter) = &mut meter {
        meter.waiting();
    }
    let slot = slot.unwrap_or_else(|| loaded.pool.acquire(Blocking::enter));
    let mut occupied = Occupied::new(slot);
    if let Some(meter) = &mut meter {
        meter.acquired();
    }
    let acquired = started.map(|_| Instant::now());
    bind(&mut occupied, &plan, loaded)?;
    if let Some(meter) = &mut meter {
        meter.inferring();
    }
    let parts = occupied.parts();
    let began = parts.time_this_sync_run().then(Instant::now);
    let inferred = parts.request.infer();
    if let Some(began) = began {
        loaded.inference_time.record_sync(began.elapsed());
    }
    inferred.map_err(|e| Error::with(StatusCode::OV_INTERNAL_INFERENCE_ERROR, e.to_string()))?;
    if let Some(meter) = &mut meter {
        meter.inferred();
    }
    let response = collect(&mut occupied, &plan, loaded);
    if let Some(meter) = meter {
        meter.finish(response.is_ok());
    }
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
