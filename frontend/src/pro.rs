//! mpp2xml Pro in the app, in plain Rust: the licence built-in key, what a stored licence is
//! worth (checked offline, on every start), the gates, the return from the payment page, and
//! the sentences for all of it.
//!
//! The browser side (`account.rs`, `bridge.rs`) stores and fetches; every decision is here so
//! it is tested on the host. The HTTP contract is the backend's (`/api/v1/checkout`,
//! `/api/v1/license`, the `licence_*` problems of `/api/v1/convert`).

use crate::format;
use crate::i18n::{Texts, fill};
use licence::{Claims, Feature, LicenceError, VerifyingKey};

/// The licence public key, built in by `cargo xtask dist` (from `mpp2xml-server
/// --print-licence-public-key`). Without one the app has no Pro interface at all: it could not
/// tell a real licence from a forged one.
const PUBLIC_KEY: Option<&str> = option_env!("MPP2XML_LICENCE_PUBLIC_KEY");

/// The built-in public key, when there is a usable one.
pub fn public_key() -> Option<VerifyingKey> {
    PUBLIC_KEY
        .filter(|k| !k.trim().is_empty())
        .and_then(|k| licence::public_key_from_text(k).ok())
}

/// How long the app waits for the payment confirmation (Stripe's webhook reaching the server)
/// after the payment page sends the user back.
pub const CONFIRM_WAIT_MS: f64 = 60_000.0;

/// The pause before asking again for the licence of a paid session that is not confirmed yet:
/// short at first (the webhook usually lands within a second or two), then every few seconds.
pub fn backoff_ms(attempt: u32) -> u32 {
    match attempt {
        0 => 500,
        1 => 1_000,
        2 => 2_000,
        _ => 3_000,
    }
}

/// Why this site's server refused the licence sent with a conversion (401/403 problems).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `licence_required`: no licence was sent.
    Required,
    /// `invalid_licence`: the server could not verify it.
    Invalid,
    /// `licence_expired`.
    Expired,
    /// `licence_revoked`: refunded or cancelled.
    Revoked,
    /// `licence_missing_feature`: the licence does not include this.
    MissingFeature,
}

impl Refusal {
    /// The refusal of a 401/403 answer and its problem `code`.
    pub fn from_answer(status: u16, code: &str) -> Self {
        match code {
            "licence_required" => Self::Required,
            "invalid_licence" => Self::Invalid,
            "licence_expired" => Self::Expired,
            "licence_revoked" => Self::Revoked,
            "licence_missing_feature" => Self::MissingFeature,
            _ if status == 401 => Self::Required,
            _ => Self::Invalid,
        }
    }

    /// The problem code, which is also what the app keeps beside a licence the server refused.
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "licence_required",
            Self::Invalid => "invalid_licence",
            Self::Expired => "licence_expired",
            Self::Revoked => "licence_revoked",
            Self::MissingFeature => "licence_missing_feature",
        }
    }

    /// Reads what [`Refusal::code`] gave.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Required,
            Self::Invalid,
            Self::Expired,
            Self::Revoked,
            Self::MissingFeature,
        ]
        .into_iter()
        .find(|r| r.code() == code.trim())
    }

    /// Whether the stored licence is marked as unusable: the server's word on revocation (and
    /// on an expiry or a signature the app's clock or key missed) outranks the offline check.
    pub fn marks_stored(self) -> bool {
        matches!(self, Self::Invalid | Self::Expired | Self::Revoked)
    }

    /// The file card's sentence for a conversion the server refused.
    pub fn sentence(self, t: &Texts) -> &'static str {
        match self {
            Self::Required => t.refused_required,
            Self::Invalid => t.refused_invalid,
            Self::Expired => t.refused_expired,
            Self::Revoked => t.refused_revoked,
            Self::MissingFeature => t.refused_feature,
        }
    }
}

