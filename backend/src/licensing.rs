//! Pro licences on the server: the signing key, issuing tokens, and the gate in front of
//! `POST /api/v1/convert` when payments are configured.
//!
//! The gate checks a `Authorization: Bearer <token>` with the public key (signature, audience,
//! expiry, features) and against the revoked licences. Those are held in memory, loaded from
//! the database at start and every [`REVOKED_REFRESH`] after, so a refund (or a dispute, or
//! a won dispute restoring a licence) processed by another instance reaches this one within
//! seconds; one processed here counts at once. A conversion request thus never waits on the
//! database.
//!
//! The audience is the origin of `--public-url`: a token signed by a staging server that
//! shares the key names the staging origin, and is refused here.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use licence::{Claims, Feature, LicenceError, PRO_FEATURES, SigningKey, VerifyingKey};

use crate::payments::config::PaymentsConfig;
use crate::storage::{StorageError, Store, StoredLicence};

/// How often the revoked licences are read again from the database.
pub const REVOKED_REFRESH: Duration = Duration::from_secs(5);
/// The plan every licence of this server is for.
pub const PLAN: &str = "pro";

/// Why the licence key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// `MPP2XML_LICENCE_KEY` is not a key.
    #[error(
        "MPP2XML_LICENCE_KEY is not a licence key: it must be the base64url text of a 32-byte seed"
    )]
    BadConfigured,
    /// A live Stripe key and no licence key: a fresh one made now would be lost with the
    /// container, and every licence sold with it would stop working.
    #[error(
        "Stripe is in live mode but no licence key is configured: set MPP2XML_LICENCE_KEY, or \
         MPP2XML_LICENCE_KEY_FILE to the existing key file ({} does not exist); a key made up \
         now would invalidate every licence sold so far the next time it is lost",
        .0.display()
    )]
    LiveWithoutKey(PathBuf),
    /// The key file can be read by other users of the machine, who could sign licences.
    #[error(
        "the licence key file {} can be read by other users (mode {mode:03o}): make it private \
         with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    OpenToOthers {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The key file holds something else.
    #[error(
        "the licence key file {} does not hold a licence key (the base64url text of a 32-byte seed); restore it from a backup, or delete it to start with a new key, which makes every licence issued so far invalid",
        .0.display()
    )]
    BadFile(PathBuf),
    /// The key file or its folder could not be read or written.
    #[error("cannot {action} the licence key file {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The system gave no randomness for a new key.
    #[error("the system gave no random bytes for a new licence key: {0}")]
    Random(String),
}

/// Where the key came from, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// `MPP2XML_LICENCE_KEY`.
    Configured,
    /// The existing key file.
    File(PathBuf),
    /// A key file created just now with a fresh development key.
    Created(PathBuf),
}

/// The signing key: `MPP2XML_LICENCE_KEY`, else the key file, which must be private; created
/// with a fresh key when missing, unless Stripe is live (a fresh key then is a mistake).
pub fn load_or_create_key(config: &PaymentsConfig) -> Result<(SigningKey, KeyOrigin), KeyError> {
    if let Some(text) = &config.licence_key {
        let key =
            licence::signing_key_from_text(text.expose()).map_err(|_| KeyError::BadConfigured)?;
        return Ok((key, KeyOrigin::Configured));
    }
    let path = &config.licence_key_file;
    match read_private(path) {
        Ok(text) => key_from_file(&text, path).map(|key| (key, KeyOrigin::File(path.clone()))),
        Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            if config.is_live() {
                Err(KeyError::LiveWithoutKey(path.clone()))
            } else {
                create_key_file(path)
            }
        }
        Err(error) => Err(error),
    }
}

/// The text of the key file at `path`, refused when others than its owner may read it. The
/// mode is read from the open file, so it is the mode of the file that is read.
fn read_private(path: &Path) -> Result<String, KeyError> {
    use std::io::Read as _;
    let io = |source| KeyError::Io {
        action: "read",
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file.metadata().map_err(io)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::OpenToOthers {
                path: path.to_owned(),
                mode,
            });
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(io)?;
    Ok(text)
}

fn key_from_file(text: &str, path: &Path) -> Result<SigningKey, KeyError> {
    licence::signing_key_from_text(text).map_err(|_| KeyError::BadFile(path.to_owned()))
}

