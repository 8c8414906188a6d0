//! End-to-end tests of hostile input: output that streams and memory that stays small per finding; files that grow while read.

#[allow(unused_imports)]
use crate::util;
