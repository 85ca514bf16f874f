"""Importers of public data files: ``clusterkg import SOURCE FILE``.

A source is either a declarative mapping (``data/mappings/*.yaml``, see the README there:
Interreg, Kohesio, the CORDIS code lists) or one of two Python importers for what a table
mapping does not fit: ``cordis`` for CORDIS project XML and ``nuts-history`` for the NUTS
versions and their changes. Each import goes into its own named graph
``https://w3id.org/clusterkg/graph/import/NAME`` (NAME from the file's name), after the SHACL
gate, atomically; see :mod:`clusterkg.importers.pipeline`.

Imported organisations keep the source's own name, identifiers (PIC, VAT), country and region,
and get IRIs scoped by source (``id:organisation/cordis-pic-999986096``,
``id:organisation/interreg-se-region-skane``): telling which of them are the same
organisation is left to entity resolution, which can link them without rewriting imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..config import DATA_DIR
from ..errors import ClusterKGError
from ..iris import slug
from .mapping import DocumentSpec, Mapping
from .pipeline import ImportReport, Produced, Producer, Progress, run_import

MAPPINGS_DIR = DATA_DIR / "mappings"
PYTHON_IMPORTERS = {
    "cordis": "CORDIS project or programme XML (cordis-project-*.xml); cordisref-*.csv code lists go to their mappings",
    "nuts-history": "NUTS 2010, 2013, 2016 and 2021 codes and their changes (the folder of nuts-2016-skos.rdf, "
                    "nuts-2013-2016.csv, nuts-2021.csv, or any of them)",
}

__all__ = ["ImportReport", "Progress", "available", "import_file", "resolve_nuts"]


def resolve_nuts(code: str, version: int | None = None) -> list[str]:
    """The current NUTS region IRIs a NUTS ``code`` of ``version`` became (see :mod:`.nuts`)."""
    from .nuts import resolve_nuts as resolve

    return resolve(code, version)


def mappings(directory: Path = MAPPINGS_DIR) -> list[Mapping]:
    """The mapping files of ``data/mappings``, loaded and checked."""
    return [Mapping.load(path) for path in sorted(directory.glob("*.yaml"))]


def available() -> dict[str, str]:
    """Source names ``clusterkg import`` knows, with what each reads."""
    known = dict(PYTHON_IMPORTERS)
    for mapping in mappings():
        family = f"; also 'clusterkg import {mapping.spec.family} FILE'" if mapping.spec.family else ""
        known[mapping.name] = (mapping.spec.description or mapping.spec.document.title).strip() + family
    return known


@dataclass
class Importer:
    """A resolved ``SOURCE FILE``: which importer, which graph, how to produce the triples."""

    source: str
    graph_name: str
    produce: Producer


def graph_name(family: str, file: Path) -> str:
    """``import/STEM``, or ``import/FAMILY-STEM`` when the file's name does not start with the family."""
    stem = slug(file.stem)
    family = slug(family)
    return f"import/{stem}" if stem.startswith(family) else f"import/{family}-{stem}"


