"""HTML → Markdown: main content only, code with its language, tables, headings with anchors."""

from __future__ import annotations

from codex7.sources.html import html_to_markdown, split_title
from tests.sources.websites import HTTPX_SITE, page


def httpx_page(rel: str) -> str:
    return html_to_markdown(
        (HTTPX_SITE / rel / "index.html").read_bytes(), f"http://127.0.0.1:8765/{rel}/"
    ).markdown


def test_mkdocs_material_page_keeps_the_article_and_drops_the_chrome() -> None:
    md = httpx_page("async")
    assert md.startswith("# Async Support {#async-support}\n")
    assert "## Making Async requests {#making-async-requests}" in md
    assert "### Making requests {#making-requests}" in md  # heading levels kept
    for chrome in ("Made with", "Material for MkDocs", "Skip to content", "Table of contents"):
        assert chrome not in md
    assert "¶" not in md  # permalink icons
    assert "[QuickStart]" not in md  # the navigation menu
    # Relative links made absolute against the page's URL.
    assert "(http://127.0.0.1:8765/advanced/transports#asgitransport)" in md


def test_pygments_blocks_become_fenced_code_with_the_console_language() -> None:
    md = httpx_page("quickstart")
    assert "```pycon\n>>> import httpx\n" in md
    assert "<span" not in md and "&gt;" not in md


def test_code_language_comes_from_classes_of_common_highlighters() -> None:
    html = page(
        "Code",
        "<h1>Code</h1>"
        '<pre><code class="language-ts">const a = 1;</code></pre>'
        '<div class="highlight-python notranslate"><div class="highlight"><pre>'
        "<span></span>print(1)\n</pre></div></div>"
        '<pre data-language="rust"><code><span class="line">fn main() {}</span>'
        '<span class="line">// done</span></code></pre>'
        "<pre><code>```md\nnested fence\n```</code></pre>",
    )
    md = html_to_markdown(html).markdown
    assert "```ts\nconst a = 1;\n```" in md
    assert "```python\nprint(1)\n```" in md
    assert "```rust\nfn main() {}\n// done\n```" in md  # line spans on their own lines
    assert "````\n```md\nnested fence\n```\n````" in md  # a longer fence around a fence


def test_tables_become_markdown_tables() -> None:
    html = page(
        "Limits",
        "<h1>Limits</h1><table><thead><tr><th>Setting</th><th>Default</th></tr></thead>"
        "<tbody><tr><td><code>max_connections</code></td><td>100</td></tr>"
        "<tr><td>a | b</td><td>none</td></tr></tbody></table>",
    )
    md = html_to_markdown(html).markdown
    assert "| Setting | Default |\n| --- | --- |\n| `max_connections` | 100 |" in md
    assert "| a \\| b | none |" in md


def test_docusaurus_article_header_keeps_its_title_and_chrome_goes() -> None:
    html = (
        "<html><head><title>Routing | Widgets</title>"
        '<meta property="og:site_name" content="Widgets Docs"></head><body>'
        '<div class="cookie-consent">We use cookies. Accept all</div>'
        '<nav class="navbar">Docs API Blog</nav>'
        '<aside class="theme-doc-sidebar-container"><a href="/a">A</a></aside>'
        "<main><div class='theme-doc-breadcrumbs'>Home › Routing</div><article>"
        '<header><h1 id="routing">Routing</h1></header><p>Routes map paths to handlers.</p>'
        "<footer class='theme-doc-footer'>Edit this page</footer></article>"
        "<nav class='pagination-nav'>Previous Next</nav></main>"
        "<footer>© Widgets</footer></body></html>"
    )
    found = html_to_markdown(html, "https://widgets.dev/docs/routing")
    assert found.markdown == "# Routing {#routing}\n\nRoutes map paths to handlers.\n"
    assert found.site_name == "Widgets Docs"
    assert found.title == "Routing | Widgets"  # the suffix is not the declared site name


def test_page_facts_title_site_name_description_canonical_links() -> None:
    html = page(
        "Install",
        "<h1>Install</h1><p>Run <a href='../setup/'>setup</a>.</p>",
        head='<meta name="description" content="How to install.">'
        '<link rel="canonical" href="/docs/install/">',
    )
    found = html_to_markdown(html, "https://widgets.dev/docs/install/index.html")
    assert (found.title, found.site_name) == ("Install", "Widgets")
    assert found.description == "How to install."
    assert found.canonical == "https://widgets.dev/docs/install/"
    assert found.links == ["https://widgets.dev/docs/", "https://widgets.dev/docs/setup/"]
    assert not found.noindex


def test_a_page_without_h1_gets_its_title_as_front_matter() -> None:
    found = html_to_markdown(page("Changelog", "<h2 id='v2'>v2</h2><p>New API.</p>"))
    assert found.markdown.startswith("---\ntitle: Changelog\n---\n\n## v2 {#v2}\n")


def test_without_a_main_region_link_lists_are_dropped() -> None:
    menu = "".join(f"<li><a href='/p{i}'>Page {i}</a></li>" for i in range(8))
    html = (
        f"<html><body><div class='menu'><ul>{menu}</ul></div>"
        "<div><h1>Guide</h1><p>Some real prose about the <a href='/x'>library</a> here, "
        "long enough to be the content.</p></div></body></html>"
    )
    md = html_to_markdown(html).markdown
    assert "Page 3" not in md
    assert md.startswith("# Guide\n\nSome real prose about the [library](/x) here")


def test_noindex_pages_say_so() -> None:
    html = page("Draft", "<h1>Draft</h1>", head='<meta name="robots" content="noindex,follow">')
    assert html_to_markdown(html).noindex


def test_split_title() -> None:
    assert split_title("Async Support - HTTPX") == ("Async Support", "HTTPX")
    assert split_title("HTTPX") == ("HTTPX", None)
    assert split_title("a - b | Site") == ("a - b", "Site")
    assert split_title(None) == (None, None)


def test_sphinx_section_ids_and_hidden_tab_panels() -> None:
    html = (
        "<html><body><div class='sphinxsidebar'>Navigation</div>"
        "<div class='body' role='main'><section id='quick-start'><h1>Quick start"
        "<a class='headerlink' href='#quick-start'>¶</a></h1><p>Install it.</p>"
        "<div role='tablist'><button>pip</button><button>conda</button></div>"
        "<div role='tabpanel'><pre>pip install widgets</pre></div>"
        "<div role='tabpanel' hidden><pre>conda install widgets</pre></div>"
        "<div hidden>Search results</div></section></div></body></html>"
    )
    md = html_to_markdown(html).markdown
    assert md.startswith("# Quick start {#quick-start}\n\nInstall it.")
    assert "pip install widgets" in md and "conda install widgets" in md
    assert "Search results" not in md and "Navigation" not in md
