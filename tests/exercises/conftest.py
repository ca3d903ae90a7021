"""Specs of the three performance exercises, as the course files give them."""
import pytest

SEARCH_SPEC = {
    "framework": "PEO",
    "syntaxes": ["pubmed", "ovid"],
    "min_synonyms": 3,
    "concepts": [
        {"name": "Children", "element": "P", "terms": ["child*", "paediatric*", "pediatric*", "adolescen*", "infant*"],
         "headings": ["Child", "Infant", "Adolescent"]},
        {"name": "Traffic pollution", "element": "E",
         "terms": ["traffic", "vehicle emission*", "exhaust fume*", "air pollut*"],
         "headings": ["Vehicle Emissions", "Air Pollution"]},
        {"name": "Asthma", "element": "O", "terms": ["asthma*", "wheez*"], "headings": ["Asthma"]},
    ],
    "model": {
        "pubmed": '(child*[tiab] OR paediatric*[tiab] OR pediatric*[tiab] OR Child[mh]) AND (traffic[tiab] OR '
                  '"vehicle emission*"[tiab] OR "Vehicle Emissions"[mh]) AND (asthma*[tiab] OR wheez*[tiab] OR Asthma[mh])',
        "ovid": "exp Child/\n(child* or paediatric* or pediatric*).ti,ab.\n1 or 2\nVehicle Emissions/\n"
                "(traffic or vehicle emission*).ti,ab.\n4 or 5\nexp Asthma/\n(asthma* or wheez*).ti,ab.\n7 or 8\n"
                "3 and 6 and 9",
    },
}


@pytest.fixture
def search_spec():
    return {**SEARCH_SPEC, "concepts": [dict(c) for c in SEARCH_SPEC["concepts"]]}