/// Writes a new key to `path` without ever replacing one: the key goes to a private temporary
/// file that is then hard-linked to `path`, which fails when `path` exists. Two servers
/// starting together on a new folder thus agree on one key (the loser reads the winner's), and
/// no reader ever sees a half-written file.
fn create_key_file(path: &Path) -> Result<(SigningKey, KeyOrigin), KeyError> {
    let io = |action: &'static str, at: &Path| {
        let at = at.to_owned();
        move |source| KeyError::Io {
            action,
            path: at,
            source,
        }
    };
    let folder = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    crate::storage::create_private_folder(folder).map_err(io("create the folder of", path))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| KeyError::Random(error.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|error| KeyError::Random(error.to_string()))?;
    let temporary = folder.join(format!(".licence.key.{}", hex::encode(nonce)));
    let written = write_private(&temporary, &licence::signing_key_to_text(&key))
        .map_err(io("write", &temporary));
    let linked = written.and_then(|()| match std::fs::hard_link(&temporary, path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(source) => Err(KeyError::Io {
            action: "create",
            path: path.to_owned(),
            source,
        }),
    });
    let _ = std::fs::remove_file(&temporary);
    if linked? {
        Ok((key, KeyOrigin::Created(path.to_owned())))
    } else {
        let text = read_private(path)?;
        key_from_file(&text, path).map(|key| (key, KeyOrigin::File(path.to_owned())))
    }
}

/// Creates `path` readable by its owner only, with `text` and a newline.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(format!("{text}\n").as_bytes())?;
    file.sync_all()
}

/// The public key text for `--print-licence-public-key`, with where the key came from.
pub fn public_key_text(config: &PaymentsConfig) -> Result<(String, KeyOrigin), KeyError> {
    let (key, origin) = load_or_create_key(config)?;
    Ok((licence::public_key_to_text(&key.verifying_key()), origin))
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// A licence just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Its claims.
    pub claims: Claims,
    /// The signed token.
    pub token: String,
}

/// Why the gate refused a request. Each is a problem document of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not a token, or not signed by this server's key.
    Invalid(LicenceError),
    /// Past its expiry.
    Expired,
    /// Revoked (refunded, disputed, or its subscription ended).
    Revoked,
    /// Valid, but without what the route needs.
    MissingFeature,
}

/// The licence keys, the licence length, the audience, and the revoked licences as last read.
pub struct Licensing {
    signing: SigningKey,
    public: VerifyingKey,
    days: u32,
    audience: String,
    revoked: RwLock<Revoked>,
}

/// The revoked licence ids, and a count of the changes made here, so that a read of the
/// database that raced with one does not undo it.
#[derive(Default)]
struct Revoked {
    ids: HashSet<String>,
    changes: u64,
}

