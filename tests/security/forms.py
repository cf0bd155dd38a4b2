"""The forms on a rendered page, read from its HTML: where each posts and the fields it sends."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select" or "textarea"
    options: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def signature(self) -> tuple:
        return (self.action, self.method, tuple(sorted(f.name for f in self.fields)))


class FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.select: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                Form(
                    action=attrs.get("action") or self.page_url,
                    method=(attrs.get("method") or "get").lower(),
                    multipart=attrs.get("enctype") == "multipart/form-data",
                )
            )
            return
        if not self.forms or not attrs.get("name"):
            if tag == "option" and self.select is not None:
                self.select.options.append(attrs.get("value") or "")
            return
        if tag == "input" and attrs.get("type") not in ("submit", "button", "image", "reset"):
            self.forms[-1].fields.append(
                Field(attrs["name"], attrs.get("type") or "text", value=attrs.get("value") or "")
            )
        elif tag == "input" or tag == "button":
            if attrs.get("value"):  # a named submit button says which action the form takes
                self.forms[-1].fields.append(Field(attrs["name"], "submit", options=[attrs["value"]]))
        elif tag == "textarea":
            self.forms[-1].fields.append(Field(attrs["name"], "textarea"))
        elif tag == "select":
            self.select = Field(attrs["name"], "select")
            self.forms[-1].fields.append(self.select)

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms
