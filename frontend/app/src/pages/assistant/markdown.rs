//! A small Markdown renderer for answers: paragraphs with line breaks, headings, bullet and
//! numbered lists, tables, code, **bold**, *italics* and links. It builds Leptos views, so every
//! piece of text is escaped: an answer can quote vehicle descriptions, and no HTML in it is ever
//! interpreted. VINs become links to their vehicle.

use leptos::prelude::*;
use shared::stock::is_valid_vin;

use crate::pages::stock::vehicle_path;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Its lines, shown with line breaks between them.
    Paragraph(Vec<String>),
    Heading(String),
    List {
        ordered: bool,
        start: u32,
        items: Vec<String>,
    },
    Table {
        header: Vec<String>,
        align: Vec<Align>,
        rows: Vec<Vec<String>>,
    },
    Code(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Code(String),
    Vin(String),
    Link { text: Vec<Inline>, href: String },
}

/// The whole answer as views.
pub fn render(markdown: &str) -> impl IntoView + use<> {
    parse_blocks(markdown).into_iter().map(render_block).collect_view()
}

fn render_block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(lines) => {
            let lines = lines
                .into_iter()
                .enumerate()
                .map(|(at, line)| view! { {(at > 0).then(|| view! { <br /> })} {render_inline(&line)} })
                .collect_view();
            view! { <p>{lines}</p> }.into_any()
        }
        Block::Heading(text) => view! { <h3 class="answer-heading">{render_inline(&text)}</h3> }.into_any(),
        Block::List { ordered, start, items } => {
            let items = items.into_iter().map(|item| view! { <li>{render_inline(&item)}</li> }).collect_view();
            if ordered {
                view! { <ol start=start>{items}</ol> }.into_any()
            } else {
                view! { <ul>{items}</ul> }.into_any()
            }
        }
        Block::Table { header, align, rows } => {
            let class = move |column: usize| match align.get(column) {
                Some(Align::Right) => "right",
                Some(Align::Center) => "center",
                _ => "",
            };
            let header = header
                .into_iter()
                .enumerate()
                .map(|(at, cell)| view! { <th class=class(at)>{render_inline(&cell)}</th> })
                .collect_view();
            let rows = rows
                .into_iter()
                .map(|row| {
                    let cells = row
                        .into_iter()
                        .enumerate()
                        .map(|(at, cell)| view! { <td class=class(at)>{render_inline(&cell)}</td> })
                        .collect_view();
                    view! { <tr>{cells}</tr> }
                })
                .collect_view();
            view! {
                <div class="answer-table-wrap">
                    <table class="answer-table">
                        <thead><tr>{header}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
        Block::Code(code) => view! { <pre><code>{with_vin_links(&code)}</code></pre> }.into_any(),
    }
}

fn render_inline(text: &str) -> AnyView {
    render_nodes(parse_inline(text))
}

fn render_nodes(nodes: Vec<Inline>) -> AnyView {
    nodes
        .into_iter()
        .map(|node| match node {
            Inline::Text(text) => text.into_any(),
            Inline::Strong(inner) => view! { <strong>{render_nodes(inner)}</strong> }.into_any(),
            Inline::Emphasis(inner) => view! { <em>{render_nodes(inner)}</em> }.into_any(),
            Inline::Code(code) => view! { <code>{with_vin_links(&code)}</code> }.into_any(),
            Inline::Vin(vin) => view! { <a class="vin-link" href=vehicle_path(&vin)>{vin.clone()}</a> }.into_any(),
            Inline::Link { text, href } if href.starts_with('/') => {
                view! { <a href=href>{render_nodes(text)}</a> }.into_any()
            }
            Inline::Link { text, href } => {
                view! { <a href=href target="_blank" rel="noopener noreferrer">{render_nodes(text)}</a> }.into_any()
            }
        })
        .collect_view()
        .into_any()
}

fn with_vin_links(text: &str) -> AnyView {
    render_nodes(split_vins(text))
}

// Parsing: blocks first, then the text inside each one.

fn is_bullet(line: &str) -> Option<&str> {
    let line = line.trim_start();
    ["- ", "* ", "+ ", "• "].iter().find_map(|marker| line.strip_prefix(marker))
}

/// `3. text` or `3) text`: the number and the text.
fn numbered(line: &str) -> Option<(u32, &str)> {
    let line = line.trim_start();
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = &line[digits..];
    let text = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "))?;
    Some((line[..digits].parse().ok()?, text))
}

/// The text of a list item of the given kind.
fn list_item(line: &str, ordered: bool) -> Option<&str> {
    if ordered { numbered(line).map(|(_, text)| text) } else { is_bullet(line) }
}

