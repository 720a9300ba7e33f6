"""Counting which objects a cached fragment (a card, a program item) is rendered for."""


def count_renders(monkeypatch, module, template_name: str, subject: str) -> list[str]:
    """The names of the `subject` objects (a context key) that `module` renders with
    `template_name` from now on, in order: what it did not read from the cache."""
    rendered = []
    template = module.get_template(template_name)

    class Counting:
        def render(self, context):
            rendered.append(context[subject].name)
            return template.render(context)

    monkeypatch.setattr(module, "get_template", lambda name: Counting())
    return rendered
