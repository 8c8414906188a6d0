#!/usr/bin/env python3
"""Compares two SARIF logs: the same results, as the set of (ruleId, artifact uri,
startLine, startColumn), and the same list of tool.driver.rules[].id. Prints what differs
and exits 1 on any difference, 0 when they agree.

Usage: .ci/compare_sarif.py EXPECTED.sarif ACTUAL.sarif
"""

import json
import sys


def load(path):
    with open(path, encoding="utf-8-sig") as f:
        log = json.load(f)
    runs = log.get("runs") or []
    if len(runs) != 1:
        sys.exit(f"{path}: {len(runs)} runs, not 1")
    return runs[0]


def results(path, run):
    keys = []
    for result in run.get("results") or []:
        location = (result.get("locations") or [{}])[0].get("physicalLocation", {})
        region = location.get("region", {})
        keys.append(
            (
                result.get("ruleId"),
                location.get("artifactLocation", {}).get("uri"),
                region.get("startLine"),
                region.get("startColumn"),
            )
        )
    found = set(keys)
    if len(found) != len(keys):
        print(f"{path}: {len(keys) - len(found)} duplicate results", file=sys.stderr)
    return found


def rule_ids(run):
    return [rule.get("id") for rule in run["tool"]["driver"].get("rules") or []]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    (expected_path, actual_path) = sys.argv[1:]
    expected, actual = load(expected_path), load(actual_path)
    failed = False

    want, got = results(expected_path, expected), results(actual_path, actual)
    if not want:
        print(f"{expected_path}: no results: nothing compared", file=sys.stderr)
        failed = True
    for key in sorted(want - got, key=str):
        print(f"only in {expected_path}: {key}", file=sys.stderr)
        failed = True
    for key in sorted(got - want, key=str):
        print(f"only in {actual_path}: {key}", file=sys.stderr)
        failed = True

    want_rules, got_rules = rule_ids(expected), rule_ids(actual)
    if want_rules != got_rules:
        print(
            f"rules differ:\n  {expected_path}: {want_rules}\n  {actual_path}: {got_rules}",
            file=sys.stderr,
        )
        failed = True

    verdict = "differ" if failed else "agree"
    print(
        f"compare_sarif: {expected_path} and {actual_path} {verdict}: "
        f"{len(want)} and {len(got)} results, {len(want_rules)} and {len(got_rules)} rules",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
