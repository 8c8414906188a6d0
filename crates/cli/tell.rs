//! What the binary says on standard error as a scan goes: inputs skipped or unreadable,
//! what `--verify` does. Libraries tell events; this is where they become lines.

use keyhound_input::Event;
use keyhound_report::{display_path, plural_of};

/// Names a skipped, unreadable or not completely scanned input, a file that grew while
/// it was read, or a warning, as it happens.
pub fn tell_walk(event: &Event) {
    match event {
        Event::TooLarge { path, bytes } => eprintln!(
            "keyhound: {}: skipped, {bytes} bytes is over --max-file-size",
            display_path(path)
        ),
        Event::Unreadable { path, error } => match path.as_deref().map(display_path) {
            Some(shown) if !shown.is_empty() => {
                eprintln!("keyhound: {shown}: cannot read: {error}")
            }
            _ => eprintln!("keyhound: error: {error}"),
        },
        Event::Warning { message } => eprintln!("keyhound: warning: {message}"),
        Event::SpecialSkipped { path } => eprintln!(
            "keyhound: {}: skipped, not a regular file",
            display_path(path)
        ),
        Event::Scanned {
            source,
            bytes,
            stopped,
            grew,
            ..
        } => {
            if let Some(reason) = stopped {
                eprintln!("keyhound: {}: {reason}", source.display());
            }
            if *grew {
                eprintln!(
                    "keyhound: {}: grew while being read; scanned the first {bytes} bytes",
                    source.display()
                );
            }
        }
        Event::Counted { .. } => {}
    }
}

/// Says what `--verify` is doing.
#[cfg(feature = "verify")]
pub fn tell_verify(event: keyhound_verify::Event) {
    match event {
        keyhound_verify::Event::Verifying {
            credentials,
            endpoint,
            proxy_variable,
        } => eprintln!(
            "keyhound: verifying {} with STS GetCallerIdentity at {endpoint}{}",
            plural_of(credentials as u64, "credential", "credentials"),
            proxy_variable
                .map(|variable| format!(" (through the proxy in {variable})"))
                .unwrap_or_default()
        ),
        keyhound_verify::Event::ClientFailed(why) => {
            eprintln!("keyhound: warning: --verify: {why}")
        }
        keyhound_verify::Event::CanariesSkipped(count) => eprintln!(
            "keyhound: {} not verified: trying one would alert whoever planted it",
            plural_of(count as u64, "canary token", "canary tokens")
        ),
    }
}

/// Names the processes whose environment could not be read.
pub fn tell_processes(found: &keyhound_input::env::ProcessEnvironments) {
    if let Some(error) = &found.not_listed {
        eprintln!("keyhound: /proc: cannot list processes: {error}");
    }
    for (name, error) in &found.unreadable {
        eprintln!("keyhound: {name}: cannot read: {error}");
    }
    if found.without_environment > 0 {
        eprintln!(
            "keyhound: {} no environment to read (kernel threads, or exited meanwhile)",
            plural_of(found.without_environment, "process has", "processes have")
        );
    }
}
