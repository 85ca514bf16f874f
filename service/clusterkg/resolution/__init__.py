"""Entity resolution: the same organisation in several sources, languages and spellings.

"Distretto produttivo Puglia Creativa" and "Apulia Creative Cluster Association", "ОБЩИНА ПЕТРИЧ"
and "Municipality of Petrich", "ENEA OPERATOR SP. Z O.O." and "ENEA OPERATOR SPÓŁKA Z
OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ" are each one organisation. The importers keep every source's
records apart (their IRIs are scoped by source); this package links them:

- :mod:`.normalise`: names transliterated, folded, stripped of legal forms, with kind words
  (municipality, university, cluster...) as a feature;
- :mod:`.records`: what the graph says of each organisation record (names, country, regions,
  identifiers: PIC, VAT, Wikidata);
- :mod:`.blocking`: which pairs to compare (same country, a shared word key);
- :mod:`.score`: a score in 0..1 from weighted features, with the features as explanation;
- :mod:`.decisions`: curators' decisions, kept in data/resolution/decisions.ttl;
- :mod:`.resolve`: the run that writes graph/resolution; :mod:`.review`, :mod:`.cli`.

**Modelling decision: a canonical node with skos:exactMatch, not owl:sameAs.** Each group of
records found to be one organisation gets a ``ckg:ResolvedOrganisation`` node in the named
graph ``https://w3id.org/clusterkg/graph/resolution``, with ``skos:exactMatch`` to each record.

- The sources' records stay as they were: a wrong link is undone by regenerating one graph,
  never by editing imports, and each record keeps the country, region and amounts its source
  gave, even where sources disagree.
- ``owl:sameAs`` would make every statement about one record true of the others under OWL
  reasoning ("smushing"): two contradicting countries, a Kohesio budget per region counted
  once per alias. SPARQL without reasoning would not follow it at all. The canonical node
  makes the grouping explicit and queryable: ``?org skos:exactMatch ?record``.
- ``skos:exactMatch`` is symmetric and transitive, which is what "the same organisation" means
  for the records of one group. SKOS gives it the domain skos:Concept; the graph is not meant
  for RDFS entailment (the build and the shapes run without inference), so organisations do
  not become concepts.

Every compared pair kept (score at least the review threshold, or decided by a curator) is a
``ckg:Match`` with its two records, its score, its outcome (voc:match-accepted, -review,
-same, -different) and its features (name, value, weight), so a link can always be explained.
"""
