//! Durations as flags give them: `1s`, `500ms`, or a number of seconds.

use std::time::Duration;

/// The shortest duration [`parse_duration`] takes.
pub const MIN_DURATION: Duration = Duration::from_millis(1);

/// The longest duration [`parse_duration`] takes.
pub const MAX_DURATION: Duration = Duration::from_secs(600);

/// A text that is not a duration from [`MIN_DURATION`] to [`MAX_DURATION`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    /// The text, trimmed.
    pub text: String,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = &self.text;
        write!(
            f,
            "{text:?} is not a duration from 1ms to 600s (examples: 1s, 500ms)"
        )
    }
}

impl std::error::Error for DurationError {}

/// Parses `1s`, `500ms`, `1.5` (seconds) into a duration from [`MIN_DURATION`] to
/// [`MAX_DURATION`].
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let (number, scale) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else {
        (text.strip_suffix('s').unwrap_or(text), 1.0)
    };
    let range = MIN_DURATION.as_secs_f64()..=MAX_DURATION.as_secs_f64();
    let seconds = number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * scale)
        .filter(|s| range.contains(s))
        .ok_or_else(|| DurationError {
            text: text.to_string(),
        })?;
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration(" 2.5s "), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_duration("1ms"), Ok(MIN_DURATION));
        assert_eq!(parse_duration("600"), Ok(MAX_DURATION));
        for bad in ["0", "soon", "1h", "-1", "1000", "NaN", "inf", ""] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_message_quotes_the_trimmed_text_and_gives_examples() {
        let err = parse_duration(" 1h ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"1h\" is not a duration from 1ms to 600s (examples: 1s, 500ms)"
        );
    }
}
