//! Join starts cost time linear in the input. Alone in its test binary: tests of one
//! binary run side by side, and a neighbour's work would skew the ratio.

use keyhound_core::Scanner;

/// Join starts cost time linear in the input: four times the pieces, shell assignments
/// and expansions (resolvable or not) take about four times as long (a ratio of the
/// fastest of three runs each, never a wall-clock limit), and what they hold is found.
#[test]
fn join_starts_cost_time_linear_in_the_input() {
    let scanner = Scanner::default();
    let unit = "k = \"AKIA\" + \"QW\"\nA=AKIAQW\nB=RNE3\necho \"$A$B\"\nAWS_SECRET=\"$X$Y\"\n\
                aws_secret_access_key = 'R9oU' + 'z3'\n";
    let tail = "aws_secret_access_key = \"t6EBKma9VnoSVvv676Y2A3\" + \"UKtX/okBZrduKUAFuc\"\n";
    let timed = |text: &str| {
        let started = std::time::Instant::now();
        let findings = scanner.scan(text.as_bytes());
        let elapsed = started.elapsed();
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].encoding, "joined");
        elapsed
    };
    let (small_text, large_text) = (unit.repeat(2_000) + tail, unit.repeat(8_000) + tail);
    // The fastest of five each, taken in turns, so a busy moment weighs on both.
    let (mut small, mut large) = (std::time::Duration::MAX, std::time::Duration::MAX);
    for _ in 0..5 {
        small = small.min(timed(&small_text));
        large = large.min(timed(&large_text));
    }
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 8.0,
        "4x the input took {large:?} against {small:?} ({ratio:.1}x)"
    );
}
