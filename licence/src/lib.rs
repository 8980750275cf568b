//! mpp2xml's Pro licence tokens.
//!
//! A token is `v1.<payload>.<signature>`: the payload is the claims as JSON, and both parts
//! are unpadded base64url. The signature is Ed25519 over the ASCII text `v1.<payload>`, so
//! the version is signed too and a token cannot be replayed under another format. The app
//! carries the public key and verifies a token with no network (Pro keeps working offline);
//! the server verifies it on every Pro request and also checks that it was not revoked.
//!
//! Tokens are short (about 300 characters), so a user can paste one on another device.
//!
//! Every token names its audience (`aud`): the public origin of the site that sold it
//! (`https://mpp2xml.example`). The server and the app each check it against their own origin,
//! so a token signed by a staging or test server that shares the key is refused in production.
//! Tokens without an audience (made before it existed, when no licence had been sold) are
//! refused like any token for another site.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// The prefix of every token of this format.
pub const PREFIX: &str = "v1";
/// Tokens longer than this are refused before any decoding: a real one is a few hundred bytes.
pub const MAX_TOKEN_LEN: usize = 2048;

/// What a Pro licence allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Several files at once in the app, and their ZIP download.
    Batch,
    /// Server conversion of files above the free size.
    Fallback,
    /// `POST /api/v1/convert` from the user's own programs.
    Api,
}

/// Every feature of the Pro plan.
pub const PRO_FEATURES: [Feature; 3] = [Feature::Batch, Feature::Fallback, Feature::Api];

impl Feature {
    /// The feature's name, as tokens carry it and the server stores it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Batch => "batch",
            Self::Fallback => "fallback",
            Self::Api => "api",
        }
    }

    /// The feature named `name` (surrounding spaces ignored), if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        PRO_FEATURES
            .into_iter()
            .find(|feature| feature.name() == name.trim())
    }
}

