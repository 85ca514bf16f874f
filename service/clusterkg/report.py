"""Readable SHACL reports: grouped by shape, then by focus node, with label, path and file."""

from __future__ import annotations

from collections import defaultdict

from .iris import PREFIXES


def short(iri: object) -> str:
    """A compact name for an IRI, using the project's prefixes."""
    text = str(iri)
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if text.startswith(namespace) and text != namespace:
            return f"{prefix}:{text[len(namespace):]}"
    return text


def format_violations(results: list, subjects: dict) -> str:
    """The text of a validation report for people: one block per shape, one line per problem."""
    by_shape: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for v in results:
        by_shape[short(v.source_shape)][str(v.focus_node)].append(v)
    lines: list[str] = []
    for shape in sorted(by_shape):
        count = sum(len(vs) for vs in by_shape[shape].values())
        lines.append(f"{shape}  ({count} violation{'s' if count != 1 else ''})")
        for focus in sorted(by_shape[shape]):
            info = subjects.get(focus)
            label = f' "{info.label}"' if info and info.label else ""
            files = f"  [{', '.join(sorted(info.files))}]" if info and info.files else ""
            lines.append(f"  {short(focus)}{label}{files}")
            for v in by_shape[shape][focus]:
                path = short(v.path) if v.path is not None else "(node)"
                value = f" value {short(v.value)}" if v.value is not None else ""
                rule = short(v.component).removeprefix("http://www.w3.org/ns/shacl#")
                lines.append(f"    {path}: {v.message} ({rule}{value})")
    return "\n".join(lines)
