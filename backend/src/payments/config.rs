//! The settings of payments and licences, part of the server's [`Config`](crate::Config).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

/// Default of `--stripe-api-base`: Stripe's API.
pub const DEFAULT_STRIPE_API_BASE: &str = "https://api.stripe.com/";
/// Default of `--licence-key-file`, beside the default SQLite database (and gitignored with it).
pub const DEFAULT_LICENCE_KEY_FILE: &str = "data/licence.key";
/// Default of `--licence-days`.
pub const DEFAULT_LICENCE_DAYS: u32 = 365;

/// The environment variable of Stripe's secret API key.
pub const STRIPE_SECRET_KEY_ENV: &str = "STRIPE_SECRET_KEY";
/// The environment variable of the webhook signing secret.
pub const STRIPE_WEBHOOK_SECRET_ENV: &str = "STRIPE_WEBHOOK_SECRET";
/// The environment variable of the licence signing key.
pub const LICENCE_KEY_ENV: &str = "MPP2XML_LICENCE_KEY";
/// How long a subscription licence outlives the period its last invoice paid for: Stripe
/// renews a little after the period ends, and retries a failed card for days.
pub const SUBSCRIPTION_GRACE_SECS: u64 = 3 * 86_400;

/// A secret from the environment or a file: never shown by `Debug`, so logging the
/// configuration cannot leak it. Secrets are never command-line options, which every local
/// user can read in `/proc/<pid>/cmdline`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that sends or uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The environment variable `name`, when set and not blank.
    pub fn from_env(name: &str) -> Option<Self> {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
            .map(Self)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// What the Checkout sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StripeMode {
    /// A one-off payment: the licence lasts `--licence-days`.
    Payment,
    /// A subscription (the price must be recurring): cancelling it revokes the licence.
    Subscription,
}

impl StripeMode {
    /// The value Stripe and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Subscription => "subscription",
        }
    }
}

/// Payments (Stripe Checkout) and Pro licences. Payments are on, and the Pro gates enforced,
/// exactly when the three `STRIPE_*` settings are given; without them the server is entirely
/// free and the payment routes answer 503.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct PaymentsConfig {
    /// Stripe's secret API key (`sk_live_…` or `sk_test_…`), for creating Checkout Sessions:
    /// from `STRIPE_SECRET_KEY` in the environment only, or read from
    /// `--stripe-secret-key-file`.
    #[arg(skip = Secret::from_env(STRIPE_SECRET_KEY_ENV))]
    pub stripe_secret_key: Option<Secret>,

    /// A file holding Stripe's secret API key (`sk_live_…` or `sk_test_…`), instead of
    /// `STRIPE_SECRET_KEY` in the environment (a secret is never a command-line option).
    #[arg(long, env = "STRIPE_SECRET_KEY_FILE")]
    pub stripe_secret_key_file: Option<PathBuf>,

    /// The signing secret (`whsec_…`) of the Stripe webhook endpoint that points at
    /// `/api/v1/stripe/webhook`: from `STRIPE_WEBHOOK_SECRET` in the environment only, or read
    /// from `--stripe-webhook-secret-file`.
    #[arg(skip = Secret::from_env(STRIPE_WEBHOOK_SECRET_ENV))]
    pub stripe_webhook_secret: Option<Secret>,

    /// A file holding the webhook signing secret (`whsec_…`), instead of
    /// `STRIPE_WEBHOOK_SECRET` in the environment.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET_FILE")]
    pub stripe_webhook_secret_file: Option<PathBuf>,

    /// The Stripe Price (`price_…`) of the Pro plan.
    #[arg(long, env = "STRIPE_PRICE_ID")]
    pub stripe_price_id: Option<String>,

    /// Stripe's API address; tests point it at a local fake.
    #[arg(long, env = "MPP2XML_STRIPE_API_BASE", default_value = DEFAULT_STRIPE_API_BASE)]
    pub stripe_api_base: String,

    /// Whether the price is paid once or by subscription.
    #[arg(long, env = "MPP2XML_STRIPE_MODE", value_enum, default_value_t = StripeMode::Payment)]
    pub stripe_mode: StripeMode,

    /// The app's public origin (`https://mpp2xml.example`), where Checkout sends the user back
    /// and the audience every licence names (required with a live Stripe key)
    /// [default: http://<--addr>].
    #[arg(long, env = "MPP2XML_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The licence signing key, the base64url text of a 32-byte Ed25519 seed: from
    /// `MPP2XML_LICENCE_KEY` in the environment only; without it the key is read from
    /// `--licence-key-file`.
    #[arg(skip = Secret::from_env(LICENCE_KEY_ENV))]
    pub licence_key: Option<Secret>,

    /// The file holding the licence signing key when `MPP2XML_LICENCE_KEY` is not set; it must
    /// be private (mode 0600 or 0400). With a test Stripe key (or none) it is created with a
    /// fresh development key when missing, and kept: a new key would make every licence
    /// issued before invalid. With a live key it must exist.
    #[arg(long, env = "MPP2XML_LICENCE_KEY_FILE", default_value = DEFAULT_LICENCE_KEY_FILE)]
    pub licence_key_file: PathBuf,

    /// How long a licence bought with a one-off payment lasts, in days.
    #[arg(long, env = "MPP2XML_LICENCE_DAYS", default_value_t = DEFAULT_LICENCE_DAYS,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub licence_days: u32,

    /// Prints the licence public key (the text the app's build embeds) and exits, creating the
    /// key file first if needed.
    #[arg(long)]
    pub print_licence_public_key: bool,
}

