//! The settings of payments and licences, part of the server's [`Config`](crate::Config).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Default of `--stripe-api-base`: Stripe's API.
pub const DEFAULT_STRIPE_API_BASE: &str = "https://api.stripe.com/";
/// Default of `--licence-key-file`, beside the default SQLite database (and gitignored with it).
pub const DEFAULT_LICENCE_KEY_FILE: &str = "data/licence.key";
/// Default of `--licence-days`.
pub const DEFAULT_LICENCE_DAYS: u32 = 365;

/// A secret from the command line or the environment: never shown by `Debug`, so logging the
/// configuration cannot leak it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that sends or uses it.
    pub fn expose(&self) -> &str {
        &self.0
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
    /// Stripe's secret API key (`sk_live_…` or `sk_test_…`), for creating Checkout Sessions.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<Secret>,

    /// The signing secret of the Stripe webhook endpoint (`whsec_…`) that points at
    /// `/api/v1/stripe/webhook`.
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<Secret>,

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
    /// [default: http://<--addr>].
    #[arg(long, env = "MPP2XML_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The licence signing key: the base64url text of a 32-byte Ed25519 seed. Give it in
    /// production (every instance the same); without it the key is read from
    /// `--licence-key-file`.
    #[arg(long, env = "MPP2XML_LICENCE_KEY", hide_env_values = true)]
    pub licence_key: Option<Secret>,

    /// The file holding the licence signing key when `--licence-key` is not given; created
    /// (mode 0600) with a fresh development key when missing, and kept: a new key would make
    /// every licence issued before invalid.
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
            stripe_webhook_secret: None,
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
}

impl PaymentsConfig {
    /// The Stripe settings when payments are configured, `None` when none is given (a free
    /// server), or why they cannot be used. `addr` gives the default public URL.
    pub fn stripe(&self, addr: SocketAddr) -> Result<Option<StripeSettings>, PaymentsConfigError> {
        fn given(value: Option<&str>) -> Option<&str> {
            value.map(str::trim).filter(|v| !v.is_empty())
        }
        let secret_key = given(self.stripe_secret_key.as_ref().map(Secret::expose));
        let webhook_secret = given(self.stripe_webhook_secret.as_ref().map(Secret::expose));
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
        let api_base = http_url("--stripe-api-base", &self.stripe_api_base)?;
        let public_url = match &self.public_url {
            Some(url) => http_url("--public-url", url)?,
            None => format!("http://{addr}"),
        };
        Ok(Some(StripeSettings {
            secret_key: Secret::from(secret_key),
            webhook_secret: Secret::from(webhook_secret),
            price_id: price_id.to_owned(),
            api_base: format!("{}/", api_base.trim_end_matches('/')),
            mode: self.stripe_mode,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }))
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

    fn stripe(args: &[&str]) -> Result<Option<StripeSettings>, PaymentsConfigError> {
        parse(args).unwrap().payments.stripe(ADDR.parse().unwrap())
    }

    #[test]
    fn without_stripe_settings_the_server_is_free() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.payments, PaymentsConfig::default());
        assert_eq!(stripe(&[]), Ok(None));
        assert_eq!(
            config.payments.licence_key_file,
            PathBuf::from("data/licence.key")
        );
        assert_eq!(config.payments.licence_days, 365);
        assert!(!config.payments.print_licence_public_key);
    }

    #[test]
    fn the_three_stripe_settings_turn_payments_on() {
        let settings = stripe(&[
            "--stripe-secret-key",
            "sk_test_1",
            "--stripe-webhook-secret",
            "whsec_2",
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
        // The default public URL is the listening address.
        let settings = stripe(&[
            "--stripe-secret-key",
            "sk_test_1",
            "--stripe-webhook-secret",
            "whsec_2",
            "--stripe-price-id",
            "price_3",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(settings.public_url, "http://127.0.0.1:8080");
        assert_eq!(settings.api_base, "https://api.stripe.com/");
        assert_eq!(settings.mode, StripeMode::Payment);
    }

    #[test]
    fn some_stripe_settings_without_the_others_are_refused() {
        let error = stripe(&["--stripe-secret-key", "sk_test_1"]).unwrap_err();
        assert_eq!(
            error,
            PaymentsConfigError::Partial("STRIPE_WEBHOOK_SECRET and STRIPE_PRICE_ID".into())
        );
        // An empty value counts as missing.
        let error = stripe(&[
            "--stripe-secret-key",
            "sk_test_1",
            "--stripe-webhook-secret",
            " ",
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
        let all = [
            "--stripe-secret-key",
            "sk",
            "--stripe-webhook-secret",
            "wh",
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
                matches!(stripe(&args), Err(PaymentsConfigError::NotUrl { .. })),
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
        let config = parse(&[
            "--stripe-secret-key",
            "sk_live_topsecret",
            "--stripe-webhook-secret",
            "whsec_topsecret",
            "--licence-key",
            "seed_topsecret",
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
    }
}