def resolve(source: str, file: Path, mapping_path: Path | None = None) -> Importer:
    """The importer ``clusterkg import SOURCE FILE`` means; a clear error when there is none."""
    source_path = Path(source)
    if mapping_path is None and source.endswith((".yaml", ".yml")):
        mapping_path = source_path
    if mapping_path is not None:
        mapping = Mapping.load(mapping_path)
        return Importer(mapping.name, graph_name(mapping.spec.family or mapping.name, file), mapping_producer(mapping, file))
    if source == "nuts-history":
        from .nuts import HISTORY_FILES, history_producer

        folder = file if file.is_dir() else file.parent
        missing = [name for name in HISTORY_FILES if not (folder / name).is_file()]
        if missing:
            raise ClusterKGError(f"the NUTS history needs {', '.join(missing)} in {folder}",
                                 "give the folder holding the three NUTS files")
        return Importer(source, "import/nuts-history", history_producer(folder))
    if source == "cordis" and file.suffix.lower() == ".xml":
        from .cordis import cordis_producer

        return Importer(source, graph_name("cordis", file), cordis_producer(file))
    candidates = [m for m in mappings() if m.name == source]
    if not candidates:
        candidates = [m for m in mappings() if m.spec.family == source and m.matches_file(file)]
    if len(candidates) == 1:
        mapping = candidates[0]
        return Importer(mapping.name, graph_name(mapping.spec.family or mapping.name, file), mapping_producer(mapping, file))
    known = ", ".join(sorted(available()))
    if len(candidates) > 1:
        raise ClusterKGError(f"several mappings of {source} fit {file.name}: {', '.join(m.name for m in candidates)}",
                             "name the mapping instead")
    raise ClusterKGError(f"no importer for {source} and {file.name}",
                         f"use one of: {known}; or give a mapping file (--mapping PATH)")


def document_triples(spec: DocumentSpec, identifier: str) -> list[ox.Triple]:
    """The ckg:SourceDocument of an import, as data/README.md asks: title, date, publisher,
    language, licence, public page, and the data file's name in ``dcterms:identifier``."""
    from ..iris import CKG, SRC

    dct, xsd = "http://purl.org/dc/terms/", "http://www.w3.org/2001/XMLSchema#"
    doc = ox.NamedNode(str(SRC[spec.id]))

    def add(predicate: str, obj: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(doc, ox.NamedNode(predicate), obj))

    triples: list[ox.Triple] = []
    add("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(str(CKG.SourceDocument)))
    add(dct + "title", ox.Literal(spec.title, language="en"))
    add("http://www.w3.org/2004/02/skos/core#prefLabel", ox.Literal(spec.title, language="en"))
    add(dct + "publisher", ox.Literal(spec.publisher))
    add(dct + "description", ox.Literal(" ".join((spec.description or spec.title).split()), language="en"))
    add(dct + "identifier", ox.Literal(identifier))
    add(dct + "source", doc)
    if spec.license:
        add(dct + "license", ox.NamedNode(spec.license))
    if spec.page:
        add("http://xmlns.com/foaf/0.1/page", ox.NamedNode(spec.page))
    if spec.language:
        add(dct + "language", ox.Literal(spec.language))
    if spec.date:
        kind = {10: "date", 7: "gYearMonth", 4: "gYear"}.get(len(spec.date))
        if kind is None:
            raise ClusterKGError(f"document date {spec.date!r} is not YYYY, YYYY-MM or YYYY-MM-DD", "fix the mapping")
        add(dct + "date", ox.Literal(spec.date, datatype=ox.NamedNode(xsd + kind)))
    return triples


def mapping_producer(mapping: Mapping, file: Path) -> Producer:
    def produce(progress: Progress) -> Produced:
        progress.step(f"mapping {file.name}")
        data = mapping.run(file, progress=progress.advance, total=progress.total)
        documents = document_triples(mapping.spec.document, file.name)
        return Produced(documents + data.triples, data.rejects, data.read, data.imported, data.documents, [file],
                        f"mapping {mapping.name} version {mapping.version}")

    return produce


def import_file(source: str, file: Path, store_path: Path, rejects: Path | None = None,
                mapping: Path | None = None, progress: Progress | None = None) -> ImportReport:
    """``clusterkg import SOURCE FILE``: map, validate and commit ``file`` into the store."""
    from .nuts import use_history_from

    if not isinstance(store_path, Path):
        raise ClusterKGError(f"imports go into an embedded store, not {store_path}",
                             "import into a local store (--store DIR)")
    if not file.exists():
        raise ClusterKGError(f"no such file: {file}", "check the path")
    use_history_from(file if file.is_dir() else file.parent)
    importer = resolve(source, file, mapping)
    return run_import(importer.source, importer.graph_name, importer.produce, store_path, rejects, progress)
