"""HTML pages to Markdown: the main content only, with code languages, tables and heading anchors.

BeautifulSoup (lxml parser) finds the page's main content and drops the site's chrome
(navigation, sidebars, headers, footers, cookie banners, permalink icons); markdownify turns what
is left into Markdown. Headings keep the page's own `id` as an explicit anchor (`## Title {#id}`),
which the chunker turns into `page-url#id` source links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from bs4 import BeautifulSoup, Comment, Tag
from markdownify import ATX, MarkdownConverter

# Never documentation text, wherever they are.
_NEVER_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "link", "meta", "input", "button", "select", "textarea", "dialog", "img", "picture",
    "video", "audio",
}  # fmt: skip
_NEVER_CLASSES = {"headerlink", "hash-link", "linenos", "lineno"}
# Site chrome: navigation, sidebars, page furniture of common doc themes, ads.
_CHROME_TAGS = {"nav", "aside", "footer"}
_CHROME_ROLES = {"navigation", "contentinfo", "search", "complementary", "dialog"}
_CHROME_CLASSES = {
    # mkdocs-material
    "md-sidebar", "md-header", "md-footer", "md-search", "md-dialog", "md-top", "md-skip",
    "md-source-file", "md-content__button", "md-tags",
    # Sphinx, Read the Docs
    "sphinxsidebar", "related", "wy-nav-side", "rst-footer-buttons", "wy-breadcrumbs",
    # Docusaurus
    "theme-doc-toc-mobile", "theme-doc-toc-desktop", "theme-doc-breadcrumbs", "pagination-nav",
    "theme-edit-this-page", "theme-last-updated", "theme-doc-footer",
    # everyone
    "breadcrumb", "breadcrumbs", "toc", "table-of-contents", "skip-link", "edit-this-page",
    "prev-next", "carbon-wrap", "ethical-ad",
}  # fmt: skip
_CHROME_IDS = {"toc", "carbonads", "table-of-contents"}
_COOKIE = re.compile(r"cookie|consent|gdpr", re.I)
# Where doc themes keep the page body; among these the innermost holding most text wins.
_MAIN_TAGS = {"main", "article"}
_MAIN_CLASSES = {"md-content", "rst-content", "theme-doc-markdown", "markdown-body"}
_MAIN_IDS = {"main-content"}
_MAIN_SHARE = 0.7  # an inner candidate must hold this share of the biggest candidate's text
_BODY_SHARE = 0.4  # and the biggest must hold this share of the page, else the body is used
_PERMALINK_TEXT = {"", "¶", "#", "§", "🔗", "link"}
_LANG_CLASS = re.compile(r"^(?:language|lang|highlight-source|highlight)-([\w+#.-]+)$")
_NOT_LANGS = {"default", "none", "text", "plain", "plaintext", "nohighlight", "notranslate"}
_ANCHOR = re.compile(r"^[\w:.-]+$")
_TITLE_SEPARATORS = re.compile(r"\s+(?:[-|—–·•:]|::)\s+")


@dataclass
class HtmlPage:
    """One page: its Markdown and what the page says about itself."""

    markdown: str
    title: str | None = None  # the page's own title, site name removed
    site_name: str | None = None
    description: str | None = None
    canonical: str | None = None  # absolute, as the page declares it
    links: list[str] = field(default_factory=list)  # absolute hrefs, document order, all of them
    noindex: bool = False  # <meta name=robots content=noindex>


def html_to_markdown(html: str | bytes, base_url: str | None = None) -> HtmlPage:
    """Convert a page's main content to Markdown; links in it are made absolute to `base_url`."""
    soup = BeautifulSoup(html, "lxml")
    base = _base_href(soup, base_url)
    page = HtmlPage(markdown="")
    declared = _meta(soup, "og:site_name") or _meta(soup, "application-name")
    full_title = _meta(soup, "og:title") or _text(soup.title) or None
    head, suffix = split_title(full_title)
    page.site_name = declared or suffix
    page.title = head if suffix and declared in (None, suffix) else full_title
    if not page.title:
        h1 = soup.find("h1")
        page.title = _text(h1) or None if isinstance(h1, Tag) else None
    page.description = _meta(soup, "og:description") or _meta(soup, "description")
    page.noindex = "noindex" in (_meta(soup, "robots") or "").lower()
    canonical = soup.find("link", rel="canonical", href=True)
    if isinstance(canonical, Tag):
        page.canonical = urljoin(base or "", str(canonical["href"]).strip()) or None
    page.links = _links(soup, base)

    root = main_content(soup)
    _absolutize(root, base)
    _escape_cell_pipes(root)
    markdown = _Converter().convert_soup(root)
    markdown = _tidy(markdown)
    if page.title and not re.search(r"^# ", markdown, re.M):
        # The chunker roots a page's sections under its front-matter title when no H1 names it.
        markdown = f"---\ntitle: {page.title}\n---\n\n{markdown}"
    page.markdown = markdown
    return page


