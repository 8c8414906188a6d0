//! End-to-end tests of hostile input: hostile configs, rules and baselines: budgets, and errors that never quote a secret.

#[allow(unused_imports)]
use crate::util;
