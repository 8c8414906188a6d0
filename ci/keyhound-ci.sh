#!/bin/sh
# keyhound-ci.sh: scan what a pull request, merge request or push adds, for CI.
#
# The GitHub Action (action.yml) and the GitLab CI job (ci/gitlab-ci.yml) both run this
# script, and tests/action.rs runs it too, so that what CI does is what the tests check.
# It runs `keyhound git range BASE..HEAD` in the current directory (a git work tree with
# enough history: actions/checkout with fetch-depth: 0, GitLab's GIT_DEPTH: 0), writes
# the report to a file, lists the findings in the log (redacted; on GitHub also one
# `::error file=…,line=…::` annotation each), and exits with keyhound's exit code:
# 0 clean, 1 findings, 2 usage error (a BASE or HEAD that names nothing), 3 incomplete
# (for example, BASE is not in a shallow clone).
#
# What is scanned:
#   - BASE is a commit here: what BASE..HEAD adds.
#   - BASE is a full commit id that a full clone does not have: a force-push rewrote the
#     branch. What HEAD brings that no other remote branch has is scanned instead
#     (`git range --not-other-remotes HEAD`), and the log says so.
#   - no BASE (a new branch, a manual or scheduled run): origin/DEFAULT_BRANCH..HEAD, or,
#     when HEAD is the default branch or there is none, the history reachable from HEAD
#     (`git history --rev HEAD`), never other branches the clone fetched.
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
#   KEYHOUND_CI_LOG          what the log shows of the findings: github (the readable
#                            report and ::error annotations; the default on GitHub
#                            Actions), human (the readable report; the default elsewhere)
#                            or none
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

ci_log=${KEYHOUND_CI_LOG:-}
if [ -z "$ci_log" ]; then
    if [ "${GITHUB_ACTIONS:-}" = true ]; then ci_log=github; else ci_log=human; fi
fi

say() {
    printf 'keyhound-ci: %s\n' "$*" >&2
}

# A full commit id (SHA-1 or SHA-256), as CI systems pass them.
is_object_id() {
    case $1 in
        *[!0-9a-fA-F]*) return 1 ;;
    esac
    [ ${#1} -eq 40 ] || [ ${#1} -eq 64 ]
}

# How to fetch the whole history, in this CI system's words.
if [ -n "${GITLAB_CI:-}" ]; then
    deepen="set GIT_DEPTH: 0 in the job's variables"
else
    deepen="use actions/checkout with fetch-depth: 0"
fi

# A base of zeros is git's "nothing": the push created the branch.
case $base in
    *[!0]*) ;;
    *) base= ;;
esac

# A report from an earlier step must not be uploaded as this run's.
rm -f -- "$report"

if [ -n "$base" ] && ! git cat-file -e "$base^{commit}" 2>/dev/null &&
    [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = false ] && is_object_id "$base"; then
    # Not a typo (that is a usage error, below) and not a shallow clone's edge (exit 3):
    # the commit before the push is reachable from nothing, history was rewritten.
    say "${event:-scan}: the base commit $base is not in this repository (a force-push rewrote the branch):"
    say "scanning what $head brings that no other remote branch has"
    set -- git range --not-other-remotes "$head"
elif [ -n "$base" ]; then
    say "${event:-scan}: scanning $base..$head"
    set -- git range "$base..$head"
elif [ -n "$default_branch" ] &&
    tip=$(git rev-parse --verify --quiet "refs/remotes/origin/$default_branch^{commit}") &&
    [ "$tip" != "$(git rev-parse --verify --quiet "$head^{commit}")" ]; then
    say "${event:-scan}: no base commit (a new branch): scanning origin/$default_branch..$head"
    set -- git range "origin/$default_branch..$head"
else
    say "${event:-scan}: no base commit, and no other branch to compare with: scanning the history of $head"
    set -- git history --rev "$head"
fi

case $ci_log in
    none) ;;
    *) set -- "$@" --ci-log "$ci_log" ;;
esac

# shellcheck disable=SC2086 # KEYHOUND_ARGS is meant to be split
"$keyhound" "$@" --format "$format" --report-path "$report" ${KEYHOUND_ARGS:-}
code=$?

case $code in
    0) say "clean: no AWS credential added (report: $report)" ;;
    1) say "AWS credentials found (listed above, and in $report): take them out, deactivate and rotate every key" ;;
    2) say "usage error (exit 2): see the error above (is the base or head a commit of this repository?)" ;;
    3) say "incomplete scan (exit 3): keyhound could not read everything it had to; see the error above (in a shallow clone, $deepen)" ;;
    *) say "keyhound failed (exit $code)" ;;
esac
exit "$code"
