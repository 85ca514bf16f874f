"""Organisation names in comparable form: transliterated, folded, split into what they say.

A name such as ``ОБЩИНА ПЕТРИЧ``, ``Municipality of Petrich`` or ``Gmina Miasto Grudziądz Sp. z o.o.``
becomes a :class:`NameForm`:

- ``folded``: Latin lower-case ASCII words. Cyrillic is transliterated with the Bulgarian
  official system (Transliteration Act 2009: щ -> sht, ъ -> a, ю -> yu), which is the one
  Kohesio's "Transliterated Name" column follows, so ``Община Кърджали`` and ``Obshtina
  Kardzhali`` fold alike; any other script goes through anyascii. Runs of single letters are
  joined, so ``s.r.o.``, ``s. r. o.`` and ``SRO`` all give ``sro``.
- ``legal_forms``: legal-form suffixes and prefixes (``S.r.l.``, ``GmbH``, ``e.V.``, ``z.s.``,
  ``družstvo``, ``Sp. z o.o.``, ``spółka z ograniczoną odpowiedzialnością``, ``Kft.``, ``ООД``...),
  each with its class (limited company, joint-stock company, association...). They are taken
  out of the name and compared on their own.
- ``kinds``: words that say what kind of body it is (municipality, university, cluster,
  association, county administrative board...), in the EU languages of the sources, mapped to
  one English concept: ``община``, ``gmina``, ``kommun``, ``savivaldybė`` and ``municipality``
  all give ``municipality``. They are kept as a feature, not as part of the name.
- ``core``: the remaining words: what tells this body from others of its kind (``petrich``).
- ``acronyms``: upper-case short words of the original (``LTU``, ``ARDBC``); ``bracketed``: the
  words in brackets, which add to a name rather than make it (``Mälardalens universitet (MDU)``).

Everything here is a pure function of the text, so it is tested on its own
(tests/resolution/test_normalise.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from anyascii import anyascii

# ---------------------------------------------------------------- transliteration

#: Bulgarian official transliteration (Закон за транслитерацията, 2009), lower case.
_BULGARIAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a",
    "ь": "y", "ю": "yu", "я": "ya",
}
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def transliterate(text: str) -> str:
    """Latin ASCII for ``text``: Bulgarian rules for Cyrillic letters, anyascii for the rest.

    >>> transliterate("Община Кърджали")
    'Obshtina Kardzhali'
    >>> transliterate("Łódź, Kraków")
    'Lodz, Krakow'
    """
    if _CYRILLIC.search(text):
        out = []
        for char in text:
            lower = char.lower()
            latin = _BULGARIAN.get(lower)
            if latin is None:
                out.append(char)
            elif char != lower:
                out.append(latin.capitalize())
            else:
                out.append(latin)
        text = "".join(out)
    return anyascii(text)


def fold(text: str) -> list[str]:
    """Lower-case ASCII words of ``text``; apostrophes vanish; dotted abbreviations are joined.

    Single letters are joined while each is followed by a dot (``s.r.o.``, ``S. A.``, ``e.V.``,
    ``s.r.o`` without its last dot), so ``S.A. w Krakowie`` keeps its preposition apart.

    >>> fold("Spol. s r.o.")
    ['spol', 's', 'ro']
    >>> fold("MPK S.A. W KRAKOWIE")
    ['mpk', 'sa', 'w', 'krakowie']
    >>> fold("Administration of Palanga's City Municipality")
    ['administration', 'of', 'palangas', 'city', 'municipality']
    """
    ascii_text = transliterate(text).lower()
    ascii_text = re.sub(r"['\u2019`]", "", ascii_text)
    out: list[str] = []
    run = ""
    previous_dotted = False
    for match in re.finditer(r"[a-z0-9]+", ascii_text):
        word, end = match.group(), match.end()
        dotted = ascii_text[end:end + 1] == "."
        letter = len(word) == 1 and word.isalpha()
        adjacent = match.start() > 0 and ascii_text[match.start() - 1] == "."
        if letter and run and (previous_dotted and (dotted or adjacent)):
            run += word
        else:
            if run:
                out.append(run)
                run = ""
            if letter and dotted:
                run = word
            else:
                out.append(word)
        previous_dotted = dotted
    if run:
        out.append(run)
    return out


# ---------------------------------------------------------------- legal forms

#: Legal forms as folded word sequences, with their class. Classes: ``limited`` (private limited
#: company), ``joint-stock``, ``partnership``, ``sole-trader``, ``cooperative``, ``association``
#: (registered non-profit association), ``public-benefit`` (foundation-like non-profit company),
#: ``public-institution``.
LEGAL_FORMS: dict[tuple[str, ...], str] = {}


def _forms(kind: str, *spellings: str) -> None:
    for spelling in spellings:
        LEGAL_FORMS[tuple(spelling.split())] = kind


_forms("limited",
       "sro", "s ro", "spol sro", "spol s ro", "spolecnost s rucenim omezenym", "spolocnost s rucenim obmedzenym",
       "sp zoo", "sp z oo", "spzoo", "spolka z ograniczona odpowiedzialnoscia", "spolka zoo", "spolka z oo",
       "kft", "korlatolt felelossegu tarsasag", "nonprofit kft", "nonprofit korlatolt felelossegu tarsasag",
       "doo", "jdoo", "drustvo s ogranicenom odgovornoscu", "druzba z omejeno odgovornostjo",
       "ood", "eood", "srl", "sarl", "societate cu raspundere limitata", "societa a responsabilita limitata",
       "gmbh", "ggmbh", "gesellschaft mit beschrankter haftung", "ltd", "limited", "llc", "bv", "aps",
       "sia", "sabiedriba ar ierobezotu atbildibu", "ou", "osauhing", "uab", "uzdaroji akcine bendrove",
       "sl", "slu", "lda", "eurl", "kg")
_forms("joint-stock",
       "as", "a s", "akciova spolecnost", "akciova spolocnost", "sa", "spolka akcyjna", "spa", "societa per azioni",
       "zrt", "nyrt", "zartkoruen mukodo reszvenytarsasag", "nyilvanosan mukodo reszvenytarsasag",
       "reszvenytarsasag", "dd", "dionicko drustvo", "delniska druzba", "ad", "ead", "ag",
       "aktiengesellschaft", "ab", "aktiebolag", "aktiebolaget", "publ", "abp", "oy", "oyj", "nv", "plc",
       "akciju sabiedriba", "aktsiaselts", "akcine bendrove", "sas", "sasu", "sca")
_forms("partnership", "vos", "ks", "bt", "kkt", "kd", "sd", "sp j", "sp k", "spolka jawna",
       "spolka komandytowa", "hb", "kb", "ohg", "snc", "scs")
_forms("sole-trader", "et", "pfa", "ii", "sp")
_forms("cooperative", "druzstvo", "spoldzielnia", "zadruga", "szovetkezet", "ek for",
       "ekonomisk forening", "ek forening", "eg", "scrl", "soc coop", "kooperativ")
_forms("association", "zs", "zapsany spolek", "ev", "eingetragener verein", "asbl", "vzw", "mtu",
       "mittetulundusuhing", "ideell forening", "ideella foreningen", "ideella forening", "ry", "zu", "zdruzenie",
       "kozhasznu egyesulet")
_forms("public-benefit", "ops", "obecne prospesna spolecnost", "gemeinnutzige gmbh", "nonprofit")
_forms("public-institution", "vsi", "viesoji istaiga", "ppk")

#: Forms that are also ordinary short words: recognised only as the first or last word of a name.
_EDGE_ONLY = {("as",), ("sa",), ("ab",), ("ad",), ("et",), ("ev",), ("ou",), ("oy",), ("bv",), ("nv",), ("dd",),
              ("bt",), ("ag",), ("kg",), ("ks",), ("hb",), ("kb",), ("sl",), ("eg",), ("ii",), ("sp",), ("zu",),
              ("ry",), ("kd",), ("sd",), ("spa",), ("sas",), ("sca",), ("ops",), ("vos",), ("zs",), ("publ",),
              ("ltd",), ("sia",), ("lda",), ("slu",), ("pfa",), ("vsi",), ("ppk",), ("limited",), ("kooperativ",)}
_LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)

# ---------------------------------------------------------------- kinds of body

#: Kind words (folded) -> concept. Inflected forms are listed where the sources use them.
KIND_WORDS: dict[str, str] = {}
#: Prefixes of kind words (folded) -> concept: universit-, univerzit-, kommun-...
KIND_PREFIXES: dict[str, str] = {}
#: Suffixes that make a Swedish-style compound a kind word: 'mittuniversitetet' -> 'mitt' + university.
KIND_SUFFIXES: dict[str, str] = {}


def _kind(concept: str, words: str = "", prefixes: str = "", suffixes: str = "") -> None:
    KIND_WORDS.update({w: concept for w in words.split()})
    KIND_PREFIXES.update({p: concept for p in prefixes.split()})
    KIND_SUFFIXES.update({s: concept for s in suffixes.split()})


_kind("municipality",
      "municipality municipal municipalities obshtina obshtinata obshtinski obec obce obci gmina gminy gminie "
      "obcina obcine opcina opcine opstina kommun kommune kommuner commune comune comuna municipiul municipiu "
      "savivaldybe savivaldybes pasvaldiba pasvaldibas vald valla vallavalitsus onkormanyzat onkormanyzata "
      "onkormanyzatanak gemeinde stad staden ayuntamiento concello",
      prefixes="kommun")
_kind("city", "city miasto mesto mestska grad varos varosi linn linna linnavalitsus pilseta pilsetas pilsetu "
      "miesto citta cite ville")
_kind("district", "district rajono rajonas rajon okres powiat powiatu county novads novada novadu oblast oblasti "
      "zupanija megye megyei judet judetul provincia province kraj")
_kind("region", "region regionen regionens regione regija regiao", suffixes="regionen")
_kind("county board", "lansstyrelsen lansstyrelse", prefixes="lansstyrelse")
_kind("university",
      "university universities universitet universitetet univerzita univerzitet uniwersytet egyetem sveuciliste "
      "univerza ulikool universitate universidad universite universitat universita hogskola hogskolan "
      "politechnika politecnico vysoka akademija akademia augstskola kolegija",
      prefixes="universit univerzit uniwersyt",
      suffixes="universitetet universitet hogskolan hogskola")
_kind("school", "school skola skolan gymnasium gymnazium gimnazija gimnazjum gymnasiet lyceum lutseum tehnikums "
      "technikum uchilishte folkhogskola folkhogskolan mokykla progimnazija kool koolide iskola",
      suffixes="folkhogskolan folkhogskola")
_kind("cluster", "cluster clusters klaster klastr klaszter klasteris kluster klustret klustr distretto pole polo "
      "klasterio", prefixes="klaster klastr kluster")
_kind("association", "association asociace asociacia asociatia asociacija asociacion associazione associacao "
      "associacion stowarzyszenie sdruzhenie egyesulet udruga udruzenje drustvo biedriba uhing mtu verein forening "
      "foreningen forbund forbundet spolek zdruzenie zdruzenje ngo nvo",
      suffixes="foreningen forening forbundet forbund")
_kind("chamber", "chamber kamara palata komora izba handelskammare camera kammer koda")
_kind("agency", "agency agentura agencja agentsiya agentsia ugynokseg agentuur agentura agentia agenzia agence "
      "agentur agenturas", suffixes="verket myndigheten")
_kind("foundation", "foundation stiftelse stiftelsen fondacija fundacja nadace nadacia fondatsiya alapitvany "
      "sihtasutus nodibinajums fondas fundatia stiftung fondazione fundacion fundacao")
_kind("cooperative", "cooperative kooperativ spoldzielnia zadruga szovetkezet kooperatsiya")
_kind("ministry", "ministry ministerstvo ministerstwo ministarstvo ministrstvo ministerija ministerul miniszterium "
      "ministerio ministere ministerium", suffixes="departementet")
_kind("hospital", "hospital slimnica ligonine bolnica szpital nemocnice nemocnica korhaz haigla sjukhus sjukhuset "
      "bolnitsa spital ospedale klinika")
_kind("museum", "museum muzeum muzej muuseum muzejs muziejus muzey museet museo musee")
_kind("library", "library biblioteka knihovna kniznica konyvtar bibliotek biblioteket raamatukogu biblioteca")
_kind("port", "port hamn harbour harbor sadam ostas osta luka przystan")
_kind("technology park", "park parken")
_kind("government office", "urad urzad uradu hivatal")
_kind("kindergarten", "kindergarten vrtic materska przedszkole ovoda lasteaed")
_kind("department", "department departement forvaltning forvaltningen assessorato odbor wydzial osztaly",
      suffixes="forvaltningen forvaltning")

#: Kinds that are parts of one another or the same level of government: sharing a group makes
#: two kinds compatible (a city is a municipality).
KIND_GROUPS = {
    "municipality": "local", "city": "local", "district": "local", "region": "region",
    "county board": "state", "agency": "state", "ministry": "state", "government office": "state",
}
#: Kinds that name an institution of their own: a name that adds one to the other's kinds
#: ("Jelgava City Library" against "Jelgava City Council") names another body.
INSTITUTION_KINDS = frozenset({"university", "school", "hospital", "museum", "library", "port", "technology park",
                               "chamber", "kindergarten", "department"})
#: Kinds that exclude each other even when both names also share another kind: the city of
#: Šiauliai and the district municipality of Šiauliai, the town of Oława and the gmina around it.
KIND_CONFLICTS = {frozenset({"city", "district"}), frozenset({"city", "rural"}), frozenset({"rural", "district"})}

#: Words that carry nothing: prepositions, articles, "administration", "council"...
STOP_WORDS = frozenset(
    "of the and for in on at by to a an och i av for fur und der die das des de di del della da do dos das "
    "na za w we v ve z ze u pri iz ob s al au aux le la les il lo et es ja un ir bei im am zu lan lans "
    "administration administracija administrace administracja administratsiya government valitsus "
    "council dome rada rady tanacs hallitus local rural group grupa grupp gruppen company foretag "
    "office birojs tarnyba kontor med firma".split()
)

#: Words spelled differently across languages but saying the same: folded to one form.
SYNONYMS = {
    **{w: "techn" for w in "technical technology technologies technological tekniska teknisk tekniska technicka "
       "technicky technische technischen techniczna technologiczny tehnicka tehniska tehnicki tehniski "
       "tehnoloski tehnologiju tehnoloogia technikos technologijos technologiai muszaki tecnica tecnologico".split()},
    **{w: "nation" for w in "national nationale nazionale narodni narodowy narodowe narodny nacionalni "
       "nacionalinis natsionalen nemzeti nacional nationella".split()},
    **{w: "develop" for w in "development developpement sviluppo rozvoj rozwoju razvoj razvitie razvitiye "
       "fejlesztesi fejlesztes utveckling utvecklings attistibas pletros arengu dezvoltare".split()},
    **{w: "innov" for w in "innovation innovations innovative innovacni innowacji inovacij inovacijski "
       "inovaciju inovacijos innovacios innovazione innovationer".split()},
    **{w: "research" for w in "research forskning vyzkumny vyzkumu badawczy badan istrazivanje raziskovalni "
       "kutato kutatasi tyrimu petnieciba ricerca recherche".split()},
    **{w: "energy" for w in "energy energi energie energia energetyki energetika energetski energetyczny "
       "energetikos energetikas".split()},
    **{w: "tourism" for w in "tourism turism turismo turizmu turisticka turistiki turystyki turisztikai "
       "turizma turizmo turizmas tourisme touristik".split()},
    **{w: "south" for w in "south syd sodra sud".split()},
    **{w: "north" for w in "north norr norra nord".split()},
    **{w: "west" for w in "west vast vastra ouest".split()},
    **{w: "east" for w in "east ost ostra est".split()},
    "centre": "center", "centrum": "center", "centro": "center", "tsentar": "center", "centras": "center",
    "centrs": "center", "keskus": "center", "kozpont": "center",
    "sustainable": "sustain", "hallbar": "sustain", "hallbara": "sustain", "trajnostni": "sustain",
    "kungl": "kungliga",
    # English exonyms of places that recur in organisation names, folded to the local name
    "apulia": "puglia", "lombardy": "lombardia", "tuscany": "toscana", "piedmont": "piemonte",
    "sardinia": "sardegna", "sicily": "sicilia", "bavaria": "bayern", "saxony": "sachsen",
    "warsaw": "warszawa", "cracow": "krakow", "prague": "praha", "vienna": "wien",
    "gothenburg": "goteborg", "scania": "skane", "lisbon": "lisboa", "brussels": "bruxelles",
    "brussel": "bruxelles", "bucharest": "bucuresti", "belgrade": "beograd", "moravia": "morava",
    "bohemia": "cechy", "silesia": "slask", "pomerania": "pomorze", "lapland": "lappland",
}


#: Names that stand for a hidden or missing name ("Ei kuvata", Estonian for "not shown"): such
#: records are never compared.
PLACEHOLDER_NAMES = frozenset({"ei kuvata", "not shown", "not displayed", "unknown", "anonymous", "anonymised",
                               "anonymized", "confidential", "n a", "na", "none", "private person"})


# ---------------------------------------------------------------- the form of a name

@dataclass(frozen=True)
class NameForm:
    """A name as the matcher compares it; see the module docstring."""

    text: str
    folded: tuple[str, ...]
    core: tuple[str, ...]
    kinds: frozenset[str]
    legal_forms: tuple[tuple[str, str], ...] = ()
    acronyms: frozenset[str] = field(default_factory=frozenset)
    initials: str = ""
    bracketed: frozenset[str] = field(default_factory=frozenset)

    @property
    def numbers(self) -> frozenset[str]:
        """The numbers in the name ('Praha 13', 'Põllu tn 9'), without leading zeros."""
        return frozenset(word.lstrip("0") or "0" for word in self.folded if word.isdigit())

    @property
    def key(self) -> str:
        """The core words, sorted: names equal up to kind words, legal forms and word order."""
        return " ".join(sorted(set(self.core)))

    @property
    def placeholder(self) -> bool:
        """Whether the name stands for a hidden or missing one (see PLACEHOLDER_NAMES)."""
        return " ".join(self.folded) in PLACEHOLDER_NAMES

    @property
    def legal_classes(self) -> frozenset[str]:
        return frozenset(kind for _, kind in self.legal_forms)


def _strip_legal_forms(words: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Remove legal forms (longest first); short ambiguous ones only at the start or the end."""
    found: list[tuple[str, str]] = []
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_FORM, len(words) - i), 0, -1):
            candidate = tuple(words[i:i + size])
            kind = LEGAL_FORMS.get(candidate)
            if kind is None:
                continue
            # "... S.A. w Krakowie": a legal form before a preposition ends the name proper
            at_edge = i == 0 or i + size == len(words) or words[i + size] in STOP_WORDS
            if candidate in _EDGE_ONLY and not at_edge:
                continue
            if len(words) == size:  # the whole name is a legal form: keep it as a word
                continue
            found.append((" ".join(candidate), kind))
            i += size
            break
        else:
            out.append(words[i])
            i += 1
    return out, found


