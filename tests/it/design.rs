//! `DESIGN.md` stays true to the tree: every fixture case a decision id cites exists, and every
//! path of the "where does X live" table exists.

use std::collections::HashSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn design() -> String {
    std::fs::read_to_string(root().join("DESIGN.md")).unwrap_or_default()
}

/// The backticked texts of a section (from its heading to the next `## `).
fn ticked(section: &str) -> Vec<String> {
    let text = design();
    let Some(start) = text.find(section) else {
        return Vec::new();
    };
    let body = text.get(start + section.len()..).unwrap_or_default();
    let body = body
        .get(..body.find("\n## ").unwrap_or(body.len()))
        .unwrap_or_default();
    body.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn decision_ids_cite_existing_cases() {
    let cited = ticked("## Semantic decisions (stable ids)");
    let mut checked = 0;
    let mut ids = HashSet::new();
    for text in &cited {
        if let Some((file, name)) = text.split_once(".jsonl#") {
            let path = root().join("fixtures/cases").join(format!("{file}.jsonl"));
            let cases = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let found = cases.lines().any(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .is_ok_and(|v| v["name"] == name.trim())
            });
            assert!(found, "DESIGN.md cites {text}, which is not a case");
            checked += 1;
        } else if text.starts_with("fixtures/") {
            assert!(root().join(text).exists(), "DESIGN.md cites {text}");
            checked += 1;
        }
    }
    let text = design();
    for line in text.lines().filter(|l| l.starts_with("| D-")) {
        let id = line.split('|').nth(1).unwrap_or_default().trim().to_owned();
        assert!(ids.insert(id.clone()), "{id} twice");
        assert!(
            line.contains(".jsonl#") || line.contains("fixtures/"),
            "{id} cites no case"
        );
    }
    assert!(ids.len() >= 16, "{ids:?}");
    assert!(checked >= 30, "{checked}");
}

#[test]
fn code_cites_only_known_decision_ids() {
    let text = design();
    let known: HashSet<&str> = text
        .lines()
        .filter(|l| l.starts_with("| D-"))
        .filter_map(|l| l.split('|').nth(1).map(str::trim))
        .collect();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let code = std::fs::read_to_string(&path).unwrap_or_default();
                for (at, _) in code.match_indices("D-") {
                    let id = code.get(at..at + 4).unwrap_or_default();
                    if id.len() == 4 && id.bytes().skip(2).all(|b| b.is_ascii_digit()) {
                        assert!(known.contains(id), "{} cites {id}", path.display());
                    }
                }
                let numbered = code.match_indices("decision ").any(|(at, m)| {
                    code.get(at + m.len()..)
                        .and_then(|rest| rest.chars().next())
                        .is_some_and(|c| c.is_ascii_digit())
                });
                assert!(
                    !numbered,
                    "{} cites a numbered decision instead of a D- id",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn where_does_x_live_paths_exist() {
    let paths: Vec<String> = ticked("## Where does X live?")
        .into_iter()
        .filter(|t| {
            t.starts_with("src/")
                || t.starts_with("fixtures/")
                || t.starts_with("docs/")
                || t.starts_with("tests/")
        })
        .collect();
    assert!(paths.len() >= 15, "{paths:?}");
    for p in paths {
        assert!(
            root().join(&p).exists(),
            "DESIGN.md names {p}, which does not exist"
        );
    }
}