impl Default for PaymentsConfig {
    fn default() -> Self {
        Self {
            stripe_secret_key: None,
            stripe_secret_key_file: None,
            stripe_webhook_secret: None,
            stripe_webhook_secret_file: None,
            stripe_price_id: None,
            stripe_api_base: DEFAULT_STRIPE_API_BASE.to_owned(),
            stripe_mode: StripeMode::Payment,
            public_url: None,
            licence_key: None,
            licence_key_file: PathBuf::from(DEFAULT_LICENCE_KEY_FILE),
            licence_days: DEFAULT_LICENCE_DAYS,
            print_licence_public_key: false,
        }
    }
}

/// Why the payment settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentsConfigError {
    /// Some of the three Stripe settings are given, not all: most likely a mistake, so the
    /// server does not start rather than run free by surprise.
    #[error(
        "payments need STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_ID together; {0} missing (set all three, or none for a free server)"
    )]
    Partial(String),
    /// A URL setting is not an http(s) URL.
    #[error("{option} must be an http:// or https:// URL, not {value:?}")]
    NotUrl {
        /// The option.
        option: &'static str,
        /// Its value.
        value: String,
    },
    /// A secret is given both in the environment and as a file: which one is meant?
    #[error("{env} and {file_env} are both set: give the secret one way only")]
    Twice {
        /// The environment variable.
        env: &'static str,
        /// The file option's environment variable.
        file_env: &'static str,
    },
    /// A secret's file cannot be read.
    #[error("cannot read {file_env} ({}): {reason}", path.display())]
    SecretFile {
        /// The file option's environment variable.
        file_env: &'static str,
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A live Stripe key with no public URL: the Checkout's return address and the licences'
    /// audience would be the listening address, which no customer reaches.
    #[error(
        "a live Stripe key needs the site's public https:// origin in MPP2XML_PUBLIC_URL \
         (--public-url): Checkout sends customers back there, and every licence names it"
    )]
    LiveWithoutPublicUrl,
}

/// The Stripe settings, once all three are known to be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSettings {
    /// The API key.
    pub secret_key: Secret,
    /// The webhook signing secret.
    pub webhook_secret: Secret,
    /// The price.
    pub price_id: String,
    /// Stripe's API address, ending with `/`.
    pub api_base: String,
    /// Payment or subscription.
    pub mode: StripeMode,
    /// The app's origin, without a trailing `/`.
    pub public_url: String,
    /// The audience of the licences sold here: the origin of `public_url`.
    pub audience: String,
    /// Whether the key is a live one (real money): then nothing is made up at start.
    pub live: bool,
}

/// Whether `key` is one of Stripe's live keys (secret `sk_live_…` or restricted `rk_live_…`).
pub fn is_live_key(key: &str) -> bool {
    let key = key.trim();
    key.starts_with("sk_live_") || key.starts_with("rk_live_")
}

/// The secret from the environment (`value`) or from `file`, not both.
fn secret(
    value: Option<&Secret>,
    file: Option<&Path>,
    env: &'static str,
    file_env: &'static str,
) -> Result<Option<Secret>, PaymentsConfigError> {
    let value = value.filter(|v| !v.expose().trim().is_empty());
    match (value, file) {
        (Some(_), Some(_)) => Err(PaymentsConfigError::Twice { env, file_env }),
        (Some(value), None) => Ok(Some(Secret::from(value.expose().trim()))),
        (None, Some(path)) => {
            let text =
                std::fs::read_to_string(path).map_err(|error| PaymentsConfigError::SecretFile {
                    file_env,
                    path: path.to_owned(),
                    reason: error.to_string(),
                })?;
            let text = text.trim();
            Ok((!text.is_empty()).then(|| Secret::from(text)))
        }
        (None, None) => Ok(None),
    }
}