impl std::fmt::Debug for Licensing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Licensing")
            .field("public", &licence::public_key_to_text(&self.public))
            .field("days", &self.days)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl Licensing {
    /// Licences signed with `signing` for the site `audience` (its origin, as
    /// [`licence::audience`] writes it), lasting `days` when bought with a one-off payment.
    pub fn new(signing: SigningKey, days: u32, audience: impl Into<String>) -> Self {
        Self {
            public: signing.verifying_key(),
            signing,
            days,
            audience: audience.into(),
            revoked: RwLock::new(Revoked::default()),
        }
    }

    /// The public key the app embeds.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// A new Pro licence issued at `now`: a fresh id and every Pro feature, lasting the
    /// configured number of days.
    pub fn issue(&self, now: u64) -> Result<Issued, KeyError> {
        self.issue_until(now, now.saturating_add(u64::from(self.days) * 86_400))
    }

    /// A new Pro licence issued at `now`, expiring at `exp`.
    pub fn issue_until(&self, now: u64, exp: u64) -> Result<Issued, KeyError> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|error| KeyError::Random(error.to_string()))?;
        let claims = Claims {
            lid: format!("lic_{}", hex::encode(random)),
            plan: PLAN.to_owned(),
            features: PRO_FEATURES.to_vec(),
            iat: now,
            exp,
            aud: self.audience.clone(),
        };
        let token = licence::sign(&claims, &self.signing);
        Ok(Issued { claims, token })
    }

    /// The token of a stored licence as it stands now (its expiry may have moved since it was
    /// issued: a subscription's renewal), for this server's audience. Signing is
    /// deterministic, so the same row always gives the same token.
    pub fn token_for(&self, licence: &StoredLicence) -> String {
        let claims = Claims {
            lid: licence.id.clone(),
            plan: licence.plan.clone(),
            features: licence::features_from_text(&licence.features),
            iat: u64::try_from(licence.issued_at).unwrap_or(0),
            exp: u64::try_from(licence.expires_at).unwrap_or(0),
            aud: self.audience.clone(),
        };
        licence::sign(&claims, &self.signing)
    }

    /// The claims of a token this server signed, for this audience, whatever its expiry: the
    /// proof of possession of a licence whose renewed token is asked for.
    pub fn genuine(&self, token: &str) -> Result<Claims, LicenceError> {
        licence::verify_ignoring_expiry(token, &self.public, &self.audience)
    }

    /// Checks `token` at `now` for a route that needs one of `features`: signature, audience,
    /// expiry, revocation (as last read), features.
    pub fn check(&self, token: &str, now: u64, features: &[Feature]) -> Result<Claims, Refusal> {
        let verified = licence::verify(token, &self.public, &self.audience, now);
        let claims = verified.map_err(|error| match error {
            LicenceError::Expired { .. } => Refusal::Expired,
            other => Refusal::Invalid(other),
        })?;
        if self.is_revoked(&claims.lid) {
            return Err(Refusal::Revoked);
        }
        if !features.iter().any(|feature| claims.allows(*feature)) {
            return Err(Refusal::MissingFeature);
        }
        Ok(claims)
    }

    /// Whether `id` is among the revoked licences as last read.
    pub fn is_revoked(&self, id: &str) -> bool {
        self.revoked
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .ids
            .contains(id)
    }

    /// Adds licences revoked here, so they are refused before the next read.
    pub fn mark_revoked(&self, ids: impl IntoIterator<Item = String>) {
        let mut revoked = self.revoked.write().unwrap_or_else(PoisonError::into_inner);
        revoked.ids.extend(ids);
        revoked.changes = revoked.changes.wrapping_add(1);
    }

    /// Removes licences restored here (a dispute won), so they pass before the next read.
    pub fn mark_restored(&self, ids: &[String]) {
        let mut revoked = self.revoked.write().unwrap_or_else(PoisonError::into_inner);
        for id in ids {
            revoked.ids.remove(id);
        }
        revoked.changes = revoked.changes.wrapping_add(1);
    }

    /// Reads the revoked licences again from `store`; returns how many there are.
    pub async fn refresh_revoked(&self, store: &Store) -> Result<usize, StorageError> {
        let before = self
            .revoked
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .changes;
        let ids: HashSet<String> = store.revoked_licence_ids().await?.into_iter().collect();
        let count = ids.len();
        let mut revoked = self.revoked.write().unwrap_or_else(PoisonError::into_inner);
        // A change made here during the read was committed before it was marked, but the read
        // may not have seen it: then this read is dropped, and the next one (which sees it)
        // replaces the set. Restorations make a plain union wrong, so the set is replaced.
        if revoked.changes == before {
            revoked.ids = ids;
        }
        Ok(count)
    }
}

