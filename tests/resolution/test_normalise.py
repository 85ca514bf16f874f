"""Names in comparable form: transliteration, diacritics, legal forms, kinds, acronyms."""

from __future__ import annotations

import doctest

import pytest

from clusterkg.resolution import normalise
from clusterkg.resolution.normalise import fold, name_form, transliterate


def test_the_docstring_examples_run() -> None:
    assert doctest.testmod(normalise).failed == 0


# ---------------------------------------------------------------- Cyrillic and diacritics

@pytest.mark.parametrize(("cyrillic", "kohesio"), [
    # the Transliterated Name column of kohesio-beneficiaries-cee.tsv for these beneficiaries
    ("Община Кърджали", "Obshtina Kardzhali"),
    ("ОБЩИНА ДУПНИЦА", "OBShtINA DUPNITsA"),
    ("МЕЙТ КИЧЪН ЕООД", "MEYT KIChAN EOOD"),
    ("ЮГОЗАПАДЕН УНИВЕРСИТЕТ", "YuGOZAPADEN UNIVERSITET"),
    ("ЦЕНТЪР ЗА СПЕШНА МЕДИЦИНСКА ПОМОЩ", "TsENTAR ZA SPEShNA MEDITsINSKA POMOSht"),
])
def test_cyrillic_folds_like_the_transliteration_kohesio_gives(cyrillic: str, kohesio: str) -> None:
    """Bulgarian official transliteration (щ -> sht, ъ -> a), not anyascii's (щ -> shch, ъ -> ')."""
    assert fold(cyrillic) == fold(kohesio)


def test_transliteration_keeps_case_and_leaves_latin_alone() -> None:
    assert transliterate("Щит") == "Shtit"
    assert transliterate("Гоце Делчев") == "Gotse Delchev"
    assert transliterate("Łódź, Kraków, Košice") == "Lodz, Krakow, Kosice"


@pytest.mark.parametrize(("a", "b"), [
    ("Technical University of Košice", "Technical University of Kosice"),
    ("BIAŁOSTOCKA FUNDACJA KSZTAŁCENIA KADR", "BIALOSTOCKA FUNDACJA KSZTALCENIA KADR"),
    ("Research and Educational Centre Mansion Rakičan", "Research and Educational Centre Mansion Rakican"),
    ("NAGYKÖRÜ KÖZSÉGI ÖNKORMÁNYZAT", "NAGYKÖRŰ KÖZSÉGI ÖNKORMÁNYZAT"),
    ("Dječji vrtić Cvrčak", "Dječji vrtiċ Cvrčak"),
])
def test_diacritics_and_case_do_not_matter(a: str, b: str) -> None:
    assert name_form(a).core == name_form(b).core
    assert name_form(a).kinds == name_form(b).kinds


def test_single_letters_are_joined_and_apostrophes_vanish() -> None:
    assert fold("s. r. o.") == fold("s.r.o.") == fold("s.r.o") == fold("SRO") == ["sro"]
    assert fold("Sp. z o. o.") == fold("SP. Z O.O.") == ["sp", "z", "oo"]
    assert fold("Öland'S Tourism") == ["olands", "tourism"]


# ---------------------------------------------------------------- legal forms

@pytest.mark.parametrize(("name", "form", "kind"), [
    ("Alfa S.r.l.", "srl", "limited"),
    ("Beta SRL", "srl", "limited"),
    ("Gamma S.p.A.", "spa", "joint-stock"),
    ("Delta GmbH", "gmbh", "limited"),
    ("Freunde des Waldes e.V.", "ev", "association"),
    ("Plastikářský klastr z.s.", "zs", "association"),
    ("Moravskoslezský klastr, z. s.", "zs", "association"),
    ("COMTES FHT a.s.", "as", "joint-stock"),
    ("Obec Nitrianske Pravno, s. r. o.", "sro", "limited"),
    ("Novak spol. s r.o.", "spol s ro", "limited"),
    ("CZECH IT CLUSTER, družstvo", "druzstvo", "cooperative"),
    ("ALPINUS CHEMIA SP. Z O.O.", "sp z oo", "limited"),
    ("NOKIA SOLUTIONS AND NETWORKS SP.Z O.O.", "sp z oo", "limited"),
    ('"ALPINUS CHEMIA" SPÓŁKA Z OGRANICZONA ODPOWIEDZIALNOŚCIĄ', "spolka z ograniczona odpowiedzialnoscia", "limited"),
    ("KOLEJE DOLNOŚLĄSKIE SPÓŁKA AKCYJNA", "spolka akcyjna", "joint-stock"),
    ("Tallinna Vesi OÜ", "ou", "limited"),
    ("Latvijas Gāze SIA", "sia", "limited"),
    ('UAB „FIMITAS“', "uab", "limited"),
    ("FIMITAS, UAB", "uab", "limited"),
    ("SAMPO Élelmiszeripari Gépgyártó Kft.", "kft", "limited"),
    ("SAMPO Élelmiszeripari Gépgyártó Korlátolt Felelősségű Társaság", "korlatolt felelossegu tarsasag", "limited"),
    ("MÁV Magyar Államvasutak Zrt", "zrt", "joint-stock"),
    ("Poliklinika Galeković d.o.o.", "doo", "limited"),
    ("GORENJE, D.D.", "dd", "joint-stock"),
    ("Sydvatten AB", "ab", "joint-stock"),
    ("Sweden Water Research Aktiebolag", "aktiebolag", "joint-stock"),
    ("Nokia Oy", "oy", "joint-stock"),
    ("Novo Nordisk A/S", "a s", "joint-stock"),
    ("Lego ApS", "aps", "limited"),
    ("Airbus SAS", "sas", "joint-stock"),
    ("Philips N.V.", "nv", "joint-stock"),
    ("Shell B.V.", "bv", "limited"),
    ("Acme Ltd", "ltd", "limited"),
    ("Total SA", "sa", "joint-stock"),
    ("КАБРОН И ПЕКЕНЬО ООД", "ood", "limited"),
    ('"Зора-ЕС" ЕООД', "eood", "limited"),
    ("ГОРУБСО - МАДАН АД", "ad", "joint-stock"),
    ("Glava Energy Center Ekonomisk förening", "ekonomisk forening", "cooperative"),
    ("Arvika Näringslivscentrum Ek. för.", "ek for", "cooperative"),
    ("Low Impact Fishers of Europe, A.S.B.L", "asbl", "association"),
])
def test_legal_forms_are_found_and_taken_out_of_the_name(name: str, form: str, kind: str) -> None:
    found = name_form(name)
    assert (form, kind) in found.legal_forms
    assert form.split()[0] not in found.core