fn heading(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let hashes = trimmed.chars().take_while(|c| *c == '#').count();
    (1..=6).contains(&hashes).then(|| trimmed[hashes..].strip_prefix(' ')).flatten().map(str::trim)
}

fn is_fence(line: &str) -> bool {
    line.trim_start().starts_with("```")
}

/// `|---|:---:|---:|`: the line under a table's header.
fn separator(line: &str) -> Option<Vec<Align>> {
    let line = line.trim();
    if !line.contains('-') || !line.chars().all(|c| matches!(c, '|' | ':' | '-' | ' ')) {
        return None;
    }
    let cells = split_row(line);
    cells
        .iter()
        .map(|cell| match (cell.starts_with(':'), cell.ends_with(':') && cell.len() > 1) {
            _ if !cell.contains('-') => None,
            (true, true) => Some(Align::Center),
            (false, true) => Some(Align::Right),
            _ => Some(Align::Left),
        })
        .collect()
}

/// A table row's cells, without the outer pipes; `\|` is a pipe inside a cell.
fn split_row(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = if line.ends_with('|') && !line.ends_with("\\|") { &line[..line.len() - 1] } else { line };
    let mut cells = vec![String::new()];
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => cells.last_mut().unwrap().push(chars.next().unwrap()),
            '|' => cells.push(String::new()),
            other => cells.last_mut().unwrap().push(other),
        }
    }
    cells.into_iter().map(|cell| cell.trim().to_owned()).collect()
}

fn is_table_start(lines: &[&str], at: usize) -> bool {
    lines[at].contains('|')
        && lines
            .get(at + 1)
            .and_then(|next| separator(next))
            .is_some_and(|align| align.len() == split_row(lines[at]).len())
}

/// Whether a line begins a block other than a paragraph (so it ends the paragraph before it).
fn starts_block(lines: &[&str], at: usize) -> bool {
    let line = lines[at];
    is_bullet(line).is_some()
        || numbered(line).is_some()
        || heading(line).is_some()
        || is_fence(line)
        || is_table_start(lines, at)
}

pub fn parse_blocks(markdown: &str) -> Vec<Block> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        if line.trim().is_empty() {
            at += 1;
        } else if is_fence(line) {
            at += 1;
            let start = at;
            while at < lines.len() && !is_fence(lines[at]) {
                at += 1;
            }
            blocks.push(Block::Code(lines[start..at].join("\n")));
            at += 1;
        } else if is_table_start(&lines, at) {
            let header = split_row(line);
            let align = separator(lines[at + 1]).unwrap_or_default();
            at += 2;
            let mut rows = Vec::new();
            while at < lines.len() && lines[at].contains('|') && !lines[at].trim().is_empty() {
                let mut row = split_row(lines[at]);
                row.resize(header.len(), String::new());
                rows.push(row);
                at += 1;
            }
            blocks.push(Block::Table { header, align, rows });
        } else if let Some(text) = heading(line) {
            blocks.push(Block::Heading(text.to_owned()));
            at += 1;
        } else if is_bullet(line).is_some() || numbered(line).is_some() {
            let ordered = numbered(line).is_some();
            let start = numbered(line).map_or(1, |(number, _)| number);
            let mut items: Vec<String> = Vec::new();
            while at < lines.len() {
                let line = lines[at];
                if let Some(text) = list_item(line, ordered) {
                    items.push(text.trim().to_owned());
                } else if line.trim().is_empty() {
                    // A blank line between items keeps the list going.
                    if lines.get(at + 1).is_none_or(|next| list_item(next, ordered).is_none()) {
                        break;
                    }
                } else if line.starts_with([' ', '\t']) && !starts_block(&lines, at) {
                    // An indented line continues the item above.
                    if let Some(last) = items.last_mut() {
                        last.push(' ');
                        last.push_str(line.trim());
                    }
                } else {
                    break;
                }
                at += 1;
            }
            blocks.push(Block::List { ordered, start, items });
        } else {
            let mut paragraph = vec![line.trim().to_owned()];
            at += 1;
            while at < lines.len() && !lines[at].trim().is_empty() && !starts_block(&lines, at) {
                paragraph.push(lines[at].trim().to_owned());
                at += 1;
            }
            blocks.push(Block::Paragraph(paragraph));
        }
    }
    blocks
}

/// Only links that cannot run script: paths in the app and web addresses.
fn safe_href(href: &str) -> bool {
    (href.starts_with('/') && !href.starts_with("//")) || href.starts_with("https://") || href.starts_with("http://")
}