def main_content(soup: BeautifulSoup) -> Tag:
    """The element holding the page's text, with chrome removed (the soup is modified)."""
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    # One pass over the tags with set lookups: CSS selector lists cost ~10x more on big pages.
    for el in soup.find_all(True):
        if not el.decomposed and (_never_text(el) or _chrome(el)):
            el.decompose()

    body = soup.body or soup
    candidates = [el for el in body.find_all(True) if _main_candidate(el)]
    sizes = {id(el): _text_length(el) for el in candidates}
    if candidates:
        biggest = max(candidates, key=lambda el: sizes[id(el)])
        top = sizes[id(biggest)]
        if top and top >= _BODY_SHARE * _text_length(body):
            inner = [
                el
                for el in candidates
                if (el is biggest or biggest in el.parents) and sizes[id(el)] >= _MAIN_SHARE * top
            ]
            return min(inner, key=lambda el: sizes[id(el)])
    _drop_link_lists(body)
    return body


def _classes(el: Tag) -> set[str]:
    value = el.get("class")
    return set(value) if isinstance(value, list) else set(str(value or "").split())


def _never_text(el: Tag) -> bool:
    if el.name in _NEVER_TAGS or el.get("aria-hidden") == "true":
        return True
    if el.has_attr("hidden") and el.get("role") != "tabpanel":  # other tabs are content too
        return True
    classes = _classes(el)
    if classes & _NEVER_CLASSES or (el.name == "a" and "anchor" in classes):
        return True
    # Permalink icons next to headings: `<a href="#id">¶</a>`
    href = str(el.get("href") or "")
    return el.name == "a" and href.startswith("#") and el.get_text(strip=True) in _PERMALINK_TEXT


def _chrome(el: Tag) -> bool:
    if el.name in ("html", "body"):
        return False
    role = str(el.get("role") or "")
    classes = _classes(el)
    if (
        el.name in _CHROME_TAGS
        or role in _CHROME_ROLES
        or classes & _CHROME_CLASSES
        or str(el.get("id") or "") in _CHROME_IDS
        or el.get("aria-modal") == "true"
        or el.has_attr("data-ea-publisher")
        or (el.name == "a" and "sr-only" in classes)
    ):
        return True
    if (el.name == "header" or role == "banner") and not el.find(re.compile(r"^h[12]$")):
        return True  # a page header; an article's own <header> holds its title and stays
    names = " ".join([str(el.get("id") or ""), *classes])
    return el.name not in ("main", "article") and _COOKIE.search(names) is not None


def _main_candidate(el: Tag) -> bool:
    return (
        el.name in _MAIN_TAGS
        or el.get("role") == "main"
        or bool(_classes(el) & _MAIN_CLASSES)
        or str(el.get("id") or "") in _MAIN_IDS
        or (el.name == "div" and "body" in _classes(el))
    )


def _drop_link_lists(root: Tag) -> None:
    """Without a declared main region: drop lists and blocks that are mostly links (menus)."""
    for el in root.find_all(["ul", "ol", "div", "section", "table"]):
        if el.decomposed:
            continue
        links = el.find_all("a")
        total = _text_length(el)
        if len(links) >= 5 and total:
            linked = sum(len(a.get_text(" ", strip=True)) for a in links)
            if linked / total > 0.7:
                el.decompose()


def _text(el: Tag | None) -> str:
    return " ".join(el.get_text(" ").split()) if el is not None else ""


def _text_length(el: Tag) -> int:
    return len(el.get_text("", strip=True))


def _meta(soup: BeautifulSoup, name: str) -> str | None:
    el = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
    value = " ".join(str(el.get("content") or "").split()) if isinstance(el, Tag) else ""
    return value or None


