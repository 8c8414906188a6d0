//! End-to-end tests of hostile input: replace refs, grafts and root commits in ranges.

#[allow(unused_imports)]
use crate::util;