/// Reads the revoked licences every `period`, forever; a failed read keeps the last set.
pub async fn refresh_revoked_every(
    licensing: Option<Arc<Licensing>>,
    store: Store,
    period: Duration,
) {
    let Some(licensing) = licensing else {
        return;
    };
    let mut ticks = tokio::time::interval(period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = licensing.refresh_revoked(&store).await {
            tracing::warn!(%error, "the revoked licences could not be read; keeping the last list");
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value (the scheme in any case).
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::payments::config::Secret;

    const SITE: &str = "https://mpp2xml.example";

    fn licensing() -> Licensing {
        Licensing::new(SigningKey::from_bytes(&[7; 32]), 365, SITE)
    }

    #[test]
    fn an_issued_licence_passes_the_gate_until_it_expires() {
        let licensing = licensing();
        let issued = licensing.issue(1_000).unwrap();
        assert!(issued.claims.lid.starts_with("lic_"));
        assert_eq!(issued.claims.lid.len(), 4 + 32);
        assert_eq!(issued.claims.exp, 1_000 + 365 * 86_400);
        assert_eq!(issued.claims.plan, "pro");
        let features = [Feature::Fallback, Feature::Api];
        assert_eq!(
            licensing.check(&issued.token, 2_000, &features),
            Ok(issued.claims.clone())
        );
        assert_eq!(
            licensing.check(&issued.token, issued.claims.exp, &features),
            Err(Refusal::Expired)
        );
        assert_ne!(
            licensing.issue(1_000).unwrap().claims.lid,
            issued.claims.lid,
            "ids are random"
        );
    }

    #[test]
    fn revoked_foreign_and_narrow_licences_are_refused() {
        let licensing = licensing();
        let issued = licensing.issue(1_000).unwrap();
        let features = [Feature::Fallback];
        licensing.mark_revoked([issued.claims.lid.clone()]);
        assert_eq!(
            licensing.check(&issued.token, 2_000, &features),
            Err(Refusal::Revoked)
        );
        let other = Licensing::new(SigningKey::from_bytes(&[8; 32]), 365, SITE);
        let foreign = other.issue(1_000).unwrap();
        assert_eq!(
            licensing.check(&foreign.token, 2_000, &features),
            Err(Refusal::Invalid(LicenceError::BadSignature))
        );
        let batch_only = Claims {
            features: vec![Feature::Batch],
            ..licensing.issue(1_000).unwrap().claims
        };
        let token = licence::sign(&batch_only, &SigningKey::from_bytes(&[7; 32]));
        assert_eq!(
            licensing.check(&token, 2_000, &features),
            Err(Refusal::MissingFeature)
        );
    }

    #[test]
    fn bearer_values_are_read() {
        assert_eq!(bearer("Bearer v1.a.b"), Some("v1.a.b"));
        assert_eq!(bearer("bearer   v1.a.b "), Some("v1.a.b"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer"), None);
        assert_eq!(bearer("Bearer  "), None);
    }

    fn file_config(path: &Path) -> PaymentsConfig {
        PaymentsConfig {
            licence_key_file: path.to_owned(),
            ..PaymentsConfig::default()
        }
    }

    #[test]
    fn a_missing_key_file_is_created_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("licence.key");
        let config = file_config(&path);
        let (first, origin) = load_or_create_key(&config).unwrap();
        assert_eq!(origin, KeyOrigin::Created(path.clone()));
        let (again, origin) = load_or_create_key(&config).unwrap();
        assert_eq!(origin, KeyOrigin::File(path.clone()));
        assert_eq!(first.to_bytes(), again.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("licence.key")]);
        let (text, _) = public_key_text(&config).unwrap();
        assert_eq!(
            licence::public_key_from_text(&text).unwrap(),
            first.verifying_key()
        );
    }

    #[test]
    fn a_corrupt_key_file_is_a_clear_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("licence.key");
        write_private(&path, "not a key").unwrap();
        let error = load_or_create_key(&file_config(&path)).unwrap_err();
        assert!(matches!(error, KeyError::BadFile(_)), "{error}");
        assert!(error.to_string().contains("licence.key"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key\n");
    }

    #[test]
    fn a_configured_key_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("licence.key");
        let seed = SigningKey::from_bytes(&[3; 32]);
        let config = PaymentsConfig {
            licence_key: Some(Secret::from(licence::signing_key_to_text(&seed))),
            ..file_config(&path)
        };
        let (key, origin) = load_or_create_key(&config).unwrap();
        assert_eq!(origin, KeyOrigin::Configured);
        assert_eq!(key.to_bytes(), seed.to_bytes());
        assert!(!path.exists(), "no file is created when the key is given");
        let bad = PaymentsConfig {
            licence_key: Some(Secret::from("short")),
            ..file_config(&path)
        };
        assert!(matches!(
            load_or_create_key(&bad),
            Err(KeyError::BadConfigured)
        ));
    }

    #[test]
    fn a_token_for_another_site_is_refused_at_the_gate_with_a_sentence() {
        let here = licensing();
        let staging = Licensing::new(
            SigningKey::from_bytes(&[7; 32]),
            365,
            "https://staging.mpp2xml.example",
        );
        let issued = staging.issue(1_000).unwrap();
        assert_eq!(issued.claims.aud, "https://staging.mpp2xml.example");
        let refusal = here
            .check(&issued.token, 2_000, &[Feature::Fallback])
            .unwrap_err();
        assert!(
            matches!(
                &refusal,
                Refusal::Invalid(LicenceError::WrongAudience { .. })
            ),
            "{refusal:?}"
        );
        let problem = crate::problem::Problem::from(refusal);
        assert_eq!(problem.status().as_u16(), 401);
        assert_eq!(problem.code(), "invalid_licence");
        let detail = LicenceError::WrongAudience {
            found: "https://staging.mpp2xml.example".into(),
            expected: SITE.into(),
        }
        .to_string();
        assert!(detail.contains("issued for another site"), "{detail}");
        assert!(here.genuine(&issued.token).is_err());
        // Its own tokens carry its audience, and are genuine past their expiry.
        let own = here.issue(1_000).unwrap();
        assert_eq!(own.claims.aud, SITE);
        assert_eq!(here.genuine(&own.token).unwrap(), own.claims);
    }

    #[test]
    fn a_stored_licence_is_signed_as_it_stands_now() {
        let licensing = licensing();
        let issued = licensing.issue(1_000).unwrap();
        let stored = StoredLicence {
            id: issued.claims.lid.clone(),
            session_id: "cs_1".into(),
            plan: "pro".into(),
            features: "batch,fallback,api".into(),
            token: issued.token.clone(),
            issued_at: 1_000,
            expires_at: i64::try_from(issued.claims.exp).unwrap(),
            revoked_at: None,
        };
        assert_eq!(licensing.token_for(&stored), issued.token);
        let renewed = StoredLicence {
            expires_at: 9_000_000_000,
            ..stored
        };
        let token = licensing.token_for(&renewed);
        let claims = licensing.genuine(&token).unwrap();
        assert_eq!(claims.exp, 9_000_000_000);
        assert_eq!(claims.lid, issued.claims.lid);
    }

    #[test]
    fn restored_licences_pass_again() {
        let licensing = licensing();
        licensing.mark_revoked(["lic_a".to_owned(), "lic_b".to_owned()]);
        licensing.mark_restored(&["lic_a".to_owned()]);
        assert!(!licensing.is_revoked("lic_a"));
        assert!(licensing.is_revoked("lic_b"));
    }

    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("licence.key");
        let seed = licence::signing_key_to_text(&SigningKey::from_bytes(&[3; 32]));
        std::fs::write(&path, format!("{seed}\n")).unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let error = load_or_create_key(&file_config(&path)).unwrap_err();
            assert!(
                matches!(error, KeyError::OpenToOthers { mode: m, .. } if m == mode),
                "{mode:o}: {error}"
            );
            assert!(error.to_string().contains("chmod 600"), "{error}");
        }
        for mode in [0o600, 0o400] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let (key, _) = load_or_create_key(&file_config(&path)).unwrap();
            assert_eq!(key.to_bytes(), [3; 32]);
        }
    }

    #[test]
    fn with_a_live_stripe_key_no_key_is_made_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("licence.key");
        let live = PaymentsConfig {
            stripe_secret_key: Some(Secret::from("sk_live_1")),
            ..file_config(&path)
        };
        let error = load_or_create_key(&live).unwrap_err();
        assert!(matches!(error, KeyError::LiveWithoutKey(_)), "{error}");
        assert!(error.to_string().contains("MPP2XML_LICENCE_KEY"), "{error}");
        assert!(!path.exists());
        assert!(public_key_text(&live).is_err());
        // A configured key, or an existing private key file, is used.
        let seed = licence::signing_key_to_text(&SigningKey::from_bytes(&[4; 32]));
        let configured = PaymentsConfig {
            licence_key: Some(Secret::from(seed.as_str())),
            ..live.clone()
        };
        assert_eq!(
            load_or_create_key(&configured).unwrap().1,
            KeyOrigin::Configured
        );
        let test_mode = PaymentsConfig {
            stripe_secret_key: Some(Secret::from("sk_test_1")),
            ..file_config(&path)
        };
        assert_eq!(
            load_or_create_key(&test_mode).unwrap().1,
            KeyOrigin::Created(path.clone())
        );
        assert_eq!(load_or_create_key(&live).unwrap().1, KeyOrigin::File(path));
    }

    #[test]
    fn the_key_folder_is_created_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("licence.key");
        load_or_create_key(&file_config(&path)).unwrap();
        for folder in [dir.path().join("a"), dir.path().join("a").join("b")] {
            let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700, "{}", folder.display());
        }
    }
}
