//! `PUT/DELETE /v1/test/clock`: only when the server runs with `FIELDBOOK_TEST_CLOCK=1`, so
//! black-box tests can walk through deadlines. Not part of the published contract.

use crate::http::errors::ApiError;
use crate::http::extract::JsonBody;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

#[derive(Debug, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct SetClock {
    pub now: DateTime<Utc>,
}

#[derive(Serialize)]
struct ClockState {
    now: DateTime<Utc>,
    pinned: bool,
}

pub async fn set_clock(state: web::Data<AppState>, body: JsonBody<SetClock>) -> Result<HttpResponse, ApiError> {
    state.clock.pin(Some(body.now));
    Ok(HttpResponse::Ok().json(ClockState {
        now: state.clock.now(),
        pinned: true,
    }))
}

pub async fn reset_clock(state: web::Data<AppState>) -> HttpResponse {
    state.clock.pin(None);
    HttpResponse::Ok().json(ClockState {
        now: state.clock.now(),
        pinned: false,
    })
}