/// What the stored licence is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// No licence on this device.
    None,
    /// A valid licence.
    Valid(Claims),
    /// A genuine licence past its expiry (its claims, shown, never trusted).
    Expired(Claims),
    /// Not a licence this app can verify (cut short, changed, another key).
    Invalid(LicenceError),
    /// The server refused it (revoked, expired or not verified there).
    Refused(Refusal, Option<Claims>),
}

impl Standing {
    /// Checks a stored `token` (and the server's refusal kept beside it) for this site
    /// (`audience`, its origin) at `now` (seconds since the Unix epoch).
    pub fn of(
        token: &str,
        refused: Option<Refusal>,
        key: &VerifyingKey,
        audience: &str,
        now: u64,
    ) -> Self {
        let checked = licence::verify(token, key, audience, now);
        match (checked, refused) {
            (Ok(claims), Some(r)) if r.marks_stored() => Self::Refused(r, Some(claims)),
            (Ok(claims), _) => Self::Valid(claims),
            (Err(LicenceError::Expired { .. }), _) => match licence::unverified_claims(token) {
                Some(claims) => Self::Expired(claims),
                None => Self::Invalid(LicenceError::Malformed),
            },
            (Err(err), _) => Self::Invalid(err),
        }
    }

    /// Whether the licence unlocks `feature`.
    pub fn allows(&self, feature: Feature) -> bool {
        matches!(self, Self::Valid(claims) if claims.allows(feature))
    }

    /// The `data-licence` value of the licence panel.
    pub fn code(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Valid(_) => "valid",
            Self::Expired(_) => "expired",
            Self::Invalid(_) => "invalid",
            Self::Refused(Refusal::Revoked, _) => "revoked",
            Self::Refused(..) => "refused",
        }
    }

    /// The licence panel's sentence about the stored licence.
    pub fn sentence(&self, t: &Texts) -> String {
        match self {
            Self::None => t.pro_free.to_string(),
            Self::Valid(c) => fill(
                t.pro_active,
                &[
                    ("plan", &plan_name(&c.plan)),
                    ("date", &unix_date(t, c.exp)),
                ],
            ),
            Self::Expired(c) => fill(
                t.pro_expired,
                &[
                    ("plan", &plan_name(&c.plan)),
                    ("date", &unix_date(t, c.exp)),
                ],
            ),
            Self::Invalid(err) => fill(t.pro_invalid, &[("reason", &token_error(t, err))]),
            Self::Refused(Refusal::Revoked, _) => t.pro_revoked.to_string(),
            Self::Refused(Refusal::Expired, _) => t.pro_refused_expired.to_string(),
            Self::Refused(..) => t.pro_refused_invalid.to_string(),
        }
    }
}

/// How close to its expiry a stored licence is renewed from the server: a subscription's
/// token lasts its paid period plus a few days, and its renewal (the next invoice paid) is
/// fetched in that margin.
pub const RENEW_WITHIN_SECS: u64 = 7 * 86_400;

/// Whether the app asks the server for the stored licence's current token at `now`: a genuine
/// licence of this site that expires soon or has expired (a subscription renewed since). A
/// licence the server refused is not asked for again.
pub fn wants_renewal(standing: &Standing, now: u64) -> bool {
    match standing {
        Standing::Valid(claims) => claims.exp.saturating_sub(now) < RENEW_WITHIN_SECS,
        Standing::Expired(_) => true,
        _ => false,
    }
}

/// Whether `renewed` (verified) is a renewal of `held`: the same licence, expiring later.
pub fn is_renewal(held: &Claims, renewed: &Claims) -> bool {
    renewed.lid == held.lid && renewed.exp > held.exp
}

