//! Article text: editors write paragraphs (blank lines between), `## ` headings and `> `
//! quotes. No HTML is ever taken from them: everything is escaped and the few structures are
//! built here, so a `<script>` in an article is shown as text, never run.

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Safe HTML for an article body.
pub fn render(text: &str) -> String {
    let mut html = String::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        if let Some(h) = block.strip_prefix("## ") {
            html.push_str(&format!("<h2>{}</h2>", escape(h.trim())));
        } else if let Some(q) = block.strip_prefix("> ") {
            html.push_str(&format!(
                "<blockquote>{}</blockquote>",
                escape(q.trim()).replace('\n', "<br>")
            ));
        } else {
            html.push_str(&format!("<p>{}</p>", escape(block).replace('\n', "<br>")));
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_is_built_and_markup_is_neutralised() {
        assert_eq!(
            render("## 标题\n\n第一段\n续行\n\n> 引文"),
            "<h2>标题</h2><p>第一段<br>续行</p><blockquote>引文</blockquote>"
        );
        let evil = render("<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
        assert!(!evil.contains("<script") && !evil.contains("<img"));
        assert!(evil.contains("&lt;script&gt;"));
        assert_eq!(
            render("a \"b\" & 'c'"),
            "<p>a &quot;b&quot; &amp; &#39;c&#39;</p>"
        );
    }
}