pub fn parse_inline(text: &str) -> Vec<Inline> {
    let mut nodes = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let found = if let Some(after) = rest.strip_prefix("**") {
            after
                .find("**")
                .filter(|end| *end > 0)
                .map(|end| (Inline::Strong(parse_inline(&after[..end])), &after[end + 2..]))
        } else if let Some(after) = rest.strip_prefix('*') {
            // `*text*`, not a lone asterisk or one followed by a space (`5 * 3`).
            after
                .find('*')
                .filter(|end| *end > 0 && !after.starts_with(' ') && !after[..*end].ends_with(' '))
                .map(|end| (Inline::Emphasis(parse_inline(&after[..end])), &after[end + 1..]))
        } else if let Some(after) = rest.strip_prefix('`') {
            after.find('`').map(|end| (Inline::Code(after[..end].to_owned()), &after[end + 1..]))
        } else if let Some(after) = rest.strip_prefix('[') {
            link(after)
        } else {
            None
        };
        match found {
            Some((node, after)) => {
                if !plain.is_empty() {
                    nodes.extend(split_vins(&std::mem::take(&mut plain)));
                }
                nodes.push(node);
                rest = after;
            }
            None => {
                plain.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if !plain.is_empty() {
        nodes.extend(split_vins(&plain));
    }
    nodes
}

/// `text](href)` after its `[`: the link and what follows it. An unsafe address keeps only
/// the text.
fn link(after: &str) -> Option<(Inline, &str)> {
    let close = after.find("](")?;
    let end = close + 2 + after[close + 2..].find(')')?;
    let text = parse_inline(&after[..close]);
    let href = after[close + 2..end].trim();
    let node = if safe_href(href) { Inline::Link { text, href: href.to_owned() } } else { Inline::Strong(text) };
    Some((node, &after[end + 1..]))
}

/// Plain text with its VINs (17 digits and capitals, without I, O or Q, standing alone) apart.
pub fn split_vins(text: &str) -> Vec<Inline> {
    let mut nodes = Vec::new();
    let mut from = 0;
    let mut word_start = None;
    // A sentinel space closes the last word.
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c.is_ascii_alphanumeric(), word_start) {
            (true, None) => word_start = Some(at),
            (false, Some(start)) => {
                let word = &text[start..at];
                let both = word.bytes().any(|b| b.is_ascii_digit()) && word.bytes().any(|b| b.is_ascii_uppercase());
                if both && is_valid_vin(word) {
                    if start > from {
                        nodes.push(Inline::Text(text[from..start].to_owned()));
                    }
                    nodes.push(Inline::Vin(word.to_owned()));
                    from = at;
                }
                word_start = None;
            }
            _ => {}
        }
    }
    if from < text.len() {
        nodes.push(Inline::Text(text[from..].to_owned()));
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_lists_and_paragraphs() {
        let blocks = parse_blocks(
            "Hay **3** coches:\nen Madrid\n\n| Marca | Precio |\n|---|---:|\n| SEAT | 15.000 € |\n\n- uno\n- dos\n\n1. a\n2. b",
        );
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[0], Block::Paragraph(vec!["Hay **3** coches:".into(), "en Madrid".into()]));
        assert_eq!(
            blocks[1],
            Block::Table {
                header: vec!["Marca".into(), "Precio".into()],
                align: vec![Align::Left, Align::Right],
                rows: vec![vec!["SEAT".into(), "15.000 €".into()]],
            }
        );
        assert_eq!(blocks[2], Block::List { ordered: false, start: 1, items: vec!["uno".into(), "dos".into()] });
        assert_eq!(blocks[3], Block::List { ordered: true, start: 1, items: vec!["a".into(), "b".into()] });
    }

    #[test]
    fn inline_markup_and_vins() {
        let nodes = parse_inline("El **VSSZZZ6JZ9R123456** y <b>x</b> `a` [ver](javascript:alert(1))");
        assert_eq!(nodes[0], Inline::Text("El ".into()));
        assert_eq!(nodes[1], Inline::Strong(vec![Inline::Vin("VSSZZZ6JZ9R123456".into())]));
        assert_eq!(nodes[2], Inline::Text(" y <b>x</b> ".into()));
        assert_eq!(nodes[3], Inline::Code("a".into()));
        assert!(!nodes.iter().any(|n| matches!(n, Inline::Link { .. })));
        assert_eq!(split_vins("12345678901234567"), vec![Inline::Text("12345678901234567".into())]);
        assert_eq!(split_vins("XVSSZZZ6JZ9R123456"), vec![Inline::Text("XVSSZZZ6JZ9R123456".into())]);
    }
}
