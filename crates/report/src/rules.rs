//! The table of a rule set's rules, as `keyhound rules list` prints it.

use keyhound_core::RuleSet;

/// `rules` as a table: a `RULE KIND SEVERITY NAME` header, then one row per detection
/// rule and one for the pairing rule, if any; each column as wide as its widest cell,
/// two spaces between columns, every line ending in a newline.
pub fn rules_table(rules: &RuleSet) -> String {
    let mut rows: Vec<[String; 4]> = rules
        .rules()
        .iter()
        .map(|rule| {
            [
                rule.id().to_string(),
                rule.kind().to_string(),
                rule.severity().to_string(),
                rule.name().to_string(),
            ]
        })
        .collect();
    if let Some(pairing) = rules.pairing() {
        rows.push([
            pairing.rule_id().to_string(),
            "credential".to_string(),
            pairing.severity().to_string(),
            pairing.name().to_string(),
        ]);
    }
    columns(&["RULE", "KIND", "SEVERITY", "NAME"], &rows)
}

/// `rows` under `header`, each column but the last padded to its widest cell.
fn columns(header: &[&str; 4], rows: &[[String; 4]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    let mut line = |[id, kind, severity, name]: [&str; 4]| {
        table.push_str(&format!(
            "{id:<w0$}  {kind:<w1$}  {severity:<w2$}  {name}\n",
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    };
    line(*header);
    for [id, kind, severity, name] in rows {
        line([id, kind, severity, name]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_and_the_pairing_rule_have_a_row_in_aligned_columns() {
        let rules = RuleSet::builtin();
        let table = rules_table(&rules);
        let lines: Vec<&str> = table.lines().collect();
        let pairing = usize::from(rules.pairing().is_some());
        assert_eq!(lines.len(), 1 + rules.rules().len() + pairing);
        assert!(lines[0].starts_with("RULE "), "{table}");
        let kind_at = lines[0].find("KIND").expect("a KIND column");
        for (line, rule) in lines[1..].iter().zip(rules.rules()) {
            assert!(line.starts_with(&format!("{}  ", rule.id())), "{line}");
            assert_eq!(
                &line[kind_at..kind_at + rule.kind().to_string().len()],
                rule.kind().to_string()
            );
        }
        assert!(table.ends_with('\n'));
    }

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = [[
            "a-long-id".to_string(),
            "k".into(),
            "high".into(),
            "Name".into(),
        ]];
        assert_eq!(
            columns(&["RULE", "KIND", "SEVERITY", "NAME"], &rows),
            "RULE       KIND  SEVERITY  NAME\na-long-id  k     high      Name\n"
        );
    }
}
