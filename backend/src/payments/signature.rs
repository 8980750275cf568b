//! Stripe's webhook signatures, checked here rather than by `async-stripe-webhook`: the check is
//! a few lines, and owning it means the rules below are ours and tested, not assumed.
//!
//! The `Stripe-Signature` header is `t=<unix time>,v1=<hex>[,v1=<hex>…][,v0=…]`. Each `v1` is
//! HMAC-SHA256, keyed by the endpoint's secret, of `<t>.<raw body>`; there are several while a
//! secret is being rolled. The event is accepted when any `v1` matches (compared in constant
//! time) and `t` is within [`TOLERANCE_SECS`] of now, in either direction: an old timestamp is
//! a replay, and one from the future could be replayed for longer than the tolerance.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed time may be from now, in seconds (Stripe's own libraries use 300).
pub const TOLERANCE_SECS: u64 = 300;
/// The longest header considered; a real one is about 150 bytes per signature.
const MAX_HEADER_LEN: usize = 4096;

/// Why a signature was refused. The messages are for the log and the 400 answer; none of them
/// says which part of a forged signature was close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header, or not text.
    #[error("the request has no Stripe-Signature header")]
    Missing,
    /// No timestamp or no `v1` signature in the header, or not of their form.
    #[error("the Stripe-Signature header is not of the form t=<time>,v1=<signature>")]
    Malformed,
    /// The timestamp is too far from now.
    #[error(
        "the Stripe-Signature timestamp is more than 5 minutes from now (a replay, or a wrong clock)"
    )]
    Stale,
    /// No `v1` signature matches the body under the secret.
    #[error("no Stripe-Signature signature matches the request body")]
    Mismatch,
}

/// Checks `header` (the `Stripe-Signature` value) for `body` under `secret` at `now` (seconds
/// since the Unix epoch).
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: u64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    if header.len() > MAX_HEADER_LEN {
        return Err(SignatureError::Malformed);
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            continue;
        };
        match name {
            "t" if timestamp.is_none() => {
                timestamp = Some(
                    value
                        .parse::<u64>()
                        .map_err(|_| SignatureError::Malformed)?,
                );
            }
            "t" => return Err(SignatureError::Malformed),
            // A signature that is not 32 bytes of hex cannot match: skip it, a good one may follow.
            "v1" => signatures.extend(hex::decode(value).ok().filter(|bytes| bytes.len() == 32)),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if timestamp.abs_diff(now) > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    let matched = signatures
        .iter()
        .any(|signature| expected.clone().verify_slice(signature).is_ok());
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `Stripe-Signature` header Stripe would send for `body` signed with `secret` at
/// `timestamp`: for tests and local tools that play Stripe.
#[cfg(test)]
pub fn sign(body: &[u8], secret: &str, timestamp: u64) -> String {
    let signature = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(signature))
}

/// The HMAC over `<timestamp>.<body>`, ready to finalize or verify (constant time).
fn mac(secret: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable_hmac());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// HMAC accepts keys of every length, so this is never called; it keeps `mac` free of a panic.
fn unreachable_hmac() -> Hmac<Sha256> {
    <Hmac<Sha256> as hmac::digest::KeyInit>::new(&Default::default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const NOW: u64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"checkout.session.completed"}"#;

    #[test]
    fn a_stripe_signature_verifies() {
        let header = sign(BODY, SECRET, NOW);
        assert_eq!(verify(Some(&header), BODY, SECRET, NOW), Ok(()));
        // Within the tolerance, either way.
        assert_eq!(verify(Some(&header), BODY, SECRET, NOW + 300), Ok(()));
        assert_eq!(verify(Some(&header), BODY, SECRET, NOW - 300), Ok(()));
    }

    #[test]
    fn a_known_vector_matches() {
        // HMAC-SHA256 with the key "secret" of "1.{}", computed independently:
        // printf '1.{}' | openssl dgst -sha256 -hmac secret
        assert_eq!(
            sign(b"{}", "secret", 1),
            "t=1,v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908"
        );
    }

    #[test]
    fn a_changed_body_or_another_secret_is_refused() {
        let header = sign(BODY, SECRET, NOW);
        let tampered = br#"{"id":"evt_2","type":"checkout.session.completed"}"#;
        assert_eq!(
            verify(Some(&header), tampered, SECRET, NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), BODY, "whsec_other", NOW),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is signed too: moving it breaks the signature.
        let moved = header.replacen(&format!("t={NOW}"), &format!("t={}", NOW + 1), 1);
        assert_eq!(
            verify(Some(&moved), BODY, SECRET, NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn old_and_future_timestamps_are_refused() {
        let old = sign(BODY, SECRET, NOW - 301);
        assert_eq!(
            verify(Some(&old), BODY, SECRET, NOW),
            Err(SignatureError::Stale)
        );
        let future = sign(BODY, SECRET, NOW + 301);
        assert_eq!(
            verify(Some(&future), BODY, SECRET, NOW),
            Err(SignatureError::Stale)
        );
    }

    #[test]
    fn any_of_several_v1_signatures_may_match() {
        let good = sign(BODY, SECRET, NOW);
        let good_v1 = good.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
        let other = sign(BODY, "whsec_old", NOW);
        let other_v1 = other.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
        let both = format!("t={NOW},v1={other_v1},v0=abc,v1={good_v1}");
        assert_eq!(verify(Some(&both), BODY, SECRET, NOW), Ok(()));
        let only_other = format!("t={NOW},v1={other_v1},v0={good_v1}");
        assert_eq!(
            verify(Some(&only_other), BODY, SECRET, NOW),
            Err(SignatureError::Mismatch),
            "a v0 signature is not accepted"
        );
        // Junk before the good signature does not hide it.
        let junk = format!("t={NOW},v1=zz,v1=00,v1={good_v1}");
        assert_eq!(verify(Some(&junk), BODY, SECRET, NOW), Ok(()));
    }

    #[test]
    fn malformed_headers_are_refused() {
        let good = sign(BODY, SECRET, NOW);
        let good_v1 = good.split_once(",v1=").map(|(_, s)| s).unwrap_or_default();
        assert_eq!(
            verify(None, BODY, SECRET, NOW),
            Err(SignatureError::Missing)
        );
        for header in [
            String::new(),
            "garbage".to_owned(),
            format!("v1={good_v1}"),
            format!("t={NOW}"),
            format!("t=soon,v1={good_v1}"),
            format!("t=-1,v1={good_v1}"),
            format!("t={NOW},t={NOW},v1={good_v1}"),
            format!("t={NOW},v1=nothex"),
            format!("t={NOW},v1={}", &good_v1[..10]),
            format!("t={NOW},v1={good_v1}{}", ",v1=00".repeat(1000)),
        ] {
            assert_eq!(
                verify(Some(&header), BODY, SECRET, NOW),
                Err(SignatureError::Malformed),
                "{header}"
            );
        }
    }
}