def _kind_of(word: str) -> tuple[str | None, str | None]:
    """The kind a word names, and what is left of a compound: ('university', 'mitt')."""
    if word in KIND_WORDS:
        return KIND_WORDS[word], None
    for prefix, concept in KIND_PREFIXES.items():
        if word.startswith(prefix):
            return concept, None
    for suffix, concept in KIND_SUFFIXES.items():
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return concept, word[: -len(suffix)]
    return None, None


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,6}\b")


def _acronyms(text: str) -> frozenset[str]:
    """Upper-case words of 2 to 7 letters in a name that is not itself written in capitals."""
    latin = transliterate(text)
    letters = [c for c in latin if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) > len(letters) / 2:
        return frozenset()
    return frozenset(a.lower() for a in _ACRONYM.findall(latin) if (a.lower(),) not in LEGAL_FORMS)


@lru_cache(maxsize=200_000)
def name_form(text: str) -> NameForm:
    """The :class:`NameForm` of ``text`` (cached: the same names recur across records).

    >>> form = name_form("Gmina Miasto Grudziądz")
    >>> form.core, sorted(form.kinds)
    (('grudziadz',), ['city'])
    >>> name_form("ALPINUS CHEMIA SP. Z O.O.").legal_forms
    (('sp z oo', 'limited'),)
    >>> name_form("Sveriges lantbruksuniversitet").initials
    'slu'
    """
    folded = fold(text)
    words, legal = _strip_legal_forms(folded)
    kinds: set[str] = set()
    core: list[str] = []
    initials: list[str] = []
    for word in words:
        if word in STOP_WORDS:
            continue
        if not word.isdigit():
            initials.append(word[0])
        kind, rest = _kind_of(word)
        if kind is not None:
            kinds.add(kind)
            if rest:
                core.append(SYNONYMS.get(rest, rest))
                initials.insert(len(initials) - 1, rest[0])
                initials[-1] = word[len(rest)]
            continue
        core.append(SYNONYMS.get(word, word))
    # Polish "gmina X" alone is a rural or mixed gmina; with "miasto" it is the town itself.
    if "gmina" in words and "miasto" not in words:
        kinds.add("rural")
    if "miasto" in words or "mesto" in words:
        kinds.discard("municipality")
    bracketed = frozenset(word for part in re.findall(r"\(([^)]*)\)", text) for word in fold(part))
    return NameForm(text=text, folded=tuple(folded), core=tuple(dict.fromkeys(core)), kinds=frozenset(kinds),
                    legal_forms=tuple(legal), acronyms=_acronyms(text), initials="".join(initials),
                    bracketed=bracketed)
