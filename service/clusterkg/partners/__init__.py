"""Partner search and consortium builder for calls for proposals (COSME cluster calls).

* :mod:`.consortium`: a proposed consortium as RDF (a ``ckg:Proposal`` with participations),
  checked against the call's eligibility rules, which are SHACL shapes in ``shapes/calls/``,
  on a small graph of the members' facts read from the store; the report says, per rule, pass
  or fail, which members satisfy or break it, and the rule's source.
* :mod:`.search`: ranked candidate partners for an applicant and a call, each with the scores
  that explain its rank (thematic fit, what it adds to eligibility, trust from the partnership
  network, activity) and adjustable weights.
* :mod:`.suggest`: complete consortia that pass every checked rule of the call, best first, or
  the rule no consortium in the graph can meet and the partner that would fix it.
* :mod:`.export`: the shortlist and a consortium as CSV and as a printable one-page HTML summary.

Every query is a file of ``queries/partners/`` run through a :class:`~.reader.Reader` (the
service's query executor, or a store opened by the CLI), with values bound as RDF terms.
"""
