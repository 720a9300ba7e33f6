"""Forms as a browser submits them: read from the rendered HTML, never from the form class.

`rendered_form(response)` parses the page and returns what pressing its submit button would
send: every successful control of the form (hidden inputs and inline formsets' empty
templates included, disabled controls and unchecked boxes left out). A test then changes
what a person would change and posts the result. A field the page does not render is not
sent, as in a real browser; that is the point of this helper.
"""

from html.parser import HTMLParser

# Input types a browser never submits as a value of their own.
_NOT_SUBMITTED = {"submit", "button", "reset", "image", "file"}


class _Form:
    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self._form: _Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: ("" if value is None else value) for key, value in attrs}
        if tag == "form":
            self._form = _Form(attrs)
            self.forms.append(self._form)
        if self._form is None or ("disabled" in attrs and tag != "option"):
            return
        if tag == "input":
            self._input(attrs)
        elif tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {**attrs, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = {"name": attrs["name"], "text": ""}

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._close_select()
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser keeps the newline browsers drop right after <textarea>.
            text = self._textarea["text"]
            text = text[1:] if text.startswith("\n") else text
            self._form.fields.append((self._textarea["name"], text.replace("\r\n", "\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def _input(self, attrs):
        kind = attrs.get("type", "text").lower()
        name = attrs.get("name")
        if not name or kind in _NOT_SUBMITTED:
            return
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self._form.fields.append((name, attrs.get("value", "on")))
            return
        self._form.fields.append((name, attrs.get("value", "")))

    def _close_select(self):
        select, options = self._select, self._select["options"]
        enabled = [option for option in options if "disabled" not in option]
        chosen = [option for option in enabled if "selected" in option]
        if not select["multiple"] and not chosen and enabled:
            chosen = enabled[:1]  # a single select always submits its first option
        if not select["multiple"]:
            chosen = chosen[-1:]
        for option in chosen:
            value = option.get("value", option["text"].strip())
            self._form.fields.append((select["name"], value))
        self._select = None


def rendered_form(response, *, form_id: str | None = None) -> dict:
    """What the browser would post from the page's form (the one with `form_id`, else the
    POST form with the most controls), as {name: value}, or {name: [values]} for names the
    page repeats (multiple selects, checkbox groups)."""
    assert response.status_code == 200, response.status_code
    parser = _FormParser()
    parser.feed(response.content.decode())
    if form_id is not None:
        forms = [form for form in parser.forms if form.attrs.get("id") == form_id]
    else:
        forms = [form for form in parser.forms if form.attrs.get("method", "").lower() == "post"]
    assert forms, f"no form {form_id or 'posting'} on the page"
    form = max(forms, key=lambda each: len(each.fields))
    data: dict = {}
    for name, value in form.fields:
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


def multiple(data: dict, name: str) -> list[str]:
    """The values a form sends under `name`, as a list whatever their number."""
    value = data.get(name, [])
    return value if isinstance(value, list) else [value]


def filled_form(client, url: str, **values) -> dict:
    """The form at `url` as the page renders it, with `values` typed in."""
    return {**rendered_form(client.get(url)), **values}


def add_inline(data: dict, prefix: str, **fields) -> dict:
    """What the admin's "Add another" link does: a copy of the inline's empty form (its
    defaults included) as one more row, with `fields` typed in."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    template = f"{prefix}-__prefix__-"
    row = {
        f"{prefix}-{index}-{name[len(template) :]}": value
        for name, value in data.items()
        if name.startswith(template)
    }
    row.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    return {**data, **row, f"{prefix}-TOTAL_FORMS": str(index + 1)}
