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
    render_with_images(text, &[])
}

/// A paragraph that is only `[图N]` places the N-th picture there.
fn picture_number(block: &str) -> Option<usize> {
    block.strip_prefix("[图")?.strip_suffix(']')?.parse().ok()
}

fn figure(url: &str, n: usize) -> String {
    format!(
        "<figure><img src=\"{}\" alt=\"图{n}\" loading=\"lazy\"></figure>",
        escape(url)
    )
}

/// Safe HTML for an article body with its pictures (addresses the server made): each goes
/// where a `[图N]` paragraph names it, and those never named follow the text.
pub fn render_with_images(text: &str, images: &[String]) -> String {
    let mut html = String::new();
    let mut placed = vec![false; images.len()];
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let block = block.trim();
        if block.is_empty() {
            continue;
        }
        if let Some(n) = picture_number(block).filter(|n| (1..=images.len()).contains(n)) {
            html.push_str(&figure(&images[n - 1], n));
            placed[n - 1] = true;
        } else if let Some(h) = block.strip_prefix("## ") {
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
    for (i, url) in images.iter().enumerate() {
        if !placed[i] {
            html.push_str(&figure(url, i + 1));
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

    #[test]
    fn pictures_go_where_named_and_the_rest_follow() {
        let images = ["/photos/7".to_string(), "/photos/8".to_string()];
        assert_eq!(
            render_with_images("甲\n\n[图2]\n\n乙\n\n[图3]", &images),
            "<p>甲</p><figure><img src=\"/photos/8\" alt=\"图2\" loading=\"lazy\"></figure><p>乙</p><p>[图3]</p>\
             <figure><img src=\"/photos/7\" alt=\"图1\" loading=\"lazy\"></figure>"
        );
        assert_eq!(render("[图1]"), "<p>[图1]</p>");
    }
}
