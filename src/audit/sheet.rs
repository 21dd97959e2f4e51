//! The contact sheet: one self-contained HTML file with every audited user's thumbnail, the
//! users with problems first, grouped by problem, a filter box and counts per problem.
//! Thumbnails are data URIs and the script is inline: it opens offline. The users are data
//! (JSON) that the page renders in slices as the reader scrolls, so 10,000 users do not make
//! 10,000 image elements at once.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use crate::error::Result;
use crate::files::write_atomically;

/// One user on the sheet.
#[derive(Debug, Clone, Serialize)]
pub struct Card {
    /// The display name (else the user).
    pub name: String,
    /// The UPN, sAMAccountName or DN.
    pub user: String,
    /// Problem and check codes (`missing`, `small`, `no-face`, ...); empty: nothing wrong.
    pub problems: Vec<String>,
    /// A small JPEG (the 96 px thumbnail), inlined as a data URI.
    #[serde(skip)]
    pub thumbnail: Option<Vec<u8>>,
}

#[derive(Serialize)]
struct Row<'a> {
    /// name, user, problems joined by spaces, image (data URI or "").
    n: &'a str,
    u: &'a str,
    p: String,
    i: String,
}

/// The sheet as HTML. `title` names what was audited (the tenant, the directory).
pub fn contact_sheet(title: &str, cards: &[Card]) -> String {
    let rows: Vec<Row> = cards
        .iter()
        .map(|c| Row {
            n: &c.name,
            u: &c.user,
            p: c.problems.join(" "),
            i: c.thumbnail.as_ref().map_or(String::new(), |t| {
                format!("data:image/jpeg;base64,{}", STANDARD.encode(t))
            }),
        })
        .collect();
    // JSON inside <script>: `<` escaped so no value can close the element.
    let data = serde_json::to_string(&rows)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    // Placeholders are filled part by part, so a value that spells one is not filled again.
    let title = escape_html(title);
    let (head, tail) = TEMPLATE.split_once("{{DATA}}").unwrap_or((TEMPLATE, ""));
    format!("{}{data}{tail}", head.replace("{{TITLE}}", &title))
}

/// A stored photo as a sheet's thumbnail: a small JPEG as it is, anything else rendered to
/// the 96 px thumbnail; None when it cannot be read.
pub fn thumbnail_of(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.starts_with(&[0xFF, 0xD8]) && bytes.len() <= SMALL_JPEG {
        return Some(bytes.to_vec());
    }
    render_thumbnail(bytes)
        .ok()
        .and_then(|out| out.renditions.into_iter().next())
        .map(|r| r.data)
}

/// The photo rendered to the 96 px `ad-thumbnail` target alone (with its crop and checks).
pub(crate) fn render_thumbnail(bytes: &[u8]) -> Result<crate::photo::RenderOutput> {
    let options = crate::photo::Options {
        targets: vec![crate::targets::TargetRequest::Name("ad-thumbnail".into())],
        ..Default::default()
    };
    crate::photo::render(bytes, &options)
}

/// A JPEG up to this size goes on the sheet as it is (a thumbnailPhoto is usually one).
const SMALL_JPEG: usize = 16 * 1024;

