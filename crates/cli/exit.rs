//! Exit codes (see `args::EXIT_CODES`).

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    /// Nothing found.
    Clean = 0,
    /// Findings.
    Findings = 1,
    /// Usage or configuration error.
    Usage = 2,
    /// An input could not be read, or was not completely scanned (more findings than one
    /// input may hold); wins over `Findings`.
    Incomplete = 3,
}

impl ExitCode {
    /// `Incomplete` when something could not be read, else `Findings` when something
    /// fails the run, else `Clean`.
    pub fn of(incomplete: bool, failing: bool) -> ExitCode {
        match (incomplete, failing) {
            (true, _) => ExitCode::Incomplete,
            (false, true) => ExitCode::Findings,
            (false, false) => ExitCode::Clean,
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}