def test_a_legal_form_written_out_or_abbreviated_leaves_the_same_core() -> None:
    for a, b in [("TECHLAND SP. Z O.O.", "TECHLAND SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"),
                 ("Rába Futómű Gyártó és Kereskedelmi Kft.", "Rába Futómű Gyártó és Kereskedelmi Korlátolt Felelősségű Társaság"),
                 ("MPK S.A. W KRAKOWIE", "MPK SPÓŁKA AKCYJNA W KRAKOWIE"),
                 ("FIMITAS, UAB", "UAB „FIMITAS“")]:
        assert name_form(a).key == name_form(b).key
        assert name_form(a).legal_classes == name_form(b).legal_classes


def test_short_legal_forms_count_only_at_either_end_of_a_name() -> None:
    """'AS', 'SA', 'AB', 'ET' are legal forms at the start or the end only, not inside a name."""
    assert name_form("Nature as Art Foundation").legal_forms == ()
    assert "as" in name_form("Nature as Art Foundation").folded
    assert name_form("AS VALGA VESI").legal_forms == (("as", "joint-stock"),)
    assert name_form("AB Kosters Framtid").legal_forms == (("ab", "joint-stock"),)


def test_a_name_that_is_only_a_legal_form_is_kept() -> None:
    assert name_form("SIA").core == ("sia",)


# ---------------------------------------------------------------- kinds of body

@pytest.mark.parametrize("name", [
    "Община Петрич", "Obshtina Petrich", "Municipality of Petrich", "Petrich kommun", "Petrich Municipality",
    "Petrichų savivaldybė", "Petriches novada pašvaldība", "Obec Petrich", "Občina Petrich",
])
def test_municipality_words_of_every_language_give_one_kind(name: str) -> None:
    assert "municipality" in name_form(name).kinds


@pytest.mark.parametrize(("name", "kind", "core"), [
    ("Linnéuniversitetet", "university", ("linne",)),
    ("Mittuniversitetet", "university", ("mitt",)),
    ("Luleå Tekniska Universitet", "university", ("lulea", "techn")),
    ("Luleå University of Technology", "university", ("lulea", "techn")),
    ("Palóc Út Kulturális Turisztikai Klaszter Egyesület", "cluster", ("paloc", "ut", "kulturalis", "tourism")),
    ('СДРУЖЕНИЕ "КЛЪСТЕР ЗЕЛЕНА СИНЕРГИЯ"', "cluster", ("zelena", "sinergiya")),
    ("Distretto produttivo Puglia Creativa", "cluster", ("produttivo", "puglia", "creativa")),
    ("Stiftelsen Drivhuset I Göteborg", "foundation", ("drivhuset", "goteborg")),
    ("Länsstyrelsen I Västerbottens Län", "county board", ("vasterbottens",)),
    ("Trafikverket", "agency", ("trafik",)),
    ("Stadsbyggnadsförvaltningen Helsingborg", "department", ("stadsbyggnads", "helsingborg")),
])
def test_kind_words_are_a_feature_and_compounds_are_split(name: str, kind: str, core: tuple[str, ...]) -> None:
    form = name_form(name)
    assert kind in form.kinds
    assert form.core == core


def test_association_words_are_kept_as_a_kind_not_as_name_words() -> None:
    for name in ("Asociace výrobců", "Stowarzyszenie Gmin", "Sdruzhenie Zelena", "Green Association"):
        assert "association" in name_form(name).kinds


def test_polish_town_and_rural_gmina_are_told_apart() -> None:
    """'Gmina X' alone is a rural or mixed gmina; 'Gmina Miasto X' and 'Miasto X' are the town."""
    assert name_form("Gmina Miasto Grudziądz").kinds == {"city"}
    assert name_form("MIASTO GRUDZIĄDZ").kinds == {"city"}
    assert name_form("Gmina Grudziądz").kinds == {"municipality", "rural"}


def test_synonyms_across_languages_fold_to_one_word() -> None:
    assert name_form("Hållbar utveckling Skåne").core == name_form("Sustainable Development Skåne").core
    assert name_form("Kungl Tekniska Högskolan").core == ("kungliga", "techn")


# ---------------------------------------------------------------- acronyms

def test_acronyms_and_initials() -> None:
    assert name_form("BioFuel Region BFR AB").acronyms == {"bfr"}
    assert name_form("Mälardalens iniversitet (MDU)").acronyms == {"mdu"}
    assert name_form("LÄNSSTYRELSEN I SKÅNE LÄN").acronyms == set()  # a name in capitals has none
    assert name_form("Luleå Tekniska Universitet").initials == "ltu"
    assert name_form("Sveriges lantbruksuniversitet").initials == "slu"
    assert name_form("Agency for Regional Development and Business Center").initials == "ardbc"