/// Write the sheet (through a temporary file).
pub fn write_contact_sheet(path: &Path, title: &str, cards: &[Card]) -> Result<()> {
    write_atomically(path, contact_sheet(title, cards).as_bytes())
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page. Problem order: what needs an admin first (no photo, unreadable, small, not
/// square, then the photo checks), healthy users last.
const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Photos: {{TITLE}}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd; padding: 10px 16px; z-index: 1; }
h1 { font-size: 18px; margin: 0 0 8px; }
#filter { width: 320px; padding: 6px; font-size: 14px; }
#counts { margin-top: 8px; display: flex; flex-wrap: wrap; gap: 6px; }
#counts button { border: 1px solid #bbb; background: #f4f4f4; border-radius: 12px; padding: 2px 10px; cursor: pointer; }
#counts button.on { background: #234; color: #fff; }
h2 { font-size: 15px; margin: 18px 16px 6px; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; padding: 0 16px; }
figure { width: 120px; margin: 0; background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px; text-align: center; }
figure img, figure .none { width: 96px; height: 96px; display: block; margin: 0 auto 4px; border-radius: 4px; }
figure .none { background: #e8e8e8; color: #777; line-height: 96px; font-size: 28px; }
figcaption { font-size: 12px; overflow-wrap: anywhere; }
.upn { color: #666; }
.problem { color: #a11; font-weight: 600; }
#more { height: 40px; }
</style>
</head>
<body>
<header>
<h1>Photos: {{TITLE}} (<span id="total"></span> users)</h1>
<input id="filter" type="search" placeholder="Filter by name, user or problem" autocomplete="off">
<div id="counts"></div>
</header>
<main id="groups"></main>
<div id="more"></div>
<script id="data" type="application/json">{{DATA}}</script>
<script>
"use strict";
const ORDER = ["audit-failed", "missing", "unreadable", "oversized", "not-jpeg", "small", "not-square",
  "no-face", "several-faces", "face-too-small", "too-dark", "too-bright", "low-detail", "small-source"];
const rank = p => { const i = ORDER.indexOf(p); return i < 0 ? ORDER.length : i; };
const users = JSON.parse(document.getElementById("data").textContent).map(r => {
  const problems = r.p ? r.p.split(" ") : [];
  problems.sort((a, b) => rank(a) - rank(b));
  return { name: r.n, user: r.u, problems, image: r.i, group: problems.length ? problems[0] : "ok",
           text: (r.n + " " + r.u + " " + r.p).toLowerCase() };
});
const groupRank = g => g === "ok" ? ORDER.length + 1 : rank(g);
users.sort((a, b) => groupRank(a.group) - groupRank(b.group) || a.name.localeCompare(b.name, undefined, { numeric: true }));
document.getElementById("total").textContent = users.length;

// Counts per problem (a user with two problems counts in both), and "ok".
const counts = new Map();
for (const u of users) for (const p of (u.problems.length ? u.problems : ["ok"])) counts.set(p, (counts.get(p) || 0) + 1);
const countsBox = document.getElementById("counts");
let only = null;
for (const [p, n] of [...counts].sort((a, b) => groupRank(a[0]) - groupRank(b[0]))) {
  const b = document.createElement("button");
  b.dataset.problem = p;
  b.textContent = p + ": " + n;
  b.onclick = () => { only = only === p ? null : p; render(); };
  countsBox.appendChild(b);
}

const SLICE = 200;
const groups = document.getElementById("groups");
let shown = [], next = 0;

function card(u) {
  const f = document.createElement("figure");
  f.className = "user";
  if (u.image) {
    const img = document.createElement("img");
    img.src = u.image; img.alt = u.name; img.width = 96; img.height = 96; img.decoding = "async";
    f.appendChild(img);
  } else {
    const d = document.createElement("div");
    d.className = "none"; d.textContent = (u.name || "?").trim().charAt(0).toUpperCase();
    f.appendChild(d);
  }
  const c = document.createElement("figcaption");
  const n = document.createElement("div"); n.textContent = u.name; c.appendChild(n);
  const m = document.createElement("div"); m.className = "upn"; m.textContent = u.user; c.appendChild(m);
  const p = document.createElement("div"); p.className = "problem"; p.textContent = u.problems.join(", "); c.appendChild(p);
  f.appendChild(c);
  return f;
}

// Render the next slice of the matching users into their group sections.
function more() {
  const end = Math.min(next + SLICE, shown.length);
  for (; next < end; next++) {
    const u = shown[next];
    let grid = document.getElementById("g-" + u.group);
    if (!grid) {
      const h = document.createElement("h2"); h.textContent = u.group === "ok" ? "No problem" : u.group;
      grid = document.createElement("div"); grid.className = "grid"; grid.id = "g-" + u.group;
      groups.appendChild(h); groups.appendChild(grid);
    }
    grid.appendChild(card(u));
  }
}

function render() {
  const q = document.getElementById("filter").value.trim().toLowerCase();
  for (const b of countsBox.children) b.classList.toggle("on", b.dataset.problem === only);
  shown = users.filter(u => (!q || u.text.includes(q)) &&
    (!only || (only === "ok" ? u.problems.length === 0 : u.problems.includes(only))));
  next = 0;
  groups.textContent = "";
  more();
}

new IntersectionObserver(entries => { if (entries.some(e => e.isIntersecting)) more(); })
  .observe(document.getElementById("more"));
document.getElementById("filter").addEventListener("input", render);
render();
</script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_leave_the_data_element() {
        let cards = [Card {
            name: "</script><script>alert(1)</script>".into(),
            user: "x@contoso.com".into(),
            problems: vec!["missing".into()],
            thumbnail: Some(vec![0xFF, 0xD8, 0xFF]),
        }];
        let html = contact_sheet("<Contoso> {{DATA}}", &cards);
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only the page's own two"
        );
        assert!(html.contains("Photos: &lt;Contoso&gt; {{DATA}}"));
        assert!(html.contains("data:image/jpeg;base64,/9j/"));
        let start = html.find(r#"type="application/json">"#).unwrap() + 24;
        let end = start + html[start..].find("</script>").unwrap();
        let rows: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
        assert_eq!(rows[0]["n"], "</script><script>alert(1)</script>");
    }
}
