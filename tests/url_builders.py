"""The suite's apps share their compiled URL builders.

Werkzeug compiles every URL rule into two small Python functions (its URL builders) when the rule is added,
through the `ast` module: about 0.4 s of CPU for the platform's rules, most of what `create_app` costs, paid
again by each of the suite's thousands of apps. A builder depends only on the rule's parsed form (its trace),
its defaults and its converters, and takes the rule as its first argument, so apps with the same rules can
share them: the functions are the ones Werkzeug compiles, built once per distinct rule.
"""
from __future__ import annotations

from werkzeug.routing.rules import Rule

_builders: dict = {}


def share_url_builders() -> None:
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return  # another Werkzeug, or shared already: build as usual

    def shared_builder(rule: Rule, append_unknown: bool = True):
        try:
            key = (tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
                   tuple((name, type(converter)) for name, converter in rule._converters.items()), append_unknown)
        except (AttributeError, TypeError):
            return compile_builder(rule, append_unknown)
        builder = _builders.get(key)
        if builder is None:
            builder = _builders[key] = compile_builder(rule, append_unknown)
        return builder

    shared_builder.shared = True
    Rule._compile_builder = shared_builder
