//! The rules TOML (`RuleSetBuilder::add_toml`, then `build`): any text either builds or
//! is an error whose message can be shown; a rule set that builds scans the text itself
//! and a sample without a panic, and runs its rules' own examples.
#![no_main]

use keyhound_core::{check_examples, RuleSet, Scanner};
use libfuzzer_sys::fuzz_target;

/// Lines a rule might match, so that built rules have something to confirm and pair.
const SAMPLE: &str = "aws_access_key_id = AKIAQWZ7RNE3OSJHKV4D\n\
aws_secret_access_key = R9oUz3yBJb2fM+Xq0sLtV7hnKe4WdYa1pCgI/6Tw\n\
token = acme_Zq8Wn2Lp5Rt7Yv3Xc6Bm9Kd4\n";

fuzz_target!(|input: &[u8]| {
    // A byte saying whether the built-in rules come too, then the file's text.
    let Some((&flags, text)) = input.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let mut builder = RuleSet::builder();
    builder.builtin(flags & 1 != 0).add_toml("fuzz.toml", text);
    if flags & 2 != 0 {
        // Rules that are also in a configuration file.
        builder.add_config_toml(".keyhound.toml", text);
    }
    let rules = match builder.build() {
        Ok(rules) => rules,
        Err(err) => {
            let _ = err.to_string();
            return;
        }
    };
    let scanner = Scanner::new(rules);
    let _ = scanner.scan(text.as_bytes());
    let _ = scanner.scan(SAMPLE.as_bytes());
    for failure in check_examples(&scanner) {
        let _ = failure.to_string();
    }
});
