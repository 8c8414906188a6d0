//! End-to-end tests of the `keyhound` binary, on real files in temp dirs and on the
//! fixtures. One module per area; helpers in `util`.

mod action;
mod archives;
#[cfg(feature = "audit")]
mod audit;
#[cfg(feature = "aws")]
mod aws_account;
mod baseline;
mod canary;
mod config;
mod env;
mod features;
mod fixtures;
mod git;
mod gitlab;
mod hooks;
mod hostile_git;
mod hostile_output;
mod hostile_rules;
mod linear;
mod paper_cuts;
mod sarif;
mod scan;
#[cfg(feature = "verify")]
mod stub;
mod util;
#[cfg(feature = "verify")]
mod verify;
