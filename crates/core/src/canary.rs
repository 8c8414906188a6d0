//! Canary tokens: AWS keys planted on purpose so that whoever uses one sets off an alert.
//!
//! Services such as Thinkst Canarytokens issue such keys from a few AWS accounts of their
//! own, and a key id names its account ([`account_id`](crate::account_id)), so a canary is
//! recognised offline. The accounts are data, in `rules/canary-accounts.toml`, with the
//! source they come from. A canary is still reported (it sits where a key should not),
//! but it must never be tried against AWS: that is the very event the canary reports.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The built-in list, compiled into the library.
const ACCOUNTS: &str = include_str!("../rules/canary-accounts.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanaryFile {
    service: Vec<ServiceSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceSpec {
    name: String,
    #[allow(dead_code)] // documentation for readers of the file
    url: String,
    accounts: Vec<String>,
}

/// Account id → the name of the service that owns it.
fn table() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: CanaryFile = toml::from_str(ACCOUNTS)
            .expect("the built-in canary list parses: a unit test checks it on every build");
        file.service
            .into_iter()
            .flat_map(|service| {
                let name = service.name;
                service
                    .accounts
                    .into_iter()
                    .map(move |account| (account, name.clone()))
            })
            .collect()
    })
}

/// The canary-token service that owns AWS account `account_id` (12 digits), when it is one
/// of the accounts known to hold canary tokens: `Some("Thinkst Canarytokens")`, say.
///
/// ```
/// use keyhound_core::{account_id, canary_service};
///
/// let account = account_id("AKIASP2TPHJSQH3FJXYZ").unwrap();
/// assert_eq!(canary_service(&account), Some("Thinkst Canarytokens"));
/// assert_eq!(canary_service("123456789012"), None);
/// ```
pub fn canary_service(account_id: &str) -> Option<&'static str> {
    table().get(account_id).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_parses_and_holds_only_account_ids() {
        let file: CanaryFile = toml::from_str(ACCOUNTS).unwrap();
        let mut seen = std::collections::HashSet::new();
        for service in &file.service {
            assert!(!service.accounts.is_empty(), "{}", service.name);
            for account in &service.accounts {
                assert!(
                    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
                    "{account:?} is not a 12-digit account id"
                );
                assert!(seen.insert(account), "{account} is listed twice");
            }
        }
        assert_eq!(table().len(), seen.len());
    }

    #[test]
    fn thinkst_accounts_are_known() {
        assert_eq!(canary_service("052310077262"), Some("Thinkst Canarytokens"));
        // The canary key id TruffleHog's own tests use decodes to this account.
        let account = crate::account_id("AKIASP2TPHJSQH3FJRUX").unwrap();
        assert_eq!(canary_service(&account), Some("Thinkst Canarytokens"));
        assert!(canary_service("982842642351").is_some());
        assert_eq!(canary_service("111882330358"), None);
        assert_eq!(canary_service(""), None);
    }
}
