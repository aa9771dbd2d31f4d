"""papermill parameters for taskcell notebooks: a TypeScript translator.

``papermill nb.ipynb out.ipynb -k taskcell -p n 5`` injects, after the cell tagged ``parameters``,
a cell of typed declarations: ``const n = 5;``, strings as string literals, lists as arrays and
dicts as object literals. Each declaration supersedes the parameters cell's ``let`` default, and
the kernel type-checks every later cell against the literal's type, so a parameter of the wrong
type is a compile error where the notebook uses it.

papermill (2.x) reads translators from no entry point; it loads ``papermill.engine`` entry points
when it starts. taskcell's engine entry point is this module, which registers the translator for
the kernel ``taskcell`` and the language ``typescript`` as it is imported; the engine itself is
papermill's own nbclient engine.
"""

import json
import math
import re


def __getattr__(name):
    # Importing this module before papermill imports papermill, whose engine entry point then loads
    # this module again, half run: the engine it asks for is papermill's own, so give that.
    if name == "TaskcellEngine":
        from papermill.engines import NBClientEngine

        return NBClientEngine
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from papermill.engines import NBClientEngine  # noqa: E402 (after __getattr__, which the import above may need)
from papermill.models import Parameter  # noqa: E402
from papermill.translators import Translator, papermill_translators  # noqa: E402

#: Identifiers that may be declared as they are; any other name is refused (a cell could not declare it).
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")

#: ``let name: Type = value; // help`` (or ``const``/``var``), one declaration per line.
_DECLARATION = re.compile(
    r"^\s*(?:export\s+)?(?:let|const|var)\s+(?P<name>[A-Za-z_$][\w$]*)\s*"
    r"(?::\s*(?P<type>[^=]+?)\s*)?=\s*(?P<value>.*?)\s*;?\s*(?://\s*(?P<help>.*))?$"
)


class TypeScriptTranslator(Translator):
    """Parameters as TypeScript declarations of typed literals."""

    @classmethod
    def translate_escaped_str(cls, str_val):
        # JSON's string syntax is TypeScript's: quotes, backslashes, control and non-ASCII characters escaped.
        return json.dumps(str(str_val))

    @classmethod
    def translate_none(cls, val):
        return "null"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        # Past 2**53 a number loses digits; a bigint keeps them.
        return str(val) if abs(val) <= 2**53 else f"{val}n"

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val):
            return "NaN"
        if math.isinf(val):
            return "Infinity" if val > 0 else "-Infinity"
        return repr(val)

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val):
        entries = ", ".join(f"{cls.translate_escaped_str(k)}: {cls.translate(v)}" for k, v in val.items())
        return "{ " + entries + " }" if entries else "{}"

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not _IDENTIFIER.match(name):
            raise ValueError(f"Expected a TypeScript identifier as a parameter name, got {name!r}")
        return f"const {name} = {str_val};"

    @classmethod
    def inspect(cls, parameters_cell):
        """The declarations of the parameters cell, for ``papermill --help-notebook``."""
        found = []
        for line in parameters_cell.source.splitlines():
            m = _DECLARATION.match(line)
            if m:
                found.append(
                    Parameter(
                        name=m.group("name"),
                        inferred_type_name=(m.group("type") or _literal_type(m.group("value"))).strip(),
                        default=m.group("value"),
                        help=(m.group("help") or "").strip(),
                    )
                )
        return found


def _literal_type(value):
    """The type TypeScript infers for a default's literal, where one glance tells; else papermill's "None"."""
    v = value.strip()
    if re.match(r"^-?(\d[\d_]*\.?\d*(e-?\d+)?|Infinity|NaN)$", v):
        return "number"
    if v[:1] in ("'", '"', "`"):
        return "string"
    if v in ("true", "false"):
        return "boolean"
    if v.startswith("["):
        return "array"
    if v.startswith("{"):
        return "object"
    return "None"


class TaskcellEngine(NBClientEngine):
    """papermill's nbclient engine, under the name its entry point loads this module by."""


papermill_translators.register("taskcell", TypeScriptTranslator)
papermill_translators.register("typescript", TypeScriptTranslator)