/// A plan's name as shown: `pro` is "Pro".
pub fn plan_name(plan: &str) -> String {
    let mut chars = plan.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A date from seconds since the Unix epoch (UTC), worded as the interface's dates are.
pub fn unix_date(t: &Texts, seconds: u64) -> String {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format::date(t, &format!("{y:04}-{m:02}-{d:02}"))
}

/// Why a token was refused, in the interface's language.
pub fn token_error(t: &Texts, err: &LicenceError) -> String {
    match err {
        LicenceError::Malformed => t.token_malformed.to_string(),
        LicenceError::BadSignature => t.token_signature.to_string(),
        LicenceError::Expired { exp } => fill(t.token_expired, &[("date", &unix_date(t, *exp))]),
        LicenceError::BadKey => t.token_key.to_string(),
        LicenceError::WrongAudience { found, .. } if found.is_empty() => t.token_old.to_string(),
        LicenceError::WrongAudience { found, .. } => fill(t.token_audience, &[("site", found)]),
    }
}

/// A token pasted by the user: checked (for this site, `audience`) before it is stored.
/// Returns the claims, or the sentence saying why not.
pub fn check_pasted(
    t: &Texts,
    text: &str,
    key: &VerifyingKey,
    audience: &str,
    now: u64,
) -> Result<Claims, String> {
    let token = text.trim();
    if token.is_empty() {
        return Err(t.paste_empty.to_string());
    }
    licence::verify(token, key, audience, now).map_err(|err| token_error(t, &err))
}

/// This site's licence audience from the page's origin (`location.origin`): a licence bought
/// here names it, since the server's public URL is where the payment page sends the user back.
pub fn audience_of_origin(origin: &str) -> String {
    licence::audience(origin).unwrap_or_else(|| origin.trim().to_owned())
}

/// Why a file waits for Pro instead of converting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lock {
    /// It came with others at once: only the first of them converts on the free plan.
    Batch,
    /// It is above the browser limit (the value, in bytes): the server would convert it.
    Size(f64),
    /// The worker ran out of memory on it: the server would convert it.
    Memory,
}

impl Lock {
    /// The feature that would convert the file.
    pub fn feature(self) -> Feature {
        match self {
            Self::Batch => Feature::Batch,
            Self::Size(_) | Self::Memory => Feature::Fallback,
        }
    }

    /// The card's sentence.
    pub fn sentence(self, t: &Texts) -> String {
        match self {
            Self::Batch => t.locked_batch.to_string(),
            Self::Size(limit) => fill(t.locked_size, &[("limit", &format::size(t, limit))]),
            Self::Memory => t.locked_memory.to_string(),
        }
    }
}

/// How many of `count` files added at once convert now: all with `batch`, else the first.
pub fn admitted(count: usize, batch: bool) -> usize {
    if batch { count } else { count.min(1) }
}

/// Where the app was opened from, as far as payments go (`location.search`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Return {
    /// An ordinary visit.
    None,
    /// Back from a paid (or being paid) checkout session.
    Paid(String),
    /// Back from a cancelled checkout.
    Cancelled,
}

impl Return {
    /// Reads `?session_id=cs_…` or `?checkout=cancelled` from a query string.
    pub fn of(search: &str) -> Self {
        let mut cancelled = false;
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "session_id" if is_session_id(value) => return Self::Paid(value.to_string()),
                "checkout" if value == "cancelled" => cancelled = true,
                _ => {}
            }
        }
        if cancelled {
            Self::Cancelled
        } else {
            Self::None
        }
    }
}

/// A Stripe Checkout Session id as it comes back in the success URL: `cs_` and URL-safe
/// letters only, so it goes into the licence request's query as it is.
fn is_session_id(value: &str) -> bool {
    value.starts_with("cs_")
        && value.len() <= 255
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The query of `GET /api/v1/license` for a session.
pub fn licence_url(session: &str) -> String {
    format!("/api/v1/license?session_id={session}")
}

/// Why the payment page could not be opened, or the licence not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayFailure {
    /// No answer: offline, or the server is down.
    Unreachable,
    /// 503 `payments_not_configured`.
    NotConfigured,
    /// 502 `payment_provider`, or a reply without a URL.
    Provider,
    /// 429.
    RateLimited,
    /// A session id the server does not know (400, 404).
    UnknownSession,
    /// A licence the app could not verify came back (another key: the app is out of date).
    BadToken,
    /// The confirmation did not come within [`CONFIRM_WAIT_MS`].
    NotConfirmed,
    /// Anything else.
    Other,
}

