//! The Pro gate on the conversion route, and how a licence refusal reaches the client: the
//! HTTP side of `licensing`, which itself knows nothing of requests.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use licence::Feature;

use crate::licensing::{self, Licensing, Refusal};
use crate::problem::Problem;

impl From<Refusal> for Problem {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Missing => Problem::new(
                StatusCode::UNAUTHORIZED,
                "licence_required",
                "Licence required",
                "this server converts for Pro licences: send the licence token as Authorization: Bearer <token>",
            ),
            Refusal::Invalid(error) => Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_licence",
                "Invalid licence",
                error.to_string(),
            ),
            Refusal::Expired => Problem::new(
                StatusCode::FORBIDDEN,
                "licence_expired",
                "Licence expired",
                "this licence has expired; renew Pro to keep converting on the server",
            ),
            Refusal::Revoked => Problem::new(
                StatusCode::FORBIDDEN,
                "licence_revoked",
                "Licence revoked",
                "this licence was revoked (its payment was refunded or disputed, or its subscription ended)",
            ),
            Refusal::MissingFeature => Problem::new(
                StatusCode::FORBIDDEN,
                "licence_missing_feature",
                "Feature not in licence",
                "this licence does not include server conversion or the API",
            ),
        }
    }
}

/// The problem, with the `WWW-Authenticate` challenge of RFC 6750 when no valid token came.
impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let challenge = match &self {
            Self::Missing => Some("Bearer"),
            Self::Invalid(_) => Some("Bearer error=\"invalid_token\""),
            _ => None,
        };
        let mut response = Problem::from(self).into_response();
        if let Some(challenge) = challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

/// The bearer token of a request's `Authorization` header, if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(licensing::bearer)
}

/// Middleware for the conversion route: when payments are configured, a request needs a Pro
/// licence with server conversion (`fallback`) or the API (`api`); otherwise it passes.
pub async fn require_pro(
    State(licensing): State<Option<Arc<Licensing>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(licensing) = licensing else {
        return next.run(request).await;
    };
    let Some(token) = bearer_token(request.headers()) else {
        return Refusal::Missing.into_response();
    };
    match licensing.check(token, licensing::now(), &[Feature::Fallback, Feature::Api]) {
        Ok(_) => next.run(request).await,
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use licence::LicenceError;

    #[test]
    fn refusals_are_the_contract_problems() {
        for (refusal, status, code) in [
            (Refusal::Missing, 401, "licence_required"),
            (
                Refusal::Invalid(LicenceError::Malformed),
                401,
                "invalid_licence",
            ),
            (Refusal::Expired, 403, "licence_expired"),
            (Refusal::Revoked, 403, "licence_revoked"),
            (Refusal::MissingFeature, 403, "licence_missing_feature"),
        ] {
            let problem = Problem::from(refusal.clone());
            assert_eq!(problem.status().as_u16(), status);
            assert_eq!(problem.code(), code);
            let response = refusal.into_response();
            assert_eq!(
                response.headers().contains_key(WWW_AUTHENTICATE),
                status == 401
            );
        }
    }
}
