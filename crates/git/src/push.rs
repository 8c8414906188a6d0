//! What the pre-commit framework asks a hook to check in its pre-push stage, told by the
//! variables it sets for the hook.

use keyhound_core::Scanner;

use crate::{range, range_not_remotes, Outcome, RangeError, ScanOptions};

/// The commits a pre-push hook run by the pre-commit framework is asked to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreCommitPush {
    /// `FROM..TO`: the pushed commits on top of what the remote has.
    Range(String),
    /// A branch whose history the remote has none of (a push that includes a root
    /// commit): the framework then names only the branch.
    NewBranch(String),
}

impl PreCommitPush {
    /// The push the framework's variables describe, each looked up with `var` (for a
    /// hook's own environment, `std::env::var(name).ok()`; an empty value counts as
    /// unset): `PRE_COMMIT_FROM_REF` and `PRE_COMMIT_TO_REF`, else
    /// `PRE_COMMIT_LOCAL_BRANCH` when `PRE_COMMIT_REMOTE_BRANCH` is set. `None` outside
    /// the pre-push stage.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<PreCommitPush> {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        match (var("PRE_COMMIT_FROM_REF"), var("PRE_COMMIT_TO_REF")) {
            (Some(from), Some(to)) => Some(PreCommitPush::Range(format!("{from}..{to}"))),
            _ => {
                var("PRE_COMMIT_REMOTE_BRANCH")?;
                var("PRE_COMMIT_LOCAL_BRANCH").map(PreCommitPush::NewBranch)
            }
        }
    }

    /// Scans what the push brings: a range with [`range`], a new branch with
    /// [`range_not_remotes`].
    pub fn scan(
        &self,
        repo: &gix::Repository,
        scanner: &Scanner,
        options: &ScanOptions,
    ) -> Result<Outcome, RangeError> {
        match self {
            PreCommitPush::Range(spec) => range(repo, spec, scanner, options),
            PreCommitPush::NewBranch(branch) => range_not_remotes(repo, branch, scanner, options),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(vars: &[(&str, &str)]) -> Option<PreCommitPush> {
        PreCommitPush::from_vars(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn the_framework_s_variables_name_a_range_or_a_new_branch() {
        let range = [("PRE_COMMIT_FROM_REF", "abc"), ("PRE_COMMIT_TO_REF", "def")];
        assert_eq!(push(&range), Some(PreCommitPush::Range("abc..def".into())));
        let branch = [
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/topic"),
        ];
        assert_eq!(
            push(&branch),
            Some(PreCommitPush::NewBranch("refs/heads/topic".into()))
        );
        assert_eq!(push(&[]), None);
        // Empty counts as unset; a local branch alone is not the pre-push stage.
        assert_eq!(
            push(&[("PRE_COMMIT_FROM_REF", ""), ("PRE_COMMIT_TO_REF", "def")]),
            None
        );
        assert_eq!(
            push(&[("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/topic")]),
            None
        );
    }
}