impl PayFailure {
    /// The failure of an answer's status and problem `code`.
    pub fn from_answer(status: u16, code: &str) -> Self {
        match (status, code) {
            (0, _) => Self::Unreachable,
            (_, "payments_not_configured") => Self::NotConfigured,
            (_, "payment_provider") | (502, _) => Self::Provider,
            (429, _) | (_, "rate_limited") => Self::RateLimited,
            (400 | 404, _) => Self::UnknownSession,
            (503 | 504, "") => Self::Unreachable,
            _ => Self::Other,
        }
    }

    /// The licence panel's sentence.
    pub fn sentence(self, t: &Texts) -> &'static str {
        match self {
            Self::Unreachable => t.pay_unreachable,
            Self::NotConfigured => t.pay_not_configured,
            Self::Provider => t.pay_provider,
            Self::RateLimited => t.pay_rate_limited,
            Self::UnknownSession => t.pay_unknown_session,
            Self::BadToken => t.pay_bad_token,
            Self::NotConfirmed => t.pay_not_confirmed,
            Self::Other => t.pay_other,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::i18n::{EN, PT_BR};
    use licence::{PRO_FEATURES, SigningKey};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    fn claims(exp: u64) -> Claims {
        Claims {
            lid: "lic_1".into(),
            plan: "pro".into(),
            features: PRO_FEATURES.to_vec(),
            iat: 1_000,
            // 2027-03-14
            exp,
            aud: SITE.into(),
        }
    }

    const EXP: u64 = 1_805_000_000;
    const SITE: &str = "https://mpp2xml.example";

    #[test]
    fn a_licence_for_another_site_is_not_pro_here() {
        let vk = key().verifying_key();
        let staging = Claims {
            aud: "https://staging.mpp2xml.example".into(),
            ..claims(EXP)
        };
        let token = licence::sign(&staging, &key());
        let standing = Standing::of(&token, None, &vk, SITE, EXP - 10);
        assert!(
            matches!(
                standing,
                Standing::Invalid(LicenceError::WrongAudience { .. })
            ),
            "{standing:?}"
        );
        assert!(!standing.allows(Feature::Batch));
        assert_eq!(
            standing.sentence(&EN),
            "The licence stored on this device cannot be used: This licence was issued for \
             another site (https://staging.mpp2xml.example), so it cannot be used here. The Pro \
             features are off."
        );
        assert_eq!(
            check_pasted(&EN, &token, &vk, SITE, 5),
            Err(
                "This licence was issued for another site (https://staging.mpp2xml.example), so \
                 it cannot be used here."
                    .to_string()
            )
        );
        // A token from before audiences: refused, said so.
        let old = licence::sign(
            &Claims {
                aud: String::new(),
                ..claims(EXP)
            },
            &key(),
        );
        let pasted = check_pasted(&PT_BR, &old, &vk, SITE, 5).unwrap_err();
        assert!(pasted.contains("versão anterior"), "{pasted}");
        // The page's origin is this site's audience.
        assert_eq!(audience_of_origin("https://mpp2xml.example"), SITE);
        assert_eq!(
            audience_of_origin("http://127.0.0.1:8093"),
            "http://127.0.0.1:8093"
        );
    }

    #[test]
    fn a_stored_licence_is_checked_offline() {
        let vk = key().verifying_key();
        let token = licence::sign(&claims(EXP), &key());
        let valid = Standing::of(&token, None, &vk, SITE, EXP - 10);
        assert_eq!(valid, Standing::Valid(claims(EXP)));
        assert!(valid.allows(Feature::Batch));
        assert!(valid.allows(Feature::Fallback));
        assert_eq!(valid.code(), "valid");
        assert_eq!(
            valid.sentence(&EN),
            "Pro licence active on this device: plan Pro, valid until Mar 14, 2027."
        );
        assert!(valid.sentence(&PT_BR).contains("14 mar 2027"));

        let expired = Standing::of(&token, None, &vk, SITE, EXP);
        assert_eq!(expired, Standing::Expired(claims(EXP)));
        assert!(!expired.allows(Feature::Batch));
        assert!(expired.sentence(&EN).contains("expired on Mar 14, 2027"));

        let mut changed = token.clone().into_bytes();
        changed[5] = if changed[5] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        let invalid = Standing::of(&changed, None, &vk, SITE, EXP - 10);
        assert!(matches!(invalid, Standing::Invalid(_)), "{invalid:?}");
        assert!(!invalid.allows(Feature::Batch));
        assert!(
            invalid
                .sentence(&EN)
                .starts_with("The licence stored on this device cannot be used")
        );

        let other_key = SigningKey::from_bytes(&[3; 32]).verifying_key();
        assert_eq!(
            Standing::of(&token, None, &other_key, SITE, EXP - 10),
            Standing::Invalid(LicenceError::BadSignature)
        );
    }

    #[test]
    fn a_licence_near_or_past_its_expiry_is_renewed_from_the_server() {
        let vk = key().verifying_key();
        let token = licence::sign(&claims(EXP), &key());
        let valid = Standing::of(&token, None, &vk, SITE, EXP - 30 * 86_400);
        assert!(!wants_renewal(&valid, EXP - 30 * 86_400));
        let soon = Standing::of(&token, None, &vk, SITE, EXP - 86_400);
        assert!(wants_renewal(&soon, EXP - 86_400));
        let expired = Standing::of(&token, None, &vk, SITE, EXP + 1);
        assert!(wants_renewal(&expired, EXP + 1));
        let revoked = Standing::of(&token, Some(Refusal::Revoked), &vk, SITE, EXP - 86_400);
        assert!(!wants_renewal(&revoked, EXP - 86_400));
        assert!(!wants_renewal(&Standing::None, 0));
        assert!(is_renewal(&claims(EXP), &claims(EXP + 1)));
        assert!(!is_renewal(&claims(EXP), &claims(EXP)));
        let other = Claims {
            lid: "lic_2".into(),
            ..claims(EXP + 1)
        };
        assert!(!is_renewal(&claims(EXP), &other));
    }

    #[test]
    fn the_servers_refusal_outranks_the_offline_check() {
        let vk = key().verifying_key();
        let token = licence::sign(&claims(EXP), &key());
        let revoked = Standing::of(&token, Some(Refusal::Revoked), &vk, SITE, EXP - 10);
        assert_eq!(revoked.code(), "revoked");
        assert!(!revoked.allows(Feature::Fallback));
        assert!(revoked.sentence(&EN).contains("revoked"));
        // A refusal that says nothing about the licence itself does not mark it.
        let missing = Standing::of(&token, Some(Refusal::MissingFeature), &vk, SITE, EXP - 10);
        assert!(missing.allows(Feature::Batch));
        for r in [Refusal::Invalid, Refusal::Expired, Refusal::Revoked] {
            assert!(r.marks_stored());
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
        assert!(!Refusal::Required.marks_stored());
        assert_eq!(Refusal::from_code("nonsense"), None);
        assert_eq!(Refusal::from_answer(401, ""), Refusal::Required);
        assert_eq!(
            Refusal::from_answer(403, "licence_revoked"),
            Refusal::Revoked
        );
        assert_eq!(Refusal::from_answer(403, "other"), Refusal::Invalid);
    }

    #[test]
    fn pasted_tokens_are_verified_before_they_are_kept() {
        let vk = key().verifying_key();
        let token = licence::sign(&claims(EXP), &key());
        assert_eq!(
            check_pasted(&EN, &format!("  {token}\n"), &vk, SITE, 5),
            Ok(claims(EXP))
        );
        assert_eq!(
            check_pasted(&EN, "   ", &vk, SITE, 5),
            Err(EN.paste_empty.to_string())
        );
        let cut = token.get(..40).unwrap();
        assert_eq!(
            check_pasted(&EN, cut, &vk, SITE, 5),
            Err(EN.token_malformed.to_string())
        );
        let forged = format!("{}x", token.get(..token.len() - 1).unwrap());
        assert!(check_pasted(&PT_BR, &forged, &vk, SITE, 5).is_err());
        let expired = check_pasted(&EN, &token, &vk, SITE, EXP + 1).unwrap_err();
        assert_eq!(expired, "This licence expired on Mar 14, 2027.");
    }

    #[test]
    fn the_gates_admit_one_file_of_several_without_pro() {
        assert_eq!(admitted(3, false), 1);
        assert_eq!(admitted(1, false), 1);
        assert_eq!(admitted(0, false), 0);
        assert_eq!(admitted(3, true), 3);
        assert_eq!(Lock::Batch.feature(), Feature::Batch);
        assert_eq!(Lock::Memory.feature(), Feature::Fallback);
        assert!(
            Lock::Size(5.0 * 1024.0 * 1024.0)
                .sentence(&EN)
                .contains("larger than 5 MB")
        );
        assert_ne!(Lock::Batch.sentence(&EN), Lock::Batch.sentence(&PT_BR));
    }

    #[test]
    fn the_return_from_the_payment_page_is_read_from_the_query() {
        assert_eq!(
            Return::of("?session_id=cs_test_a1B2"),
            Return::Paid("cs_test_a1B2".into())
        );
        assert_eq!(
            Return::of("?x=1&session_id=cs_live_9"),
            Return::Paid("cs_live_9".into())
        );
        assert_eq!(Return::of("?checkout=cancelled"), Return::Cancelled);
        assert_eq!(Return::of(""), Return::None);
        assert_eq!(
            Return::of("?session_id={CHECKOUT_SESSION_ID}"),
            Return::None
        );
        assert_eq!(Return::of("?session_id=cs_a%26b"), Return::None);
        assert_eq!(Return::of("?session_id=pi_123"), Return::None);
        assert_eq!(
            licence_url("cs_test_1"),
            "/api/v1/license?session_id=cs_test_1"
        );
    }

    #[test]
    fn waiting_for_the_confirmation_backs_off_within_the_minute() {
        let mut waited = 0;
        let mut attempts = 0;
        while f64::from(waited) < CONFIRM_WAIT_MS {
            waited += backoff_ms(attempts);
            attempts += 1;
        }
        assert!(attempts >= 15, "{attempts} attempts in a minute");
        assert_eq!(backoff_ms(0), 500);
        assert_eq!(backoff_ms(100), 3_000);
    }

    #[test]
    fn payment_failures_read_as_sentences() {
        assert_eq!(PayFailure::from_answer(0, ""), PayFailure::Unreachable);
        assert_eq!(
            PayFailure::from_answer(503, "payments_not_configured"),
            PayFailure::NotConfigured
        );
        assert_eq!(PayFailure::from_answer(502, ""), PayFailure::Provider);
        assert_eq!(
            PayFailure::from_answer(429, "rate_limited"),
            PayFailure::RateLimited
        );
        assert_eq!(
            PayFailure::from_answer(400, "bad_request"),
            PayFailure::UnknownSession
        );
        assert_eq!(PayFailure::from_answer(500, "internal"), PayFailure::Other);
        for f in [
            PayFailure::Unreachable,
            PayFailure::NotConfigured,
            PayFailure::Provider,
            PayFailure::RateLimited,
            PayFailure::UnknownSession,
            PayFailure::BadToken,
            PayFailure::NotConfirmed,
            PayFailure::Other,
        ] {
            assert!(f.sentence(&EN).ends_with('.'), "{f:?}");
            assert_ne!(f.sentence(&EN), f.sentence(&PT_BR));
        }
    }

    #[test]
    fn dates_and_plan_names() {
        assert_eq!(unix_date(&EN, 0), "Jan 1, 1970");
        assert_eq!(unix_date(&PT_BR, 951_782_400), "29 fev 2000");
        assert_eq!(plan_name("pro"), "Pro");
        assert_eq!(plan_name(""), "");
    }
}