def split_title(title: str | None) -> tuple[str | None, str | None]:
    """`Async Support - HTTPX` → (`Async Support`, `HTTPX`); a title without separator → (it, None)."""
    if not title:
        return None, None
    seps = list(_TITLE_SEPARATORS.finditer(title))
    if not seps:
        return title, None
    head, suffix = title[: seps[-1].start()].strip(), title[seps[-1].end() :].strip()
    return (head, suffix) if head and suffix else (title, None)


def _base_href(soup: BeautifulSoup, base_url: str | None) -> str | None:
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        return urljoin(base_url or "", str(base["href"]))
    return base_url


def _links(soup: BeautifulSoup, base: str | None) -> list[str]:
    out: list[str] = []
    for a in soup.find_all("a", href=True):
        href = str(a["href"]).strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        out.append(urljoin(base or "", href))
    return out


def _escape_cell_pipes(root: Tag) -> None:
    """A `|` in a table cell would end the Markdown cell: GFM wants it escaped, code too."""
    for cell in root.find_all(["td", "th"]):
        for string in cell.find_all(string=lambda s: "|" in s):
            string.replace_with(string.replace("|", "\\|"))


def _absolutize(root: Tag, base: str | None) -> None:
    for a in root.find_all("a"):
        href = str(a.get("href") or "").strip()
        if href.startswith(("javascript:", "data:")) or not href:
            a.unwrap()
        elif base:
            a["href"] = urljoin(base, href)


def _tidy(markdown: str) -> str:
    lines = [line.rstrip() for line in markdown.splitlines()]
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text) + "\n" if text else ""


def code_language(pre: Tag) -> str | None:
    """A code block's language from its own, its <code>'s or its wrapper's classes and data
    attributes (Pygments, Prism, highlight.js, Shiki, Sphinx); else a console prompt's."""
    code = pre.find("code")
    elements = [e for e in (code, pre, pre.parent, pre.parent.parent if pre.parent else None) if e]
    for el in elements:
        if not isinstance(el, Tag):
            continue
        for attr in ("data-lang", "data-language"):
            value = str(el.get(attr) or "").strip().lower()
            if value and value not in _NOT_LANGS:
                return value
        for cls in sorted(_classes(el)):
            m = _LANG_CLASS.match(cls.lower())
            if m and m[1] not in _NOT_LANGS:
                return m[1]
    first = next((ln for ln in pre.get_text().splitlines() if ln.strip()), "")
    if first.startswith(">>> "):
        return "pycon"
    if first.startswith("$ "):
        return "console"
    return None


def code_text(pre: Tag) -> str:
    """The block's text as shown: line elements (Shiki, Prism) each on their own line."""
    lines = pre.select(".line, [data-line]")
    if lines and "\n" not in pre.get_text():
        return "\n".join(line.get_text() for line in lines)
    for br in pre.find_all("br"):
        br.replace_with("\n")
    return pre.get_text()


def _section_id(heading: Tag) -> str:
    """Sphinx and others put the id on the heading's section: `<section id="x"><h2>`."""
    parent = heading.parent
    if isinstance(parent, Tag) and parent.name in ("section", "div") and parent.get("id"):
        first = parent.find(re.compile(r"^h[1-6]$"))
        if first is heading:
            return str(parent["id"])
    return ""


class _Converter(MarkdownConverter):
    """markdownify with ATX headings that keep their ids, and fenced code with its language."""

    def __init__(self) -> None:
        super().__init__(
            heading_style=ATX,
            bullets="-",
            escape_asterisks=False,  # identifiers like max_keepalive stay searchable as written
            escape_underscores=False,
            table_infer_header=True,
            autolinks=False,
        )

    def convert_hN(self, n: int, el: Tag, text: str, parent_tags: set[str]) -> str:  # noqa: N802
        if "_inline" in parent_tags:
            return text
        text = " ".join(text.split())
        if not text:
            return ""
        anchor = str(el.get("id") or "") or _section_id(el)
        suffix = f" {{#{anchor}}}" if anchor and _ANCHOR.match(anchor) else ""
        return f"\n\n{'#' * max(1, min(6, n))} {text}{suffix}\n\n"

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        body = code_text(el).strip("\n")
        if not body.strip():
            return ""
        longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
        fence = "`" * (longest + 1)
        return f"\n\n{fence}{code_language(el) or ''}\n{body}\n{fence}\n\n"