/// Features as stored: their names, comma-separated.
pub fn features_to_text(features: &[Feature]) -> String {
    features
        .iter()
        .map(|feature| feature.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// The features of stored text; unknown names (a feature this build does not know) are
/// dropped.
pub fn features_from_text(text: &str) -> Vec<Feature> {
    text.split(',').filter_map(Feature::from_name).collect()
}

/// The signed content of a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claims {
    /// The licence id, as the server stores it (for revocation).
    pub lid: String,
    /// The plan's name, e.g. `pro`.
    pub plan: String,
    /// What the licence allows.
    pub features: Vec<Feature>,
    /// Issued at, seconds since the Unix epoch.
    pub iat: u64,
    /// Expires at, seconds since the Unix epoch.
    pub exp: u64,
    /// The site the licence is for: its public origin, as [`audience`] writes it. Empty in a
    /// token made before audiences existed, which no site accepts.
    #[serde(default)]
    pub aud: String,
}

impl Claims {
    /// Whether the licence allows `feature`.
    pub fn allows(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

/// Why a token was refused. The messages are sentences a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenceError {
    /// Not of the form `v1.<payload>.<signature>`, or not base64url, or not the claims.
    #[error("this is not an mpp2xml licence token (it may be cut short: paste all of it)")]
    Malformed,
    /// The signature does not match the payload under the key (changed, or another key).
    #[error("this licence token's signature is not valid: it was changed or not issued by mpp2xml")]
    BadSignature,
    /// The token expired at `exp`.
    #[error("this licence expired")]
    Expired {
        /// Its expiry, seconds since the Unix epoch.
        exp: u64,
    },
    /// The public key given is not an Ed25519 key.
    #[error("the licence public key is not a valid Ed25519 key")]
    BadKey,
    /// Genuine, but for another site (a staging or test server sharing the key), or made
    /// before tokens named their site.
    #[error("this licence was issued for {} and cannot be used on {expected}", shown_audience(.found))]
    WrongAudience {
        /// The token's audience (empty when it has none).
        found: String,
        /// This site's.
        expected: String,
    },
}

fn shown_audience(aud: &str) -> String {
    if aud.is_empty() {
        "no particular site (an old token)".to_owned()
    } else {
        format!("another site ({aud})")
    }
}

/// The audience of a site from its public URL: the origin alone (`scheme://host[:port]`), in
/// lower case, without a default port, a path or a trailing `/`, so that the server's
/// `https://Example.com:443/app/` and a browser's `location.origin` agree. `None` when `url`
/// is not an http(s) URL with a host.
pub fn audience(url: &str) -> Option<String> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..end)?;
    // Credentials never belong in an origin.
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    if host.is_empty() || host.starts_with(':') || host.contains(char::is_whitespace) {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// Signs `claims` into a token.
pub fn sign(claims: &Claims, key: &SigningKey) -> String {
    // Serialising these plain fields cannot fail; an empty object would only fail to verify.
    let json = serde_json::to_vec(claims).unwrap_or_default();
    let signed = format!("{PREFIX}.{}", URL_SAFE_NO_PAD.encode(json));
    let signature = key.sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Checks `token`'s signature under `key`, its audience against `audience` (this site's, as
/// [`audience`] writes it) and its expiry against `now` (seconds since the Unix epoch), and
/// returns its claims. Revocation is the server's business, not this function's.
pub fn verify(
    token: &str,
    key: &VerifyingKey,
    audience: &str,
    now: u64,
) -> Result<Claims, LicenceError> {
    let claims = verify_ignoring_expiry(token, key, audience)?;
    if now >= claims.exp {
        return Err(LicenceError::Expired { exp: claims.exp });
    }
    Ok(claims)
}

/// [`verify`] without the expiry: for the server renewing a genuine token it issued for this
/// site, which may have expired meanwhile.
pub fn verify_ignoring_expiry(
    token: &str,
    key: &VerifyingKey,
    audience: &str,
) -> Result<Claims, LicenceError> {
    let claims = verify_signature(token, key)?;
    if claims.aud != audience {
        return Err(LicenceError::WrongAudience {
            found: claims.aud,
            expected: audience.to_owned(),
        });
    }
    Ok(claims)
}

/// The claims of a token signed under `key`, whatever their audience and expiry.
fn verify_signature(token: &str, key: &VerifyingKey) -> Result<Claims, LicenceError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN_LEN {
        return Err(LicenceError::Malformed);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(LicenceError::Malformed)?;
    let payload = signed
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .ok_or(LicenceError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or(LicenceError::Malformed)?;
    // The signature first: nothing of an unsigned payload is parsed.
    key.verify(signed.as_bytes(), &signature)
        .map_err(|_| LicenceError::BadSignature)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| LicenceError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| LicenceError::Malformed)
}

/// Reads the claims of `token` WITHOUT checking anything: only for showing what a refused
/// token says (e.g. when it expired). Never grant anything on these.
pub fn unverified_claims(token: &str) -> Option<Claims> {
    let (signed, _) = token.trim().rsplit_once('.')?;
    let payload = signed.strip_prefix(PREFIX)?.strip_prefix('.')?;
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// A public key from its unpadded base64url text (32 bytes), as it is built into the app.
pub fn public_key_from_text(text: &str) -> Result<VerifyingKey, LicenceError> {
    VerifyingKey::from_bytes(&key_bytes(text)?).map_err(|_| LicenceError::BadKey)
}

/// The text form of a public key (unpadded base64url of its 32 bytes).
pub fn public_key_to_text(key: &VerifyingKey) -> String {
    URL_SAFE_NO_PAD.encode(key.to_bytes())
}

/// A signing key from its unpadded base64url seed (32 bytes), as configuration holds it.
pub fn signing_key_from_text(text: &str) -> Result<SigningKey, LicenceError> {
    Ok(SigningKey::from_bytes(&key_bytes(text)?))
}

/// The 32 bytes of a key's unpadded base64url text.
fn key_bytes(text: &str) -> Result<[u8; 32], LicenceError> {
    URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(LicenceError::BadKey)
}

/// The text form of a signing key's seed (keep it secret).
pub fn signing_key_to_text(key: &SigningKey) -> String {
    URL_SAFE_NO_PAD.encode(key.to_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const AUD: &str = "https://mpp2xml.example";

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn claims() -> Claims {
        Claims {
            lid: "lic_123".into(),
            plan: "pro".into(),
            features: PRO_FEATURES.to_vec(),
            iat: 1_000,
            exp: 2_000,
            aud: AUD.into(),
        }
    }

    #[test]
    fn feature_names_are_the_ones_tokens_carry() {
        for feature in PRO_FEATURES {
            let json = serde_json::to_value(feature).unwrap();
            assert_eq!(json.as_str(), Some(feature.name()));
            assert_eq!(Feature::from_name(feature.name()), Some(feature));
        }
        assert_eq!(features_to_text(&PRO_FEATURES), "batch,fallback,api");
        assert_eq!(
            features_from_text("batch, api,unknown"),
            [Feature::Batch, Feature::Api]
        );
        assert_eq!(features_from_text(""), []);
    }

    #[test]
    fn a_signed_token_verifies_and_gives_its_claims_back() {
        let token = sign(&claims(), &key(1));
        assert!(token.starts_with("v1."));
        assert!(token.len() < 300, "{}", token.len());
        let got = verify(&token, &key(1).verifying_key(), AUD, 1_500).unwrap();
        assert_eq!(got, claims());
        assert!(got.allows(Feature::Batch));
        // Spaces and a newline around a pasted token do not matter.
        assert!(verify(&format!(" {token}\n"), &key(1).verifying_key(), AUD, 1_500).is_ok());
    }

    #[test]
    fn another_key_is_refused() {
        let token = sign(&claims(), &key(1));
        assert_eq!(
            verify(&token, &key(2).verifying_key(), AUD, 1_500),
            Err(LicenceError::BadSignature)
        );
    }

    #[test]
    fn a_changed_payload_is_refused() {
        let token = sign(&claims(), &key(1));
        let mut longer = claims();
        longer.exp = u64::MAX;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&longer).unwrap());
        let signature = token.rsplit_once('.').unwrap().1;
        let forged = format!("v1.{forged_payload}.{signature}");
        assert_eq!(
            verify(&forged, &key(1).verifying_key(), AUD, 1_500),
            Err(LicenceError::BadSignature)
        );
        // One character changed anywhere.
        for at in [3, token.len() / 2, token.len() - 2] {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            assert!(verify(&changed, &key(1).verifying_key(), AUD, 1_500).is_err());
        }
    }

    #[test]
    fn an_expired_token_is_refused_and_says_when() {
        let token = sign(&claims(), &key(1));
        assert_eq!(
            verify(&token, &key(1).verifying_key(), AUD, 2_000),
            Err(LicenceError::Expired { exp: 2_000 })
        );
        assert_eq!(unverified_claims(&token).unwrap().exp, 2_000);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let vk = key(1).verifying_key();
        let token = sign(&claims(), &key(1));
        let without_prefix = token.trim_start_matches("v1.").to_owned();
        let v2 = format!("v2.{without_prefix}");
        for bad in [
            "",
            "v1",
            "v1..",
            "not a token",
            &without_prefix,
            &v2,
            &"A".repeat(MAX_TOKEN_LEN + 1),
        ] {
            let refused = verify(bad, &vk, AUD, 1_500).unwrap_err();
            assert!(
                matches!(
                    refused,
                    LicenceError::Malformed | LicenceError::BadSignature
                ),
                "{bad:?}: {refused:?}"
            );
        }
        // A validly signed payload that is not the claims.
        let signed = format!("v1.{}", URL_SAFE_NO_PAD.encode(b"{\"lid\":1}"));
        let signature = key(1).sign(signed.as_bytes());
        let odd = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        assert_eq!(verify(&odd, &vk, AUD, 1_500), Err(LicenceError::Malformed));
    }

    #[test]
    fn keys_round_trip_through_their_text() {
        let signing = key(7);
        let text = signing_key_to_text(&signing);
        assert_eq!(
            signing_key_from_text(&text).unwrap().to_bytes(),
            signing.to_bytes()
        );
        let public = public_key_to_text(&signing.verifying_key());
        assert_eq!(public.len(), 43);
        assert_eq!(
            public_key_from_text(&public).unwrap(),
            signing.verifying_key()
        );
        assert_eq!(public_key_from_text("short"), Err(LicenceError::BadKey));
        assert!(signing_key_from_text("!!").is_err());
    }

    #[test]
    fn a_token_for_another_site_or_for_none_is_refused_with_a_sentence() {
        let vk = key(1).verifying_key();
        let staging = Claims {
            aud: "https://staging.mpp2xml.example".into(),
            ..claims()
        };
        let refused = verify(&sign(&staging, &key(1)), &vk, AUD, 1_500).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "this licence was issued for another site (https://staging.mpp2xml.example) and \
             cannot be used on https://mpp2xml.example"
        );
        // A token of the format before audiences: no `aud` at all.
        let old = format!(
            "v1.{}",
            URL_SAFE_NO_PAD.encode(
                br#"{"lid":"lic_1","plan":"pro","features":["api"],"iat":1000,"exp":2000}"#
            )
        );
        let signature = key(1).sign(old.as_bytes());
        let old = format!("{old}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        let refused = verify(&old, &vk, AUD, 1_500).unwrap_err();
        assert!(
            matches!(&refused, LicenceError::WrongAudience { found, .. } if found.is_empty()),
            "{refused:?}"
        );
        assert!(refused.to_string().contains("an old token"), "{refused}");
        // The signature alone still reads it (the server renewing its own tokens).
        assert_eq!(verify_signature(&old, &vk).unwrap().lid, "lic_1");
        // Another site's token is refused before its expiry is looked at.
        assert!(matches!(
            verify(&sign(&staging, &key(1)), &vk, AUD, 5_000),
            Err(LicenceError::WrongAudience { .. })
        ));
    }

    #[test]
    fn audiences_are_origins() {
        for (url, aud) in [
            ("https://mpp2xml.example", "https://mpp2xml.example"),
            (
                "https://MPP2XML.example:443/app/?x#y",
                "https://mpp2xml.example",
            ),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("http://localhost:80", "http://localhost"),
            ("https://example.com:8443", "https://example.com:8443"),
            (" https://user:pw@example.com/ ", "https://example.com"),
            ("http://[::1]:3000", "http://[::1]:3000"),
        ] {
            assert_eq!(audience(url).as_deref(), Some(aud), "{url}");
        }
        for bad in [
            "",
            "example.com",
            "ftp://example.com",
            "https://",
            "https:///x",
            "https://:80",
        ] {
            assert_eq!(audience(bad), None, "{bad}");
        }
    }
}