impl PaymentsConfig {
    /// The Stripe settings when payments are configured, `None` when none is given (a free
    /// server), or why they cannot be used. `addr` gives the default public URL.
    pub fn stripe(&self, addr: SocketAddr) -> Result<Option<StripeSettings>, PaymentsConfigError> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let secret_key = self.secret_key()?;
        let webhook_secret = secret(
            self.stripe_webhook_secret.as_ref(),
            self.stripe_webhook_secret_file.as_deref(),
            STRIPE_WEBHOOK_SECRET_ENV,
            "STRIPE_WEBHOOK_SECRET_FILE",
        )?;
        let secret_key = secret_key.as_ref().map(Secret::expose);
        let webhook_secret = webhook_secret.as_ref().map(Secret::expose);
        let price_id = given(self.stripe_price_id.as_deref());
        let (Some(secret_key), Some(webhook_secret), Some(price_id)) =
            (secret_key, webhook_secret, price_id)
        else {
            let missing: Vec<&str> = [
                ("STRIPE_SECRET_KEY", secret_key.is_none()),
                ("STRIPE_WEBHOOK_SECRET", webhook_secret.is_none()),
                ("STRIPE_PRICE_ID", price_id.is_none()),
            ]
            .iter()
            .filter(|(_, missing)| *missing)
            .map(|(name, _)| *name)
            .collect();
            return if missing.len() == 3 {
                Ok(None)
            } else {
                Err(PaymentsConfigError::Partial(missing.join(" and ")))
            };
        };
        let live = is_live_key(secret_key);
        let api_base = http_url("--stripe-api-base", &self.stripe_api_base)?;
        let public_url = match &self.public_url {
            Some(url) => http_url("--public-url", url)?,
            None if live => return Err(PaymentsConfigError::LiveWithoutPublicUrl),
            // A test server without its public address: the address it listens on, the
            // loopback one when it listens on all of them (no browser opens 0.0.0.0).
            None if addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
            None => format!("http://{addr}"),
        };
        if live && !public_url.starts_with("https://") {
            return Err(PaymentsConfigError::LiveWithoutPublicUrl);
        }
        let audience =
            licence::audience(&public_url).ok_or_else(|| PaymentsConfigError::NotUrl {
                option: "--public-url",
                value: public_url.clone(),
            })?;
        Ok(Some(StripeSettings {
            secret_key: Secret::from(secret_key),
            webhook_secret: Secret::from(webhook_secret),
            price_id: price_id.to_owned(),
            api_base: format!("{}/", api_base.trim_end_matches('/')),
            mode: self.stripe_mode,
            public_url: public_url.trim_end_matches('/').to_owned(),
            audience,
            live,
        }))
    }

    /// Stripe's secret key, from `STRIPE_SECRET_KEY` or its file, if given.
    pub fn secret_key(&self) -> Result<Option<Secret>, PaymentsConfigError> {
        secret(
            self.stripe_secret_key.as_ref(),
            self.stripe_secret_key_file.as_deref(),
            STRIPE_SECRET_KEY_ENV,
            "STRIPE_SECRET_KEY_FILE",
        )
    }

    /// Whether a live Stripe key is configured: then no licence key is ever made up. An
    /// unreadable key file counts as live, so that a mistake never yields a fresh key.
    pub fn is_live(&self) -> bool {
        self.secret_key()
            .map_or(true, |key| key.is_some_and(|key| is_live_key(key.expose())))
    }
}

