#!/bin/sh
# keyhound-ci.sh: scan what a pull request, merge request or push adds, for CI.
#
# The GitHub Action (action.yml) and the GitLab CI job (ci/gitlab-ci.yml) both run this
# script, and tests/action.rs runs it too, so that what CI does is what the tests check.
# It runs `keyhound git range BASE..HEAD` in the current directory (a git work tree with
# enough history: actions/checkout with fetch-depth: 0, GitLab's GIT_DEPTH: 0), writes
# the report to a file, and exits with keyhound's exit code: 0 clean, 1 findings,
# 2 usage error, 3 incomplete (for example, BASE is not in a shallow clone).
#
# Environment (all optional):
#   KEYHOUND_EVENT           what triggered the run, for the log (pull_request, push, ...)
#   KEYHOUND_BASE            the commit before the change: the pull request's base, the
#                            merge request's diff base, or the commit before a push.
#                            Empty, or all zeros (a new branch), means "no base": then
#                            the range starts at origin/KEYHOUND_DEFAULT_BRANCH, and when
#                            there is no such branch, or HEAD is on it, the whole history
#                            is scanned (`keyhound git history`).
#   KEYHOUND_HEAD            the last commit of the change (default: HEAD)
#   KEYHOUND_DEFAULT_BRANCH  the repository's default branch (main, master, ...)
#   KEYHOUND_FORMAT          sarif (default), gitlab, json, jsonl or human
#   KEYHOUND_REPORT          the report file (default: keyhound.sarif for sarif,
#                            gl-secret-detection-report.json for gitlab,
#                            keyhound-report.FORMAT otherwise)
#   KEYHOUND_ARGS            extra flags for keyhound, split on white space (no quoting),
#                            e.g. "--baseline .keyhound-baseline.json --no-config"
#   KEYHOUND                 the keyhound program (default: keyhound, from PATH)
set -u
set -f # KEYHOUND_ARGS is split on white space, never glob-expanded

keyhound=${KEYHOUND:-keyhound}
event=${KEYHOUND_EVENT:-}
base=${KEYHOUND_BASE:-}
head=${KEYHOUND_HEAD:-}
[ -n "$head" ] || head=HEAD
default_branch=${KEYHOUND_DEFAULT_BRANCH:-}
format=${KEYHOUND_FORMAT:-sarif}
report=${KEYHOUND_REPORT:-}
if [ -z "$report" ]; then
    case $format in
        sarif) report=keyhound.sarif ;;
        gitlab) report=gl-secret-detection-report.json ;;
        *) report=keyhound-report.$format ;;
    esac
fi

say() {
    printf 'keyhound-ci: %s\n' "$*" >&2
}

# A base of zeros is git's "nothing": the push created the branch.
case $base in
    *[!0]*) ;;
    *) base= ;;
esac

# A report from an earlier step must not be uploaded as this run's.
rm -f -- "$report"

if [ -n "$base" ]; then
    say "${event:-scan}: scanning $base..$head"
    set -- git range "$base..$head"
elif [ -n "$default_branch" ] &&
    tip=$(git rev-parse --verify --quiet "refs/remotes/origin/$default_branch^{commit}") &&
    [ "$tip" != "$(git rev-parse --verify --quiet "$head^{commit}")" ]; then
    say "${event:-scan}: no base commit (a new branch): scanning origin/$default_branch..$head"
    set -- git range "origin/$default_branch..$head"
else
    say "${event:-scan}: no base commit, and no other branch to compare with: scanning the whole history"
    set -- git history
fi

# shellcheck disable=SC2086 # KEYHOUND_ARGS is meant to be split
"$keyhound" "$@" --format "$format" --report-path "$report" ${KEYHOUND_ARGS:-}
code=$?

case $code in
    0) say "clean: no AWS credential added (report: $report)" ;;
    1) say "AWS credentials found: see $report, deactivate and rotate every key it lists" ;;
    3) say "incomplete scan (exit 3): keyhound could not read everything it had to; see the error above" ;;
    *) say "keyhound failed (exit $code)" ;;
esac
exit "$code"