/// `value` trimmed when it is an http(s) URL with a host.
fn http_url(option: &'static str, value: &str) -> Result<String, PaymentsConfigError> {
    let value = value.trim();
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !rest.contains(char::is_whitespace) =>
        {
            Ok(value.to_owned())
        }
        _ => Err(PaymentsConfigError::NotUrl {
            option,
            value: value.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::Config;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        Config::try_parse_from(std::iter::once("mpp2xml-server").chain(args.iter().copied()))
    }

    const ADDR: &str = "127.0.0.1:8080";

    /// Secrets in files, as `--stripe-*-file` names them (the environment cannot be set in a
    /// test without `unsafe`); the folder lives as long as the answer.
    struct Secrets {
        dir: tempfile::TempDir,
    }

    impl Secrets {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn file(&self, name: &str, text: &str) -> String {
            let path = self.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        }
    }

    fn stripe_with(args: &[&str]) -> Result<Option<StripeSettings>, PaymentsConfigError> {
        parse(args).unwrap().payments.stripe(ADDR.parse().unwrap())
    }

    #[test]
    fn without_stripe_settings_the_server_is_free() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.payments, PaymentsConfig::default());
        assert_eq!(stripe_with(&[]), Ok(None));
        assert_eq!(
            config.payments.licence_key_file,
            PathBuf::from("data/licence.key")
        );
        assert_eq!(config.payments.licence_days, 365);
        assert!(!config.payments.print_licence_public_key);
        assert!(!config.payments.is_live());
    }

    #[test]
    fn the_three_stripe_settings_turn_payments_on() {
        let secrets = Secrets::new();
        let key = secrets.file("key", "sk_test_1\n");
        let webhook = secrets.file("webhook", "  whsec_2 \n");
        let settings = stripe_with(&[
            "--stripe-secret-key-file",
            &key,
            "--stripe-webhook-secret-file",
            &webhook,
            "--stripe-price-id",
            "price_3",
            "--stripe-api-base",
            "http://127.0.0.1:9999",
            "--stripe-mode",
            "subscription",
            "--public-url",
            "https://mpp2xml.example/",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(settings.secret_key.expose(), "sk_test_1");
        assert_eq!(settings.webhook_secret.expose(), "whsec_2");
        assert_eq!(settings.price_id, "price_3");
        assert_eq!(settings.api_base, "http://127.0.0.1:9999/");
        assert_eq!(settings.mode, StripeMode::Subscription);
        assert_eq!(settings.public_url, "https://mpp2xml.example");
        assert_eq!(settings.audience, "https://mpp2xml.example");
        assert!(!settings.live);
        // The default public URL is the listening address.
        let settings = stripe_with(&[
            "--stripe-secret-key-file",
            &key,
            "--stripe-webhook-secret-file",
            &webhook,
            "--stripe-price-id",
            "price_3",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(settings.public_url, "http://127.0.0.1:8080");
        assert_eq!(settings.audience, "http://127.0.0.1:8080");
        // Listening on every address, the loopback one stands for them: no browser opens
        // http://0.0.0.0:8080, so licences for it would be refused everywhere.
        for all in ["0.0.0.0:8080", "[::]:8080"] {
            let settings = parse(&[
                "--stripe-secret-key-file",
                &key,
                "--stripe-webhook-secret-file",
                &webhook,
                "--stripe-price-id",
                "price_3",
            ])
            .unwrap()
            .payments
            .stripe(all.parse().unwrap())
            .unwrap()
            .unwrap();
            assert_eq!(settings.audience, "http://127.0.0.1:8080", "{all}");
        }
        assert_eq!(settings.api_base, "https://api.stripe.com/");
        assert_eq!(settings.mode, StripeMode::Payment);
        // The environment's values (set here as `skip` fields are, from the environment).
        let from_env = PaymentsConfig {
            stripe_secret_key: Some(Secret::from("sk_test_env")),
            stripe_webhook_secret: Some(Secret::from("whsec_env")),
            stripe_price_id: Some("price_3".into()),
            ..PaymentsConfig::default()
        };
        let settings = from_env.stripe(ADDR.parse().unwrap()).unwrap().unwrap();
        assert_eq!(settings.secret_key.expose(), "sk_test_env");
        assert_eq!(settings.webhook_secret.expose(), "whsec_env");
    }

    #[test]
    fn secrets_are_not_command_line_options() {
        for flag in [
            "--stripe-secret-key",
            "--stripe-webhook-secret",
            "--licence-key",
        ] {
            let error = parse(&[flag, "sk_live_visible_in_proc"]).unwrap_err();
            assert_eq!(
                error.kind(),
                clap::error::ErrorKind::UnknownArgument,
                "{flag}: {error}"
            );
        }
        // The file options are paths, not secrets.
        assert!(parse(&["--stripe-secret-key-file", "/run/secrets/stripe"]).is_ok());
    }

    #[test]
    fn a_secret_given_twice_or_an_unreadable_file_is_refused() {
        let secrets = Secrets::new();
        let key = secrets.file("key", "sk_test_1");
        let mut config = parse(&["--stripe-secret-key-file", &key]).unwrap().payments;
        config.stripe_secret_key = Some(Secret::from("sk_test_env"));
        assert_eq!(
            config.secret_key(),
            Err(PaymentsConfigError::Twice {
                env: "STRIPE_SECRET_KEY",
                file_env: "STRIPE_SECRET_KEY_FILE"
            })
        );
        let missing = secrets.dir.path().join("absent").display().to_string();
        let config = parse(&["--stripe-webhook-secret-file", &missing])
            .unwrap()
            .payments;
        let error = config.stripe(ADDR.parse().unwrap()).unwrap_err();
        assert!(
            matches!(
                error,
                PaymentsConfigError::SecretFile {
                    file_env: "STRIPE_WEBHOOK_SECRET_FILE",
                    ..
                }
            ),
            "{error}"
        );
        // An unreadable key file is treated as live: no key is ever made up on a guess.
        let config = parse(&["--stripe-secret-key-file", &missing])
            .unwrap()
            .payments;
        assert!(config.is_live());
    }

    #[test]
    fn a_live_key_needs_an_https_public_url() {
        let secrets = Secrets::new();
        let key = secrets.file("key", "sk_live_1");
        let webhook = secrets.file("webhook", "whsec_2");
        let live = [
            "--stripe-secret-key-file",
            key.as_str(),
            "--stripe-webhook-secret-file",
            webhook.as_str(),
            "--stripe-price-id",
            "price_3",
        ];
        assert!(parse(&live).unwrap().payments.is_live());
        assert_eq!(
            stripe_with(&live),
            Err(PaymentsConfigError::LiveWithoutPublicUrl)
        );
        let mut http = live.to_vec();
        http.extend(["--public-url", "http://mpp2xml.example"]);
        assert_eq!(
            stripe_with(&http),
            Err(PaymentsConfigError::LiveWithoutPublicUrl)
        );
        let mut https = live.to_vec();
        https.extend(["--public-url", "https://mpp2xml.example/"]);
        let settings = stripe_with(&https).unwrap().unwrap();
        assert!(settings.live);
        assert_eq!(settings.audience, "https://mpp2xml.example");
        assert!(is_live_key("rk_live_x") && !is_live_key("sk_test_x"));
    }

    #[test]
    fn some_stripe_settings_without_the_others_are_refused() {
        let secrets = Secrets::new();
        let key = secrets.file("key", "sk_test_1");
        let error = stripe_with(&["--stripe-secret-key-file", &key]).unwrap_err();
        assert_eq!(
            error,
            PaymentsConfigError::Partial("STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_ID".into())
        );
        // An empty value counts as missing.
        let blank = secrets.file("blank", " \n");
        let error = stripe_with(&[
            "--stripe-secret-key-file",
            &key,
            "--stripe-webhook-secret-file",
            &blank,
            "--stripe-price-id",
            "price_3",
        ])
        .unwrap_err();
        assert!(
            error.to_string().contains("STRIPE_WEBHOOK_SECRET missing"),
            "{error}"
        );
    }

    #[test]
    fn urls_and_modes_are_checked() {
        let secrets = Secrets::new();
        let key = secrets.file("key", "sk");
        let webhook = secrets.file("webhook", "wh");
        let all = [
            "--stripe-secret-key-file",
            key.as_str(),
            "--stripe-webhook-secret-file",
            webhook.as_str(),
            "--stripe-price-id",
            "price",
        ];
        for (option, bad) in [
            ("--public-url", "mpp2xml.example"),
            ("--public-url", "ftp://x"),
            ("--stripe-api-base", "http://"),
            ("--stripe-api-base", "https:///v1"),
        ] {
            let mut args = all.to_vec();
            args.extend([option, bad]);
            assert!(
                matches!(stripe_with(&args), Err(PaymentsConfigError::NotUrl { .. })),
                "{option} {bad}"
            );
        }
        assert!(parse(&["--stripe-mode", "setup"]).is_err());
        assert!(parse(&["--licence-days", "0"]).is_err());
        assert_eq!(
            parse(&["--licence-days", "30"])
                .unwrap()
                .payments
                .licence_days,
            30
        );
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut config = parse(&[]).unwrap();
        config.payments.stripe_secret_key = Some(Secret::from("sk_live_topsecret"));
        config.payments.stripe_webhook_secret = Some(Secret::from("whsec_topsecret"));
        config.payments.licence_key = Some(Secret::from("seed_topsecret"));
        let shown = format!("{config:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        let settings = PaymentsConfig {
            public_url: Some("https://x.example".into()),
            stripe_price_id: Some("price".into()),
            ..config.payments.clone()
        }
        .stripe(ADDR.parse().unwrap())
        .unwrap()
        .unwrap();
        let shown = format!("{settings:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
    }
}
